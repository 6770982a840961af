package dev.slipway.deploy;

/**
 * What an environment runs: a commit's image, always by digest (repository@sha256:...).
 * {@code promotedFrom} is set on a per-stage copy: the source environment's image it copies.
 */
public record Release(String commit, String image, String promotedFrom) {

  public Release {
    if (image == null || !image.contains("@sha256:")) {
      throw new IllegalArgumentException("a release runs an image by digest, not " + image);
    }
  }

  public Release(String commit, String image) {
    this(commit, image, null);
  }

  /** The image this release is, or copies: two releases with the same origin are the same release. */
  public String origin() {
    return promotedFrom != null ? promotedFrom : image;
  }

  public boolean sameAs(Release other) {
    return other != null && origin().equals(other.origin());
  }

  public String shortCommit() {
    return commit == null ? null : commit.substring(0, Math.min(7, commit.length()));
  }
}
