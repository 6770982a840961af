package dev.slipway.git;

import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jgit.transport.URIish;

/**
 * A source URL taken apart once: what JGit is given (the URL without its password, which goes
 * through a CredentialsProvider instead), what may be shown, and which secrets to scrub.
 */
final class Remote {

  enum Kind { HTTP, SSH, GIT, FILE }

  private static final Set<String> HTTP = Set.of("http", "https");
  private static final Set<String> SSH = Set.of("ssh", "ssh+git", "git+ssh");

  final String redacted;
  final String jgitUrl;
  final Kind kind;
  final String host;
  final int port;
  final String username;
  final String password;
  final GitCredentials credentials;
  final Secrets secrets;

  private Remote(String redacted, String jgitUrl, Kind kind, String host, int port, String username,
      String password, GitCredentials credentials, Secrets secrets) {
    this.redacted = redacted;
    this.jgitUrl = jgitUrl;
    this.kind = kind;
    this.host = host;
    this.port = port;
    this.username = username;
    this.password = password;
    this.credentials = credentials;
    this.secrets = secrets;
  }

  static Remote parse(String rawUrl, GitCredentials credentials) throws SourceException {
    if (rawUrl == null || rawUrl.isBlank()) {
      throw invalid("no Git URL given", null);
    }
    String url = rawUrl.strip();
    String redacted = GitUrls.redact(url);
    GitUrls.UserInfo info = GitUrls.UserInfo.of(url);
    String urlUser = info == null || info.user().isEmpty() ? null : GitUrls.percentDecode(info.user());
    String urlPassword = info == null || info.password() == null || info.password().isEmpty()
        ? null : info.password();
    String jgitUrl = urlPassword == null ? url : info.withoutPassword();

    String password = credentials.hasPassword() ? credentials.password()
        : urlPassword == null ? null : GitUrls.percentDecode(urlPassword);
    String username = credentials.username() != null && !credentials.username().isEmpty()
        ? credentials.username() : urlUser;
    Secrets secrets = Secrets.of(url, urlPassword, username, credentials);

    URIish uri;
    try {
      uri = new URIish(jgitUrl);
    } catch (URISyntaxException | RuntimeException e) {
      throw invalid("not a valid Git URL: " + redacted, null);
    }
    if (uri.getPass() != null) {
      // JGit found a password where GitUrls did not (an unusual form): it is a secret all the same.
      secrets = Secrets.of(url, uri.getPass(), username, credentials);
      redacted = secrets.scrub(redacted);
      if (password == null) {
        password = uri.getPass();
      }
      uri = uri.setPass(null);
      jgitUrl = uri.toString();
    }

    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean hasHost = uri.getHost() != null && !uri.getHost().isEmpty();
    Kind kind;
    if (scheme == null) {
      if (hasHost) {
        kind = Kind.SSH; // scp-like user@host:path
      } else if (uri.getPath() != null && uri.getPath().startsWith("/")) {
        kind = Kind.FILE;
      } else {
        throw invalid("not a valid Git URL (expected https://, ssh://, git://, file:// or user@host:path): "
            + redacted, null);
      }
    } else if (HTTP.contains(scheme)) {
      kind = Kind.HTTP;
    } else if (SSH.contains(scheme)) {
      kind = Kind.SSH;
    } else if ("git".equals(scheme)) {
      kind = Kind.GIT;
    } else if ("file".equals(scheme)) {
      kind = Kind.FILE;
    } else {
      throw invalid("unsupported URL scheme \"" + scheme + "\" (expected https, ssh, git or file): " + redacted, null);
    }
    if (kind != Kind.FILE && !hasHost) {
      throw invalid("no host in Git URL: " + redacted, null);
    }

    if (kind == Kind.GIT && (info != null || uri.getUser() != null)) {
      throw invalid("git:// URLs take no user name or password: " + redacted, null);
    }
    if (kind == Kind.HTTP && password != null && username == null) {
      username = GitCredentials.TOKEN_USERNAME;
    }
    if (kind == Kind.SSH && uri.getUser() == null && username != null) {
      // the login name: a Secret's username stands in for the user part the URL lacks
      uri = uri.setUser(username);
      jgitUrl = uri.toString();
    }
    int port = uri.getPort() > 0 ? uri.getPort() : kind == Kind.SSH ? 22 : -1;
    return new Remote(redacted, jgitUrl, kind, uri.getHost(), port, username, password, credentials, secrets);
  }

  private static SourceException invalid(String message, Throwable cause) {
    return new SourceException(SourceException.Reason.InvalidRemote, message, cause);
  }
}
