package dev.slipway.promote;

/**
 * Copies an image, referenced by digest, from one repository to another: how an environment is
 * promoted when each stage keeps its images in its own repository. Never a rebuild.
 */
public interface ImageCopier {

  /**
   * Copies source (must carry a digest) to target's repository with target's tag; returns the
   * copied image in the target repository, by digest ({@code registry/repository@sha256:...}).
   * Copying an image that is already there is cheap and returns the same digest.
   *
   * @throws PromotionException when the copy fails; its message is safe to show in a status
   */
  ImageReference copy(ImageReference source, ImageReference target) throws PromotionException;
}
