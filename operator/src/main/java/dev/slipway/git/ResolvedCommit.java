package dev.slipway.git;

import java.util.Objects;
import java.util.regex.Pattern;

/** A branch resolved at a remote: sha is 40 lower-case hex, ref the full name (refs/heads/develop). */
public record ResolvedCommit(String sha, String ref) {

  private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

  public ResolvedCommit {
    Objects.requireNonNull(sha, "sha");
    Objects.requireNonNull(ref, "ref");
    // Commits are pinned and compared as strings elsewhere: one spelling only.
    if (!SHA.matcher(sha).matches()) {
      throw new IllegalArgumentException("not a 40 lower-case hex commit: " + sha);
    }
  }
}
