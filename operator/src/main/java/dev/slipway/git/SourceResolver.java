package dev.slipway.git;

/** Finds which commit a branch of a project's source repository points at right now. */
public interface SourceResolver {

  /**
   * Resolves a branch (short name like "develop" or "feature/x") to the commit it points at on the remote.
   * Network I/O bounded by the resolver's timeout.
   */
  ResolvedCommit resolve(String url, String branch, GitCredentials credentials) throws SourceException;
}
