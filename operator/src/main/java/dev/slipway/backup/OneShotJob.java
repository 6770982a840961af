package dev.slipway.backup;

import dev.slipway.OwnerReferences;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * What the Jobs of Backups and Restores share: one try, a deadline, no ServiceAccount token, the
 * dump's emptyDir when they move one, owned by the Backup or Restore (deleting it deletes them);
 * and the Secret that hands a presigned URL to such a Job.
 */
final class OneShotJob {

  static final String VOLUME = "backup";

  private OneShotJob() {}

  /** Non-root, the runtime's default seccomp profile: the pod security the web pods have too. */
  static PodSecurityContext restricted() {
    return new PodSecurityContextBuilder().withRunAsNonRoot(true).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .build();
  }

  /**
   * @param initContainers run first, in order (the dump before its upload, the download before the restore)
   * @param dumpVolume the size of the emptyDir the dump is written to and read from (the pod's
   *     ephemeral-storage limit: the dump may take all of it); null: no such volume
   */
  static Job of(HasMetadata owner, String name, Map<String, String> labels, Duration deadline, PodSecurityContext security,
      List<LocalObjectReference> pullSecrets, List<Container> initContainers, List<Container> containers, Quantity dumpVolume) {
    PodSpecBuilder pod = new PodSpecBuilder()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withSecurityContext(security)
        .withImagePullSecrets(pullSecrets)
        .withInitContainers(initContainers)
        .withContainers(containers);
    if (dumpVolume != null) {
      pod.addNewVolume().withName(VOLUME).withNewEmptyDir().withSizeLimit(dumpVolume).endEmptyDir().endVolume();
    }
    Job job = new JobBuilder()
        .withNewMetadata().withName(name).withNamespace(owner.getMetadata().getNamespace()).withLabels(labels).endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(deadline.toSeconds())
        .withNewTemplate()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withSpec(pod.build())
        .endTemplate()
        .endSpec()
        .build();
    return OwnerReferences.controlledBy(job, owner);
  }

  /** The Secret holding presigned URLs ({@code data}: key to value); {@code data} null: the same Secret emptied once they are spent. */
  static Secret transferSecret(HasMetadata owner, String name, Map<String, String> labels, Map<String, String> data) {
    SecretBuilder secret = new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace(owner.getMetadata().getNamespace()).withLabels(labels).endMetadata()
        .withType("Opaque");
    if (data != null) {
      data.forEach((key, value) -> secret.addToData(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
    }
    return OwnerReferences.controlledBy(secret.build(), owner);
  }
}
