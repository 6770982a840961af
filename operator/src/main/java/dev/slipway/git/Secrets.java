package dev.slipway.git;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Everything secret that one resolution handles, to be scrubbed from whatever it reports. JGit
 * and sshd build their messages from URLs and server replies, so every message is scrubbed, not
 * only those known to carry a secret.
 */
final class Secrets {

  private final String url;
  private final String redactedUrl;
  private final String[] values;

  private Secrets(String url, String redactedUrl, String[] values) {
    this.url = url;
    this.redactedUrl = redactedUrl;
    this.values = values;
  }

  static Secrets of(String url, String urlPassword, String username, GitCredentials credentials) {
    List<String> values = new ArrayList<>();
    if (urlPassword != null) {
      values.add(urlPassword);
      values.add(GitUrls.percentDecode(urlPassword));
    }
    if (credentials.password() != null) {
      values.add(credentials.password());
    }
    for (String password : List.copyOf(values)) {
      if (!password.isEmpty()) {
        // what an Authorization: Basic header would carry
        String pair = (username == null ? "" : username) + ":" + password;
        values.add(Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
      }
    }
    if (credentials.hasSshPrivateKey()) {
      String key = new String(credentials.sshPrivateKey(), StandardCharsets.UTF_8);
      values.add(key.strip());
      key.lines().map(String::strip)
          .filter(line -> line.length() >= 16 && !line.startsWith("-----"))
          .forEach(values::add);
    }
    return new Secrets(url, GitUrls.redact(url), values.toArray(String[]::new));
  }

  /** The message with the URL redacted and every secret masked; null stays null. */
  String scrub(String message) {
    if (message == null) {
      return null;
    }
    String result = message;
    if (url != null && !url.isEmpty() && !url.equals(redactedUrl)) {
      result = result.replace(url, redactedUrl);
    }
    return GitUrls.scrub(result, values);
  }
}
