package dev.slipway.promote;

/**
 * A promotion (image copy) failed. The message says what went wrong in terms of images and
 * registries and is safe to show in a status: it never contains credentials.
 */
public final class PromotionException extends Exception {

  private static final long serialVersionUID = 1L;

  public PromotionException(String message, Throwable cause) {
    super(message, cause);
  }

  public PromotionException(String message) {
    super(message);
  }
}
