package dev.slipway.config;

import dev.slipway.database.rds.InstanceBounds;
import dev.slipway.database.rds.RdsSettings;
import java.util.List;
import java.util.Optional;

/**
 * Where and how RDS instances are created, and what a Project may ask for; with a region
 * ({@link AwsSettings}) they make the {@link RdsSettings} of {@link OperatorConfig#rds()}.
 */
public record RdsDefaults(
    /* RDS API endpoint override (tests point it at moto). */
    @Env(value = "SLIPWAY_RDS_ENDPOINT", format = Format.HTTP_URL, chart = "database.aws.rdsEndpoint",
        doc = "RDS API endpoint override (tests point it at moto).")
    Optional<String> endpoint,

    @Env(value = "SLIPWAY_RDS_SUBNET_GROUP", chart = "database.aws.subnetGroup",
        doc = "Where and how instances are created (security groups comma separated).")
    Optional<String> subnetGroup,

    @Env(value = "SLIPWAY_RDS_SECURITY_GROUPS", format = Format.LIST, chart = "database.aws.securityGroups")
    List<String> securityGroups,

    @Env(value = "SLIPWAY_RDS_PARAMETER_GROUP", chart = "database.aws.parameterGroup")
    Optional<String> parameterGroup,

    @Env(value = "SLIPWAY_RDS_KMS_KEY", chart = "database.aws.kmsKey")
    Optional<String> kmsKey,

    @Env(value = "SLIPWAY_RDS_INSTANCE_CLASS", defaultValue = RdsSettings.DEFAULT_INSTANCE_CLASS, chart = "database.aws.instanceClass",
        doc = "Defaults when the Project names none.")
    String instanceClass,

    @Env(value = "SLIPWAY_RDS_STORAGE_GIB", defaultValue = "" + RdsSettings.DEFAULT_STORAGE_GIB, min = 20, max = 65536,
        chart = "database.aws.storageGiB")
    int storageGiB,

    @Env(value = "SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES", defaultValue = InstanceBounds.DEFAULT_ALLOWED, format = Format.INSTANCE_CLASSES,
        chart = "database.aws.allowedInstanceClasses",
        doc = "What a Project's `database.instanceClass` may name: classes, families (`db.t4g.*`) or `*` for any. Anything else"
            + " is refused before any AWS call (`DatabaseReady=False`, reason `InstanceClassNotAllowed`, naming the field and the"
            + " list). The default class must be among them (checked at start).")
    List<String> allowedInstanceClasses,

    @Env(value = "SLIPWAY_RDS_MAX_STORAGE_GIB", defaultValue = "" + InstanceBounds.DEFAULT_MAX_STORAGE_GIB, min = 20, max = 65536,
        chart = "database.aws.maxStorageGiB",
        doc = "The most `database.storageGiB` may ask for (20–65536); more is refused before any AWS call (`StorageTooLarge`)."
            + " Must be at least `SLIPWAY_RDS_STORAGE_GIB` (checked at start).")
    int maxStorageGiB) {

  /** The default class must be allowed and the default storage within the maximum: otherwise no Project without its own would work. */
  public RdsDefaults {
    securityGroups = securityGroups == null ? List.of() : securityGroups;
    InstanceBounds bounds;
    try {
      bounds = new InstanceBounds(allowedInstanceClasses, maxStorageGiB);
    } catch (IllegalArgumentException e) {
      throw new OperatorConfig.ConfigException("SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES/SLIPWAY_RDS_MAX_STORAGE_GIB: " + e.getMessage());
    }
    if (!bounds.allows(instanceClass)) {
      throw new OperatorConfig.ConfigException("SLIPWAY_RDS_INSTANCE_CLASS (" + instanceClass + ") is not among"
          + " SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES (" + String.join(",", bounds.allowedClasses()) + ")");
    }
    if (storageGiB > maxStorageGiB) {
      throw new OperatorConfig.ConfigException("SLIPWAY_RDS_STORAGE_GIB (" + storageGiB + ") is more than SLIPWAY_RDS_MAX_STORAGE_GIB ("
          + maxStorageGiB + ")");
    }
  }

  /** What a Project may ask of RDS: the allowed instance classes (classes, families such as db.t4g.*, or *) and the most storage. */
  public InstanceBounds bounds() {
    return new InstanceBounds(allowedInstanceClasses, maxStorageGiB);
  }
}
