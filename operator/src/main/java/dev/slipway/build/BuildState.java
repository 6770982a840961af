package dev.slipway.build;

/**
 * What one build Job says: running, succeeded with a digest, or failed with a reason.
 *
 * @param reason for failures: Timeout, SourceFetchFailed, DockerfileNotFound, PushFailed,
 *     OutOfMemory, DiskLimitExceeded, DigestMissing or BuildFailed; or, with no Job made,
 *     RegistryCredentialsMissing or SharedRegistryCredential
 * @param message a short, credential-free explanation (the tail of the build output)
 */
public record BuildState(Result result, String job, String digest, String reason, String message,
    String startedAt, String finishedAt) {

  public enum Result { Running, Succeeded, Failed }

  public boolean succeeded() {
    return result == Result.Succeeded;
  }

  public boolean failed() {
    return result == Result.Failed;
  }

  public boolean running() {
    return result == Result.Running;
  }
}
