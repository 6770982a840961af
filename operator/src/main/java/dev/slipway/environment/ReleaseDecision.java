package dev.slipway.environment;

import dev.slipway.deploy.Release;
import java.util.Objects;

/**
 * Which release an environment should run. Auto-deploying environments take a new release as
 * soon as it exists; the others keep what they run until a new value of the deploy annotation
 * asks for the newest one. A promoted environment's newest release is whatever its source
 * environment runs and has Ready; other environments' is the build of their resolved commit.
 *
 * @param target what to run (null: nothing to run yet)
 * @param consumesRequest whether the pending deploy request is now fulfilled
 * @param waiting why the newest release is not (yet) what runs, for the Deployed condition; null if it is
 */
public record ReleaseDecision(Release target, boolean consumesRequest, String waiting) {

  /**
   * @param current what runs now (null: nothing)
   * @param newest the newest release available to this environment (null: none yet)
   * @param autoDeploy whether the environment takes new releases by itself
   * @param deployRequested whether the deploy annotation carries a value not acted on yet
   */
  public static ReleaseDecision decide(Release current, Release newest, boolean autoDeploy, boolean deployRequested) {
    if (newest == null) {
      String waiting = deployRequested ? "DeployRequestWaiting" : (current == null ? "NothingToDeploy" : null);
      return new ReleaseDecision(current, false, waiting);
    }
    if (autoDeploy || deployRequested) {
      return new ReleaseDecision(newest, deployRequested, null);
    }
    if (current == null || !Objects.equals(current.image(), newest.image())) {
      return new ReleaseDecision(current, false, "AwaitingDeployRequest");
    }
    return new ReleaseDecision(current, false, null);
  }
}
