package dev.slipway.promote;

import java.util.Objects;

/**
 * A promotion (image copy) failed. The reason says what kind of failure it was, as
 * {@code git/SourceException.Reason} does for sources; the message says what went wrong in terms
 * of images and registries and is safe to show in a status: it never contains credentials.
 */
public final class PromotionException extends Exception {

  private static final long serialVersionUID = 1L;

  /**
   * Unauthorized: a registry refused or required credentials. NotFound: the source image (or
   * something it needs) is not there. Unreachable: a registry could not be reached (unknown host,
   * connection refused, no route). Timeout: no answer, or the copy did not finish, in time. Tls: no
   * trusted certificate, or the TLS handshake failed. Invalid: an image reference that cannot be
   * promoted. Failed: anything else.
   */
  public enum Reason { Unauthorized, NotFound, Unreachable, Timeout, Tls, Invalid, Failed }

  private final Reason reason;

  public PromotionException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public PromotionException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }
}
