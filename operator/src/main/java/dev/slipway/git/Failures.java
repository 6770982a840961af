package dev.slipway.git;

import dev.slipway.git.SourceException.Reason;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.errors.InvalidRemoteException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.errors.NotSupportedException;

/**
 * Turns what JGit and sshd throw into a {@link SourceException} with a safe message.
 *
 * <p>The reason decides what the operator does next (retry later, or wait for the user to fix a
 * URL, a branch or a Secret), so it is taken from exception types where JGit has them and from
 * its message texts where it has not. Observed with JGit 7.8 against git daemon,
 * git-http-backend, OpenSSH and local paths; see JGitSourceResolverIT.
 */
final class Failures {

  /** JGit starts most messages with the URL ("http://host/x.git: not authorized"); ours name it already. */
  private static final Pattern URL_PREFIX = Pattern.compile("^\\S+: ");
  private static final Pattern URLS = Pattern.compile("[a-z][a-z0-9+.-]*://[^\\s']*");

  private Failures() {}

  static SourceException classify(Throwable failure, Remote remote, String hostKeyProblem, int timeoutSeconds) {
    Throwable cause = sanitize(failure, remote.secrets);
    String where = remote.redacted;
    if (hostKeyProblem != null) {
      return new SourceException(Reason.AuthFailed, hostKeyProblem, cause);
    }
    StringBuilder messages = new StringBuilder();
    int depth = 0;
    for (Throwable t = failure; t != null && depth++ < 20; t = t.getCause()) {
      if (t instanceof InvalidRemoteException) {
        return new SourceException(Reason.InvalidRemote, "not a valid Git URL: " + where, cause);
      }
      if (t instanceof NotSupportedException) {
        return new SourceException(Reason.InvalidRemote, "Git URL not supported: " + where, cause);
      }
      if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
        return unknownHost(remote, cause);
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException
          || t instanceof PortUnreachableException) {
        return refused(remote, t.getMessage(), cause);
      }
      if (t instanceof SocketTimeoutException) {
        return timedOut(remote, timeoutSeconds, cause);
      }
      if (t instanceof NoRemoteRepositoryException) {
        return new SourceException(Reason.RemoteUnreachable, "repository not found: " + where, cause);
      }
      if (t.getMessage() != null) {
        messages.append(t.getMessage().toLowerCase(Locale.ROOT)).append('\n');
      }
    }
    // URLs out, so a repository called "forbidden" or a port 401 cannot decide the reason.
    String text = URLS.matcher(messages).replaceAll("<url>");

    if (text.contains("authentication is required but no credentialsprovider")) {
      return new SourceException(Reason.AuthFailed,
          "authentication required by " + where + ", but no credentials were given", cause);
    }
    if (text.contains("not authorized")) { // HTTP 401 after credentials were sent
      return new SourceException(Reason.AuthFailed,
          "not authorized by " + where + " (check the user name and password or token)", cause);
    }
    if (text.contains("not permitted") || text.contains("forbidden")) { // HTTP 403
      return new SourceException(Reason.AuthFailed,
          "access forbidden (HTTP 403) by " + where + " (the credentials lack read access)", cause);
    }
    if (text.contains("no more authentication methods") || text.contains("cannot log in")
        || text.contains("auth fail") || text.contains("permission denied (publickey")) {
      return new SourceException(Reason.AuthFailed, sshLoginRefused(remote), cause);
    }
    if (text.contains("server key did not validate") || text.contains("host key")) {
      return new SourceException(Reason.AuthFailed,
          "host key of " + remote.host + ":" + remote.port + " could not be verified against known_hosts", cause);
    }
    if (text.contains("access denied or repository not exported") || text.contains("repository not found")
        || text.contains("does not appear to be a git repository")) {
      return new SourceException(Reason.RemoteUnreachable, "repository not found: " + where, cause);
    }
    if (text.contains("unresolvedaddress") || text.contains("unknownhost") || text.contains("unknown host")) {
      return unknownHost(remote, cause);
    }
    if (text.contains("connection refused")) {
      return refused(remote, "Connection refused", cause);
    }
    if (text.contains("timeout") || text.contains("timed out") || text.contains("time out")) {
      return timedOut(remote, timeoutSeconds, cause);
    }
    String detail = remote.secrets.scrub(failure.getMessage());
    detail = detail == null ? failure.getClass().getSimpleName() : URL_PREFIX.matcher(detail).replaceFirst("");
    return new SourceException(Reason.RemoteUnreachable, "cannot read " + where + ": " + detail, cause);
  }

  static SourceException timedOut(Remote remote, int timeoutSeconds, Throwable cause) {
    return new SourceException(Reason.RemoteUnreachable,
        "no answer from " + remote.redacted + " within " + timeoutSeconds + "s", cause);
  }

  private static SourceException unknownHost(Remote remote, Throwable cause) {
    return new SourceException(Reason.RemoteUnreachable,
        "unknown host " + remote.host + " (" + remote.redacted + ")", cause);
  }

  private static SourceException refused(Remote remote, String message, Throwable cause) {
    String detail = message == null ? "" : " (" + remote.secrets.scrub(message) + ")";
    return new SourceException(Reason.RemoteUnreachable, "cannot connect to " + remote.redacted + detail, cause);
  }

  private static String sshLoginRefused(Remote remote) {
    String why = remote.credentials.hasSshPrivateKey() ? "the ssh key is not accepted"
        : remote.password != null ? "the password is not accepted"
        : "no ssh-privatekey was given";
    return "ssh login to " + remote.host + ":" + remote.port + " refused: " + why + " (" + remote.redacted + ")";
  }

  /**
   * A copy of the exception chain with every message scrubbed, keeping class names and stack
   * traces: the original would carry JGit's unscrubbed messages into logs and events.
   */
  static Throwable sanitize(Throwable failure, Secrets secrets) {
    return sanitize(failure, secrets, new IdentityHashMap<>(), 0);
  }

  private static Throwable sanitize(Throwable t, Secrets secrets, Map<Throwable, Throwable> done, int depth) {
    if (t == null || depth > 20) {
      return null;
    }
    Throwable existing = done.get(t);
    if (existing != null) {
      return existing;
    }
    ScrubbedException copy = new ScrubbedException(t.getClass().getName(), secrets.scrub(t.getMessage()));
    done.put(t, copy);
    copy.setStackTrace(t.getStackTrace());
    Throwable cause = sanitize(t.getCause(), secrets, done, depth + 1);
    if (cause != null && cause != copy) {
      copy.initCause(cause);
    }
    for (Throwable suppressed : t.getSuppressed()) {
      Throwable safe = sanitize(suppressed, secrets, done, depth + 1);
      if (safe != null && safe != copy) {
        copy.addSuppressed(safe);
      }
    }
    return copy;
  }

  /** Stands in for an exception whose message was scrubbed; prints as the original class. */
  static final class ScrubbedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String originalClass;

    ScrubbedException(String originalClass, String message) {
      super(message);
      this.originalClass = originalClass;
    }

    /** The class name of the exception this one stands in for. */
    String originalClass() {
      return originalClass;
    }

    @Override
    public String toString() {
      String message = getMessage();
      return message == null ? originalClass : originalClass + ": " + message;
    }
  }
}
