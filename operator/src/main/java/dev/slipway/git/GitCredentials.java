package dev.slipway.git;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Credentials for a Git remote. toString() never shows secret values.
 *
 * <p>The key is held as bytes (what a Secret holds) and copied in and out, so a caller cannot
 * change what a resolver is using.
 */
public record GitCredentials(String username, String password, byte[] sshPrivateKey, String knownHosts) {

  /** The user name GitHub, Gitea and others accept with a token sent as password. */
  static final String TOKEN_USERNAME = "x-access-token";

  private static final GitCredentials NONE = new GitCredentials(null, null, null, null);

  public GitCredentials {
    sshPrivateKey = sshPrivateKey == null ? null : sshPrivateKey.clone();
  }

  public static GitCredentials none() {
    return NONE;
  }

  /**
   * From a Kubernetes Secret's decoded data. Keys: "username", "password" (or "token": a token alone
   * is sent as password with username "x-access-token" unless "username" is set), "ssh-privatekey"
   * (the key of type kubernetes.io/ssh-auth Secrets), "known_hosts". Unknown keys are ignored.
   *
   * <p>A trailing newline is dropped from user name, password and token: Secrets made with
   * {@code echo} carry one, and no server accepts it.
   */
  public static GitCredentials fromSecretData(Map<String, byte[]> data) {
    if (data == null || data.isEmpty()) {
      return NONE;
    }
    String username = text(data.get("username"), true);
    String password = text(data.get("password"), true);
    String token = text(data.get("token"), true);
    if (password == null && token != null) {
      password = token;
      if (username == null) {
        username = TOKEN_USERNAME;
      }
    }
    byte[] key = data.get("ssh-privatekey");
    if (key != null && key.length == 0) {
      key = null;
    }
    String knownHosts = text(data.get("known_hosts"), false);
    return new GitCredentials(username, password, key, knownHosts);
  }

  @Override
  public byte[] sshPrivateKey() {
    return sshPrivateKey == null ? null : sshPrivateKey.clone();
  }

  public boolean isEmpty() {
    return isBlank(username) && isBlank(password) && (sshPrivateKey == null || sshPrivateKey.length == 0)
        && isBlank(knownHosts);
  }

  boolean hasPassword() {
    return password != null && !password.isEmpty();
  }

  boolean hasSshPrivateKey() {
    return sshPrivateKey != null && sshPrivateKey.length > 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GitCredentials other
        && Objects.equals(username, other.username)
        && Objects.equals(password, other.password)
        && Arrays.equals(sshPrivateKey, other.sshPrivateKey)
        && Objects.equals(knownHosts, other.knownHosts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(username, password, Arrays.hashCode(sshPrivateKey), knownHosts);
  }

  /** Says which parts are present, never their values (the user name is no secret). */
  @Override
  public String toString() {
    long knownHostLines = knownHosts == null ? 0
        : knownHosts.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).count();
    return "GitCredentials[username=" + (username == null ? "none" : username)
        + ", password=" + (hasPassword() ? GitUrls.MASK : "none")
        + ", sshPrivateKey=" + (hasSshPrivateKey() ? GitUrls.MASK : "none")
        + ", knownHosts=" + knownHostLines + " entries]";
  }

  private static String text(byte[] value, boolean dropTrailingNewline) {
    if (value == null) {
      return null;
    }
    String s = new String(value, StandardCharsets.UTF_8);
    if (dropTrailingNewline) {
      while (s.endsWith("\n") || s.endsWith("\r")) {
        s = s.substring(0, s.length() - 1);
      }
    }
    return s.isEmpty() ? null : s;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
