package dev.slipway.config;

import dev.slipway.database.rds.InstanceBounds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * How a setting's string is read beyond its type; {@link #PLAIN} reads by the type alone
 * (strings as they are, numbers, booleans, durations, enum constants by name). A malformed value
 * throws {@link IllegalArgumentException}, which {@link Settings} prefixes with the variable.
 */
public enum Format {
  PLAIN((v, type) -> v),
  /** A DNS label: lower-case letters, digits, '-'. */
  DNS_LABEL((v, type) -> dnsName(v)),
  DOMAIN((v, type) -> domain(v)),
  /** registry host[:port][/path], without scheme or trailing slash. */
  REGISTRY((v, type) -> registry(v)),
  /** An image pinned by digest (image@sha256:...). */
  PINNED_IMAGE((v, type) -> pinnedImage(v)),
  HTTP_URL((v, type) -> httpUrl(v)),
  /** An absolute URL path. */
  URL_PATH((v, type) -> path(v)),
  /** An S3 bucket name. */
  BUCKET((v, type) -> bucket(v)),
  READABLE_FILE((v, type) -> readableFile(v)),
  /** An enum constant written in lower case with dashes: per-stage for PER_STAGE. */
  KEBAB(Format::kebab),
  /** Comma-separated namespaces (DNS labels). */
  NAMESPACES((v, type) -> namespaces(v)),
  /** Comma-separated values, blanks dropped. */
  LIST((v, type) -> list(v)),
  /** Comma-separated instance classes, families (db.t4g.*) or *, as {@link InstanceBounds} takes them. */
  INSTANCE_CLASSES((v, type) -> instanceClasses(v));

  private final BiFunction<String, Class<?>, Object> parser;

  Format(BiFunction<String, Class<?>, Object> parser) {
    this.parser = parser;
  }

  /** Reads {@code value} (trimmed, not blank) as a {@code type}. */
  Object parse(String value, Class<?> type, Env env) {
    if (this != PLAIN) {
      return parser.apply(value, type);
    }
    if (type == String.class) {
      return value;
    }
    if (type == Integer.class || type == int.class) {
      return number(value, env.min(), env.max());
    }
    if (type == Boolean.class || type == boolean.class) {
      return bool(value);
    }
    if (type == Duration.class) {
      Duration d = duration(value);
      return env.atLeast().isEmpty() ? d : atLeast(d, duration(env.atLeast()));
    }
    if (type.isEnum()) {
      return enumValue(type, value);
    }
    throw new IllegalStateException("no format reads " + type.getName() + " (" + env.value() + ")");
  }

  /** Accepts 90s, 5m, 1h, 250ms or an ISO-8601 duration such as PT30S. */
  static Duration duration(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
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

  private static Duration atLeast(Duration d, Duration min) {
    if (d.compareTo(min) < 0) {
      throw new IllegalArgumentException(d + " is shorter than " + min);
    }
    return d;
  }

  private static int number(String value, int min, int max) {
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
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
    };
  }

  private static Object enumValue(Class<?> type, String value) {
    for (Object e : type.getEnumConstants()) {
      if (((Enum<?>) e).name().equalsIgnoreCase(value.trim())) {
        return e;
      }
    }
    throw new IllegalArgumentException("'" + value + "' is not one of " + Arrays.toString(type.getEnumConstants()));
  }

  /** The way {@link #KEBAB} writes an enum constant. */
  static String kebab(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static Object kebab(String value, Class<?> type) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    List<String> names = Arrays.stream(type.getEnumConstants()).map(e -> kebab((Enum<?>) e)).toList();
    int i = names.indexOf(v);
    if (i < 0) {
      throw new IllegalArgumentException("'" + value + "' is not " + String.join(" or ", names));
    }
    return type.getEnumConstants()[i];
  }

  private static List<String> list(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  private static Set<String> namespaces(String value) {
    Set<String> result = new LinkedHashSet<>();
    for (String ns : list(value)) {
      result.add(dnsName(ns));
    }
    return Collections.unmodifiableSet(result);
  }

  private static List<String> instanceClasses(String value) {
    List<String> classes = list(value);
    new InstanceBounds(classes, InstanceBounds.DEFAULT_MAX_STORAGE_GIB);
    return classes;
  }

  private static String bucket(String value) {
    String v = value.trim();
    if (!v.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new IllegalArgumentException("'" + value + "' is not an S3 bucket name");
    }
    return v;
  }

  private static String dnsName(String value) {
    if (!value.matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") || value.length() > 63) {
      throw new IllegalArgumentException("'" + value + "' is not a DNS label (lower-case letters, digits, '-')");
    }
    return value;
  }

  private static String domain(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    if (!v.matches("^([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$") || v.length() > 200) {
      throw new IllegalArgumentException("'" + value + "' is not a domain name");
    }
    return v;
  }

  private static String registry(String value) {
    String v = value.replaceAll("/+$", "");
    if (v.contains("://") || !v.matches("^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$")) {
      throw new IllegalArgumentException("'" + value + "' is not a registry such as registry.example.com/slipway (no scheme)");
    }
    return v;
  }

  private static String pinnedImage(String value) {
    if (!value.matches("^\\S+@sha256:[0-9a-f]{64}$")) {
      throw new IllegalArgumentException("'" + value + "' must be pinned by digest (image@sha256:...)");
    }
    return value;
  }

  private static String readableFile(String value) {
    if (!Files.isReadable(Path.of(value))) {
      throw new IllegalArgumentException("'" + value + "' is not a readable file");
    }
    return value;
  }

  private static String httpUrl(String value) {
    if (!value.matches("^https?://\\S+$")) {
      throw new IllegalArgumentException("'" + value + "' is not an http(s) URL");
    }
    return value;
  }

  private static String path(String value) {
    if (!value.startsWith("/") || value.contains(" ")) {
      throw new IllegalArgumentException("'" + value + "' is not an absolute URL path");
    }
    return value;
  }
}
