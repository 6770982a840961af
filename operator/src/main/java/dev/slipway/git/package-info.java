/**
 * Git as a source of commits: which commit a branch of a project's repository points at, read
 * from the remote like {@code git ls-remote} over https/http, ssh, git:// and file URLs.
 *
 * <p>Everything here treats credentials as radioactive: URLs are shown only through
 * {@link dev.slipway.git.GitUrls#redact}, every message that leaves the package is scrubbed of
 * passwords, tokens and keys (JGit and sshd quote URLs and server replies in theirs), ssh uses
 * only the key and known_hosts given (never the operator's ~/.ssh), and an unknown host key is
 * refused. Failures carry a {@link dev.slipway.git.SourceException.Reason} that tells a
 * condition "try again later" (RemoteUnreachable) from "a person must fix something".
 */
package dev.slipway.git;
