package dev.slipway.git;

import java.util.Objects;

/**
 * Why a source could not be resolved. The reason becomes a condition reason, so callers can tell
 * "retry later" (RemoteUnreachable) from "the user has to fix something" (the others). The
 * message is shown to users as is and therefore never holds a secret.
 */
public final class SourceException extends Exception {

  private static final long serialVersionUID = 1L;

  public enum Reason { RemoteUnreachable, BranchNotFound, AuthFailed, InvalidRemote }

  private final Reason reason;

  /** The message must already be safe (see {@link GitUrls#redact} and {@link GitUrls#scrub}). */
  public SourceException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public Reason reason() {
    return reason;
  }
}
