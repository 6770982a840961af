package dev.slipway.config;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The operator's settings, read from environment variables (the Helm chart sets them). Every
 * variable is documented in the README; a malformed value stops the operator at start with a
 * message naming the variable.
 */
public record OperatorConfig(
    Set<String> watchNamespaces,
    int httpPort,
    boolean leaderElection,
    String leaseName,
    Optional<String> leaseNamespace,
    String identity,
    int reconcileThreads,
    Duration shutdownTimeout) {

  public static final String WATCH_NAMESPACES = "SLIPWAY_WATCH_NAMESPACES";
  public static final String HTTP_PORT = "SLIPWAY_HTTP_PORT";
  public static final String LEADER_ELECTION = "SLIPWAY_LEADER_ELECTION";
  public static final String LEASE_NAME = "SLIPWAY_LEASE_NAME";
  public static final String LEASE_NAMESPACE = "SLIPWAY_LEASE_NAMESPACE";
  public static final String POD_NAMESPACE = "POD_NAMESPACE";
  public static final String POD_NAME = "POD_NAME";
  public static final String RECONCILE_THREADS = "SLIPWAY_RECONCILE_THREADS";
  public static final String SHUTDOWN_TIMEOUT = "SLIPWAY_SHUTDOWN_TIMEOUT";

  public OperatorConfig {
    watchNamespaces = Set.copyOf(watchNamespaces);
  }

  /** Settings for tests and embedding: all namespaces, an ephemeral port, no leader election. */
  public static OperatorConfig defaults() {
    return fromEnvironment(Map.of());
  }

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    Reader r = new Reader(env);
    return new OperatorConfig(
        r.get(WATCH_NAMESPACES, OperatorConfig::namespaces, Set.of()),
        r.get(HTTP_PORT, v -> port(v), 8080),
        r.get(LEADER_ELECTION, OperatorConfig::bool, true),
        r.get(LEASE_NAME, Function.identity(), "slipway-operator"),
        Optional.ofNullable(r.raw(LEASE_NAMESPACE)).or(() -> Optional.ofNullable(r.raw(POD_NAMESPACE))),
        r.get(POD_NAME, Function.identity(), hostName()),
        r.get(RECONCILE_THREADS, v -> positive(v, 1, 200), 10),
        r.get(SHUTDOWN_TIMEOUT, OperatorConfig::duration, Duration.ofSeconds(30)));
  }

  /** Whether the operator watches every namespace (no list given). */
  public boolean watchesAllNamespaces() {
    return watchNamespaces.isEmpty();
  }

  public OperatorConfig withHttpPort(int port) {
    return new OperatorConfig(watchNamespaces, port, leaderElection, leaseName, leaseNamespace, identity, reconcileThreads, shutdownTimeout);
  }

  public OperatorConfig withLeaderElection(boolean enabled, String namespace) {
    return new OperatorConfig(watchNamespaces, httpPort, enabled, leaseName, Optional.ofNullable(namespace), identity, reconcileThreads, shutdownTimeout);
  }

  public OperatorConfig withWatchNamespaces(Set<String> namespaces) {
    return new OperatorConfig(namespaces, httpPort, leaderElection, leaseName, leaseNamespace, identity, reconcileThreads, shutdownTimeout);
  }

  private static Set<String> namespaces(String value) {
    Set<String> result = new LinkedHashSet<>();
    for (String ns : value.split(",")) {
      String trimmed = ns.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      if (!trimmed.matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") || trimmed.length() > 63) {
        throw new IllegalArgumentException("'" + trimmed + "' is not a namespace name");
      }
      result.add(trimmed);
    }
    return result;
  }

  private static int port(String value) {
    return positive(value, 0, 65535);
  }

  private static int positive(String value, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + value + "' is not a number");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(n + " is not between " + min + " and " + max);
    }
    return n;
  }

  private static boolean bool(String value) {
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
    };
  }

  /** Accepts 90s, 5m, 1h, 250ms or an ISO-8601 duration such as PT30S. */
  static Duration duration(String value) {
    String v = value.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (v.startsWith("pt") || v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new NumberFormatException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + value + "' is not a duration (for example 30s, 5m, 1h)");
    }
  }

  private static String hostName() {
    String host = System.getenv("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "slipway-" + ProcessHandle.current().pid();
    }
  }

  /** Reads one variable and wraps parse errors with the variable's name. */
  private record Reader(Map<String, String> env) {

    String raw(String name) {
      String v = env.get(name);
      return v == null || v.isBlank() ? null : v.trim();
    }

    <T> T get(String name, Function<String, T> parse, T fallback) {
      String v = raw(name);
      if (v == null) {
        return fallback;
      }
      try {
        return parse.apply(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name + ": " + e.getMessage());
      }
    }
  }

  /** A setting that cannot be used; the message names the variable. */
  public static final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
      super(message);
    }
  }

  @Override
  public String toString() {
    return "watchNamespaces=" + (watchesAllNamespaces() ? "<all>" : String.join(",", watchNamespaces))
        + " httpPort=" + httpPort + " leaderElection=" + leaderElection + " lease=" + leaseNamespace.orElse("<client namespace>")
        + "/" + leaseName + " identity=" + identity + " reconcileThreads=" + reconcileThreads
        + " shutdownTimeout=" + shutdownTimeout;
  }

}
