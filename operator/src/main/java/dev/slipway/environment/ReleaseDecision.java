package dev.slipway.environment;

import dev.slipway.deploy.Release;

/**
 * Which release an environment should run. Auto-deploying environments take a new release as
 * soon as it exists; the others keep what they run until a new value of the deploy annotation
 * asks for the newest one. A promoted environment's newest release is whatever its source
 * environment runs and has Ready; other environments' is the build of their resolved commit.
 *
 * <p>A deploy request is not settled here: it stays pending until the release it asks for
 * actually rolls out (the database and the release command may hold it back for a while).
 *
 * @param target what to run (null: nothing to run yet)
 * @param answersRequest whether rolling out {@code target} answers the pending deploy request
 * @param waiting why the newest release is not (yet) what runs, for the Deployed condition; null if it is
 */
public record ReleaseDecision(Release target, boolean answersRequest, String waiting) {

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
    if (current != null && current.sameAs(newest)) {
      return new ReleaseDecision(current, deployRequested, null);
    }
    if (autoDeploy || deployRequested) {
      return new ReleaseDecision(newest, deployRequested, null);
    }
    return new ReleaseDecision(current, false, "AwaitingDeployRequest");
  }

  /** Whether the target differs from what runs (so the database and release command gate it). */
  public boolean isNew(Release current) {
    return target != null && (current == null || !current.sameAs(target));
  }
}
