package dev.slipway.environment;

import dev.slipway.build.BuildObserver;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Why the pods of a failed rollout do not get ready, in a few words (CrashLoopBackOff and the end
 * of the last crash's output, ImagePullBackOff, ...). Read only when a rollout has failed: web
 * pods are not watched.
 */
final class PodTrouble {

  private static final int LIMIT = 400;

  private PodTrouble() {}

  static String describe(KubernetesClient client, String namespace, Map<String, String> selector, String image) {
    Set<String> reasons = new LinkedHashSet<>();
    try {
      for (Pod pod : client.pods().inNamespace(namespace).withLabels(selector).list().getItems()) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
          continue;
        }
        for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
          if (!image.equals(c.getImage()) && (pod.getSpec() == null || !image.equals(pod.getSpec().getContainers().get(0).getImage()))) {
            continue;
          }
          if (c.getState() != null && c.getState().getWaiting() != null && c.getState().getWaiting().getReason() != null) {
            String reason = c.getState().getWaiting().getReason();
            var last = c.getLastState() == null ? null : c.getLastState().getTerminated();
            if (last != null) {
              String output = last.getMessage() == null ? "" : BuildObserver.clean(last.getMessage(), "");
              reason += " (exit " + last.getExitCode() + (output.isEmpty() ? "" : ": " + output) + ")";
            } else if (c.getState().getWaiting().getMessage() != null) {
              reason += " (" + c.getState().getWaiting().getMessage() + ")";
            }
            reasons.add(reason);
          } else if (Boolean.FALSE.equals(c.getReady()) && c.getState() != null && c.getState().getRunning() != null) {
            reasons.add("running but not ready (its readiness probe fails)");
          }
        }
      }
    } catch (KubernetesClientException e) {
      return "";
    }
    String text = String.join("; ", reasons);
    return text.length() > LIMIT ? text.substring(0, LIMIT) + "..." : text;
  }
}
