package dev.slipway.environment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/**
 * How far a Deployment is with rolling out its current spec.
 *
 * @param complete every replica runs the image and is available, no old one is left
 * @param failed the Deployment controller gave up: no progress within progressDeadlineSeconds
 * @param scaledToZero the spec asks for no pods at all (so nothing serves)
 */
public record Rollout(boolean complete, boolean failed, boolean scaledToZero, int available, int desired, String message) {

  /**
   * Complete when the Deployment controller has seen the latest spec, every replica runs it and
   * is available, and no old replica is left.
   */
  public static Rollout of(Deployment deployment, String image) {
    if (deployment == null) {
      return new Rollout(false, false, false, 0, 0, "the Deployment does not exist yet");
    }
    int desired = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    String running = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    if (!image.equals(running)) {
      return new Rollout(false, false, false, 0, desired, "the Deployment does not run " + image + " yet");
    }
    DeploymentStatus s = deployment.getStatus();
    if (s == null) {
      return new Rollout(false, false, false, 0, desired, "waiting for the Deployment controller");
    }
    long generation = deployment.getMetadata().getGeneration() == null ? 0 : deployment.getMetadata().getGeneration();
    int updated = n(s.getUpdatedReplicas());
    int available = n(s.getAvailableReplicas());
    int total = n(s.getReplicas());
    if (s.getObservedGeneration() == null || s.getObservedGeneration() < generation) {
      return new Rollout(false, false, false, available, desired, "waiting for the Deployment controller");
    }
    boolean complete = updated >= desired && available >= desired && total <= desired;
    if (desired == 0) {
      return new Rollout(complete, false, true, available, 0,
          complete ? "scaled to zero: no pod serves" : "scaling to zero, " + total + " pods left");
    }
    if (!complete) {
      DeploymentCondition progressing = s.getConditions() == null ? null : s.getConditions().stream()
          .filter(c -> "Progressing".equals(c.getType())).findFirst().orElse(null);
      if (progressing != null && "False".equals(progressing.getStatus()) && "ProgressDeadlineExceeded".equals(progressing.getReason())) {
        return new Rollout(false, true, false, available, desired, "the rollout made no progress within its deadline ("
            + updated + "/" + desired + " pods updated, " + available + " available)");
      }
    }
    String message = complete
        ? available + "/" + desired + " pods available"
        : updated + "/" + desired + " pods updated, " + available + " available" + (total > desired ? ", old pods terminating" : "");
    return new Rollout(complete, false, false, available, desired, message);
  }

  private static int n(Integer i) {
    return i == null ? 0 : i;
  }
}
