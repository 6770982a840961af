package dev.slipway.environment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/** How far a Deployment is with rolling out its current spec. */
public record Rollout(boolean complete, int available, int desired, String message) {

  /**
   * Complete when the Deployment controller has seen the latest spec, every replica runs it and
   * is available, and no old replica is left.
   */
  public static Rollout of(Deployment deployment, String image) {
    if (deployment == null) {
      return new Rollout(false, 0, 0, "the Deployment does not exist yet");
    }
    int desired = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
    String running = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    if (!image.equals(running)) {
      return new Rollout(false, 0, desired, "the Deployment does not run " + image + " yet");
    }
    DeploymentStatus s = deployment.getStatus();
    if (s == null) {
      return new Rollout(false, 0, desired, "waiting for the Deployment controller");
    }
    long generation = deployment.getMetadata().getGeneration() == null ? 0 : deployment.getMetadata().getGeneration();
    int updated = n(s.getUpdatedReplicas());
    int available = n(s.getAvailableReplicas());
    int total = n(s.getReplicas());
    if (s.getObservedGeneration() == null || s.getObservedGeneration() < generation) {
      return new Rollout(false, available, desired, "waiting for the Deployment controller");
    }
    boolean complete = updated >= desired && available >= desired && total <= desired;
    String message = complete
        ? available + "/" + desired + " pods available"
        : updated + "/" + desired + " pods updated, " + available + " available" + (total > desired ? ", old pods terminating" : "");
    return new Rollout(complete, available, desired, message);
  }

  private static int n(Integer i) {
    return i == null ? 0 : i;
  }
}
