package dev.slipway.promote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Registry credentials (e.g. from a {@code kubernetes.io/dockerconfigjson} Secret). {@link
 * #toString()} hides the password.
 *
 * @param username user name
 * @param password password or token
 */
public record RegistryCredentials(String username, String password) {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Host names Docker treats as Docker Hub; a config entry for one of them serves all. */
  private static final Set<String> DOCKER_HUB = Set.of("docker.io", "index.docker.io", "registry-1.docker.io");

  public RegistryCredentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
  }

  /**
   * Credentials for the given registry host from a {@code .dockerconfigjson} document: the entry of
   * its {@code auths} map whose key names the host ({@code host}, {@code https://host} or {@code
   * https://host/v1/}; host names compared without case, the Docker Hub aliases treated as one). An
   * entry's {@code auth} (base64 of {@code user:password}) wins over its {@code username} and
   * {@code password}. A legacy {@code .dockercfg} document (the map without the {@code auths}
   * wrapper) is read the same way. Identity tokens are not supported.
   *
   * @return the credentials, or empty when no entry names the host or the matching entry has none
   * @throws IllegalArgumentException when the document is not JSON or an entry's {@code auth} is not
   *     base64 of {@code user:password} (the message never quotes the document)
   */
  public static Optional<RegistryCredentials> fromDockerConfigJson(String json, String registryHost) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(registryHost, "registryHost");
    String host = normalizeHost(registryHost);
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      // Jackson's message can quote the offending token, which may be a secret: drop it.
      throw new IllegalArgumentException(
          "the .dockerconfigjson document is not valid JSON (line " + e.getLocation().getLineNr() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("the .dockerconfigjson document is not a JSON object");
    }
    JsonNode auths = root.has("auths") ? root.get("auths") : root;
    if (!auths.isObject()) {
      throw new IllegalArgumentException("the \"auths\" of the .dockerconfigjson document is not a JSON object");
    }
    JsonNode exact = null;
    JsonNode normalized = null;
    JsonNode alias = null;
    for (Map.Entry<String, JsonNode> e : auths.properties()) {
      String key = normalizeHost(e.getKey());
      if (exact == null && e.getKey().strip().equalsIgnoreCase(registryHost.strip())) {
        exact = e.getValue();
      } else if (normalized == null && key.equals(host)) {
        normalized = e.getValue();
      } else if (alias == null && DOCKER_HUB.contains(key) && DOCKER_HUB.contains(host)) {
        alias = e.getValue();
      }
    }
    JsonNode entry = exact != null ? exact : normalized != null ? normalized : alias;
    return entry == null ? Optional.empty() : fromEntry(entry, registryHost);
  }

  private static Optional<RegistryCredentials> fromEntry(JsonNode entry, String registryHost) {
    if (!entry.isObject()) {
      return Optional.empty();
    }
    String auth = text(entry, "auth");
    if (auth != null && !auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the .dockerconfigjson entry for " + registryHost + " has an \"auth\" that is not base64");
      }
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException(
            "the .dockerconfigjson entry for " + registryHost + " has an \"auth\" that is not base64 of user:password");
      }
      return Optional.of(new RegistryCredentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }
    String username = text(entry, "username");
    String password = text(entry, "password");
    if (username == null || username.isEmpty() || password == null) {
      return Optional.empty();
    }
    return Optional.of(new RegistryCredentials(username, password));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isTextual() ? null : value.asText();
  }

  /** {@code https://Host:5000/v1/} becomes {@code host:5000}. */
  private static String normalizeHost(String key) {
    String s = key.strip();
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    return s.toLowerCase(Locale.ROOT);
  }

  /** Shows the user name only. */
  @Override
  public String toString() {
    return "RegistryCredentials[username=" + username + ", password=****]";
  }
}
