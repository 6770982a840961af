package dev.slipway.git;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Git URLs made safe to show. Source URLs end up in conditions, events and logs, and people put
 * tokens in them ({@code https://user:TOKEN@host/repo.git}), so nothing that leaves the operator
 * may carry the password part.
 */
public final class GitUrls {

  static final String MASK = "***";

  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");

  private GitUrls() {}

  /**
   * The URL with any password/token in its user-info replaced by "***" (user name kept), safe for
   * logs, status and events. Over http(s) a user-info without a password is masked whole: Git
   * hosts take a token as the user name ({@code https://TOKEN@host/repo.git}). Non-URL strings
   * (scp-like user@host:path) are returned unchanged.
   */
  public static String redact(String url) {
    UserInfo info = UserInfo.of(url);
    if (info == null) {
      return url;
    }
    if (info.password() == null || info.password().isEmpty()) {
      boolean http = info.prefix().toLowerCase(java.util.Locale.ROOT).startsWith("http");
      return http && !info.user().isEmpty() ? info.prefix() + MASK + "@" + info.rest() : url;
    }
    return info.prefix() + info.user() + ":" + MASK + "@" + info.rest();
  }

  /** Removes every occurrence of the given secrets (non-empty ones) from a message, replacing them with "***". */
  public static String scrub(String message, String... secrets) {
    if (message == null || secrets == null || secrets.length == 0) {
      return message;
    }
    // Percent-encoded forms too: a secret that went through a URL shows up encoded in messages.
    Set<String> variants = new LinkedHashSet<>();
    for (String secret : secrets) {
      if (secret != null && !secret.isEmpty()) {
        variants.add(secret);
        variants.add(percentEncode(secret, true));
        variants.add(percentEncode(secret, false));
      }
    }
    // Longest first, so a secret containing another one is not left half-masked.
    List<String> ordered = new ArrayList<>(variants);
    ordered.sort(Comparator.comparingInt(String::length).reversed());
    String result = message;
    for (String secret : ordered) {
      result = result.replace(secret, MASK);
    }
    return result;
  }

  /**
   * The parts of {@code scheme://[user[:password]@]rest}. The user-info ends at the last '@'
   * before the first '/' after the scheme, as JGit reads it, so a password holding an unescaped
   * '@' is still masked as a whole.
   */
  record UserInfo(String prefix, String user, String password, String rest) {

    /** Null for strings that are no scheme:// URL or have no user-info. */
    static UserInfo of(String url) {
      if (url == null) {
        return null;
      }
      Matcher scheme = SCHEME.matcher(url);
      if (!scheme.find()) {
        return null;
      }
      int start = scheme.end();
      int slash = url.indexOf('/', start);
      int authorityEnd = slash < 0 ? url.length() : slash;
      int at = url.lastIndexOf('@', authorityEnd - 1);
      if (at < start) {
        return null;
      }
      String userInfo = url.substring(start, at);
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
      String password = colon < 0 ? null : userInfo.substring(colon + 1);
      return new UserInfo(url.substring(0, start), user, password, url.substring(at + 1));
    }

    /** The URL without the password, user name kept: what JGit is given, so its messages cannot hold it. */
    String withoutPassword() {
      return prefix + (user.isEmpty() ? "" : user + "@") + rest;
    }
  }

  /** Decodes %XX escapes (and only those: '+' stays '+', as in URL user-info). */
  static String percentDecode(String value) {
    if (value == null || value.indexOf('%') < 0) {
      return value;
    }
    // '%' and hex digits are single bytes in UTF-8, so decoding byte-wise keeps other characters intact.
    byte[] in = value.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
    for (int i = 0; i < in.length; i++) {
      int high = i + 2 < in.length ? hex((char) (in[i + 1] & 0xff)) : -1;
      int low = i + 2 < in.length ? hex((char) (in[i + 2] & 0xff)) : -1;
      if (in[i] == '%' && high >= 0 && low >= 0) {
        out.write(high * 16 + low);
        i += 2;
      } else {
        out.write(in[i]);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  private static String percentEncode(String value, boolean upperCase) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~') {
        out.append((char) c);
      } else {
        String hex = String.format("%%%02X", c);
        out.append(upperCase ? hex : hex.toLowerCase(Locale.ROOT));
      }
    }
    return out.toString();
  }
}
