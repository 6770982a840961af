package dev.slipway;

/** Annotations users set on an Environment to ask for something, and ones Slipway writes. */
public final class Annotations {

  /** A new value makes the environment resolve its branch now (and retry a failed build). */
  /**
   * Set by the Restore controller on the Environment it restores into (the Restore's name): the
   * web pods scale to zero and no new release runs until it is removed.
   */
  public static final String RESTORING = "slipway.dev/restoring";

  /**
   * Set by the Restore controller when an environment holds another environment's data that was
   * not sanitised (the value names that environment): its web pods stay at zero until a Restore
   * loads data fit to serve, or someone removes the annotation on purpose.
   */
  public static final String UNSANITIZED_DATA = "slipway.dev/unsanitized-data-from";

  /**
   * Set by the Restore controller when it lets an environment go (the time, ISO-8601): releases
   * whose command was decided before then ran, or were to run, on data that has since been
   * replaced, so they are decided again.
   */
  public static final String RESTORED = "slipway.dev/restored";

  public static final String REFRESH = "slipway.dev/refresh";

  /** A new value deploys the currently resolved commit (or the source's Ready image) when autoDeploy is off. */
  public static final String DEPLOY = "slipway.dev/deploy";

  /** A new value runs a failed release command (migration) again for the same image. */
  public static final String RETRY_RELEASE = "slipway.dev/retry-release";

  /** A new value gives a shared database's role a new password (stored in the credentials Secret; pods restart). */
  public static final String ROTATE_DATABASE_PASSWORD = "slipway.dev/rotate-database-password";

  /** On web pods: which password rotation they were started with, so a rotation restarts them. */
  public static final String DATABASE_CREDENTIALS = "slipway.dev/database-credentials";

  /** On build Jobs: the Git remote (credentials removed) the build fetched. */
  public static final String SOURCE = "slipway.dev/source";

  /** On build Jobs: the image tag the build pushes. */
  public static final String IMAGE = "slipway.dev/image";

  private Annotations() {}
}
