package dev.slipway.deploy;

/** What an environment runs: a commit's image, always by digest (repository@sha256:...). */
public record Release(String commit, String image) {

  public Release {
    if (image == null || !image.contains("@sha256:")) {
      throw new IllegalArgumentException("a release runs an image by digest, not " + image);
    }
  }

  public String shortCommit() {
    return commit == null ? null : commit.substring(0, Math.min(7, commit.length()));
  }
}
