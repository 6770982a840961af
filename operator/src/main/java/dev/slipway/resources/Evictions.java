package dev.slipway.resources;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Locale;
import java.util.Optional;

/**
 * Pods the kubelet evicted for writing more to local disk than they may: past a container's or
 * the pod's ephemeral-storage limit, past an emptyDir's sizeLimit, or the biggest writer on a node
 * running out of disk. That pod stops; the node and the other tenants' pods go on.
 */
public final class Evictions {

  /** Failure reason of a build, Backup or Restore whose pod was evicted for its disk use. */
  public static final String DISK_LIMIT_EXCEEDED = "DiskLimitExceeded";

  private Evictions() {}

  /** The kubelet's own words when {@code pod} was evicted for its disk use; empty otherwise. */
  public static Optional<String> forDisk(Pod pod) {
    if (pod == null || pod.getStatus() == null || !"Evicted".equals(pod.getStatus().getReason())) {
      return Optional.empty();
    }
    String message = pod.getStatus().getMessage() == null ? "" : pod.getStatus().getMessage().trim();
    String m = message.toLowerCase(Locale.ROOT);
    if (m.contains("ephemeral") || m.contains("emptydir")) {
      return Optional.of(message);
    }
    return Optional.empty();
  }
}
