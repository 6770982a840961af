package dev.slipway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The run-wide secret check of one test JVM: every credential the run met (generated database
 * passwords, presigned transfer URLs, registry and Git credentials, admin passwords, session
 * keys) and every place searched for them (statuses, Events, Jobs, log lines, server logs).
 * Each search is added to {@code operator/target/secret-check/<pid>.txt}, which {@code make test}
 * reads at the end: it fails on a hit, and when no credential was searched for at all.
 */
public final class SecretCheck {

  /** Values shorter than this are not searched for: too many false hits, and nothing Slipway makes. */
  static final int SHORTEST = 8;

  /** Secret keys whose values are credentials (the operator's own and the ones tests hand it). */
  private static final List<String> KEYS = List.of("password", "PASSWORD", "POSTGRES_PASSWORD", "token", "TRANSFER_URL",
      "TRANSFER_URLS", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "ssh-privatekey", "identity");

  private static final Set<String> CREDENTIALS = ConcurrentHashMap.newKeySet();
  private static final Map<String, long[]> SEARCHED = new LinkedHashMap<>();
  private static final List<String> HITS = new ArrayList<>();
  private static final ObjectMapper JSON = new ObjectMapper();

  private SecretCheck() {}

  /** A credential to look for (one per line if it has several). */
  public static void remember(String value) {
    if (value == null) {
      return;
    }
    for (String line : value.split("\n")) {
      String v = line.trim();
      if (v.length() >= SHORTEST) {
        CREDENTIALS.add(v);
      }
    }
  }

  /** The credentials a Secret holds: the well-known keys and the passwords of a Docker config. */
  public static void remember(Secret secret) {
    if (secret.getData() == null || "kubernetes.io/service-account-token".equals(secret.getType())) {
      return;
    }
    secret.getData().forEach((key, encoded) -> {
      String value = decode(encoded);
      if (KEYS.contains(key)) {
        remember(value);
      } else if (key.equals(".dockerconfigjson") || key.equals(".dockercfg")) {
        rememberDockerConfig(value);
      }
    });
  }

  private static void rememberDockerConfig(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      JsonNode auths = root.has("auths") ? root.get("auths") : root;
      for (JsonNode registry : (Iterable<JsonNode>) auths::elements) {
        remember(registry.path("password").asText(null));
        remember(registry.path("identitytoken").asText(null));
        String auth = registry.path("auth").asText(null);
        if (auth != null) {
          remember(auth);
          String userAndPassword = decode(auth);
          int colon = userAndPassword.indexOf(':');
          remember(colon < 0 ? userAndPassword : userAndPassword.substring(colon + 1));
        }
      }
    } catch (IOException | RuntimeException e) {
      remember(json); // not JSON: the whole value is the secret
    }
  }

  private static String decode(String base64) {
    try {
      return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return base64;
    }
  }

  public static int credentials() {
    return CREDENTIALS.size();
  }

  /**
   * Searches {@code text} (what {@code place} holds) for every credential met so far; returns what
   * it found, never the credential itself.
   */
  public static List<String> search(String place, String kind, String text) {
    List<String> found = new ArrayList<>();
    for (String c : index().occurring(text)) {
      found.add(kind + " in " + place + " holds a credential (" + c.length() + " characters)");
    }
    record(kind, text.length(), found);
    return found;
  }

  private static Index index;

  private static synchronized Index index() {
    if (index == null || index.size != CREDENTIALS.size()) {
      index = new Index(List.copyOf(CREDENTIALS));
    }
    return index;
  }

  /**
   * Thousands of credentials (every presigned part URL is one) in megabytes of logs: one pass over
   * the text with a rolling hash of each {@link #SHORTEST}-character window, looked up among the
   * hashes of the credentials' first characters, instead of one scan per credential.
   */
  static final class Index {
    private static final long BASE = 1_000_003L;
    private static final int BITS = 20;
    private final int size;
    private final boolean[] filter = new boolean[1 << BITS];
    private final Map<Long, List<String>> byPrefix = new java.util.HashMap<>();
    private final long top;

    Index(List<String> credentials) {
      size = credentials.size();
      long t = 1;
      for (int i = 1; i < SHORTEST; i++) {
        t *= BASE;
      }
      top = t;
      for (String c : credentials) {
        long h = hash(c, 0);
        filter[slot(h)] = true;
        byPrefix.computeIfAbsent(h, k -> new ArrayList<>()).add(c);
      }
    }

    private static long hash(String s, int from) {
      long h = 0;
      for (int i = from; i < from + SHORTEST; i++) {
        h = h * BASE + s.charAt(i);
      }
      return h;
    }

    private static int slot(long h) {
      long m = (h ^ (h >>> 31)) * 0x9E3779B97F4A7C15L;
      return (int) (m >>> (64 - BITS));
    }

    /** The credentials that occur in {@code text}. */
    Set<String> occurring(String text) {
      Set<String> found = new java.util.LinkedHashSet<>();
      if (size == 0 || text.length() < SHORTEST) {
        return found;
      }
      long h = hash(text, 0);
      for (int i = 0; ; i++) {
        if (filter[slot(h)]) {
          for (String c : byPrefix.getOrDefault(h, List.of())) {
            if (text.startsWith(c, i)) {
              found.add(c);
            }
          }
        }
        if (i + SHORTEST >= text.length()) {
          return found;
        }
        h = (h - text.charAt(i) * top) * BASE + text.charAt(i + SHORTEST);
      }
    }
  }

  /** Searches a file; a missing one is no search. */
  public static List<String> searchFile(String kind, Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        return List.of();
      }
      return search(file.getFileName().toString(), kind, new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      return List.of();
    }
  }

  private static synchronized void record(String kind, long bytes, List<String> found) {
    long[] searched = SEARCHED.computeIfAbsent(kind, k -> new long[2]);
    searched[0]++;
    searched[1] += bytes;
    HITS.addAll(found);
    StringBuilder report = new StringBuilder();
    report.append("credentials ").append(CREDENTIALS.size()).append('\n');
    SEARCHED.forEach((k, n) -> report.append("searched ").append(n[0]).append(' ').append(n[1]).append(' ').append(k).append('\n'));
    report.append("hits ").append(HITS.size()).append('\n');
    HITS.stream().distinct().forEach(h -> report.append("hit ").append(h).append('\n'));
    try {
      Path dir = LocalControlPlane.repoRoot().resolve("operator/target/secret-check");
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(ProcessHandle.current().pid() + ".txt"), report, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
