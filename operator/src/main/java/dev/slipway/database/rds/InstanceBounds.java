package dev.slipway.database.rds;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a Project may ask of RDS, set by the platform (operator settings): the instance classes
 * allowed and the most storage one instance may get. An entry of the class list is a class
 * ({@code db.t4g.micro}), a family ({@code db.t4g.*}) or {@code *} for any. A Project asking for
 * more is refused before any AWS call.
 *
 * @param allowedClasses the allowed classes, families or {@code *}; never empty
 * @param maxStorageGiB the largest allocated storage in GiB
 */
public record InstanceBounds(List<String> allowedClasses, int maxStorageGiB) {

  /**
   * Small burstable and general-purpose Graviton classes: enough for the test and live stages of a
   * typical Django project, nothing a single YAML edit turns into a large bill. Platforms that
   * want more list them (or {@code *}).
   */
  public static final List<String> DEFAULT_CLASSES = List.of(
      "db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.m7g.large", "db.m7g.xlarge");
  public static final int DEFAULT_MAX_STORAGE_GIB = 100;
  public static final InstanceBounds DEFAULTS = new InstanceBounds(DEFAULT_CLASSES, DEFAULT_MAX_STORAGE_GIB);

  /** Why a request is out of bounds: the field it names and the bound it passes. */
  public record Refusal(String reason, String message) {}

  public InstanceBounds {
    allowedClasses = allowedClasses == null ? List.of() : allowedClasses.stream()
        .map(c -> c.trim().toLowerCase(Locale.ROOT)).filter(c -> !c.isEmpty()).distinct().toList();
    if (allowedClasses.isEmpty()) {
      throw new IllegalArgumentException("the allowed instance classes are empty (use * for any)");
    }
    for (String entry : allowedClasses) {
      if (!entry.equals("*") && !entry.matches("db\\.[a-z0-9]+\\.([a-z0-9]+|\\*)")) {
        throw new IllegalArgumentException("'" + entry + "' is not an instance class (db.t4g.micro), a family (db.t4g.*) or *");
      }
    }
    if (maxStorageGiB < 20 || maxStorageGiB > 65536) {
      throw new IllegalArgumentException("the maximum storage must be between 20 and 65536 GiB");
    }
  }

  public boolean allows(String instanceClass) {
    String cls = instanceClass.trim().toLowerCase(Locale.ROOT);
    for (String entry : allowedClasses) {
      if (entry.equals("*") || entry.equals(cls)
          || entry.endsWith(".*") && cls.startsWith(entry.substring(0, entry.length() - 1))) {
        return true;
      }
    }
    return false;
  }

  /** The refusal for an instance class and storage (what the request names, or the defaults), if either is out of bounds. */
  public Optional<Refusal> check(String instanceClass, int storageGiB) {
    if (!allows(instanceClass)) {
      return Optional.of(new Refusal("InstanceClassNotAllowed", "database.instanceClass " + instanceClass
          + " is not allowed on this platform (allowed: " + String.join(", ", allowedClasses) + "); nothing was asked of RDS"));
    }
    if (storageGiB > maxStorageGiB) {
      return Optional.of(new Refusal("StorageTooLarge", "database.storageGiB " + storageGiB
          + " is more than this platform allows (at most " + maxStorageGiB + " GiB); nothing was asked of RDS"));
    }
    return Optional.empty();
  }
}
