package dev.slipway.git;

import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which credentials the operator may send to a project's Git remote. A Project names its
 * credentials Secret and its remote, and the operator sends that Secret to that remote: without
 * a rule, a Project editor could name any Secret of the namespace (the operator's own database
 * credentials included) and point the URL at a server of their own. So:
 *
 * <ul>
 *   <li>only Secrets labelled {@value #LABEL}{@code =true} are read as source credentials, and
 *       never one the operator made itself ({@code app.kubernetes.io/managed-by=slipway});
 *   <li>credentials (from the Secret or in the URL) never go over plain {@code http://}, except to
 *       a loopback address or when the operator setting allows it.
 * </ul>
 */
public final class SourceCredentialsPolicy {

  /** The label a Secret needs to be used as a Project's source credentials. */
  public static final String LABEL = "slipway.dev/source-credentials";

  /** Why credentials are refused; empty when they may be used. */
  public record Refusal(String reason, String message) {}

  private SourceCredentialsPolicy() {}

  /**
   * @param secretName the Project's credentialsSecret (null: none)
   * @param secretLabels that Secret's labels (null when it does not exist)
   * @param allowPlainHttp the operator setting that lets credentials go over plain HTTP
   */
  public static Optional<Refusal> check(String url, String secretName, Map<String, String> secretLabels, boolean allowPlainHttp) {
    if (secretName != null && secretLabels != null) {
      if ("slipway".equals(secretLabels.get("app.kubernetes.io/managed-by"))) {
        return Optional.of(new Refusal("CredentialsRefused", "Secret " + secretName
            + " is one Slipway manages; it is never sent to a Git remote (make a Secret of its own, labelled " + LABEL + "=true)"));
      }
      if (!"true".equals(secretLabels.get(LABEL))) {
        return Optional.of(new Refusal("CredentialsRefused", "Secret " + secretName + " is not labelled " + LABEL
            + "=true; only Secrets meant as source credentials are sent to a Git remote"
            + " (kubectl label secret " + secretName + " " + LABEL + "=true)"));
      }
    }
    boolean sendsCredentials = secretName != null || hasUserInfo(url);
    if (sendsCredentials && !allowPlainHttp && plainHttpToAnotherHost(url)) {
      return Optional.of(new Refusal("InsecureTransport", "credentials are not sent over plain http to " + GitUrls.redact(url)
          + ": use https or ssh (or allow it with SLIPWAY_GIT_ALLOW_PLAIN_HTTP for a trusted network)"));
    }
    return Optional.empty();
  }

  /** http:// (not https) to a host that is not a loopback address. */
  static boolean plainHttpToAnotherHost(String url) {
    if (url == null || !url.toLowerCase(Locale.ROOT).startsWith("http://")) {
      return false;
    }
    String host;
    try {
      host = URI.create(url).getHost();
    } catch (IllegalArgumentException e) {
      return true;
    }
    return host == null || !isLoopback(host);
  }

  private static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    // Literal addresses only: a name is not resolved here (it could resolve elsewhere later).
    if (!h.matches("[0-9.]+") && !h.contains(":")) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static boolean hasUserInfo(String url) {
    try {
      return url != null && url.contains("://") && URI.create(url).getRawUserInfo() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
