package dev.slipway.database.rds;

import java.net.URI;
import java.util.List;

/**
 * Where and how {@link RdsProvisioner} creates instances.
 *
 * @param region AWS region, e.g. eu-central-1
 * @param endpointOverride another RDS endpoint (a test fake, a VPC endpoint), or null
 * @param accessKeyId static credentials, or null for the default credentials chain
 * @param secretAccessKey static credentials, or null; never shown by {@link #toString()}
 * @param subnetGroup DB subnet group name, or null for the account default
 * @param securityGroupIds VPC security group ids; empty for the default
 * @param parameterGroup DB parameter group name, or null for the engine default
 * @param kmsKeyId KMS key for storage encryption, or null for the AWS-managed key
 * @param defaultInstanceClass when the request names none, e.g. db.t4g.micro
 * @param defaultStorageGiB when the request names none, e.g. 20
 * @param backupRetentionDaysLive automated backup retention for stage live, e.g. 7
 * @param backupRetentionDaysOther automated backup retention for other stages, e.g. 1
 * @param bounds the instance classes and the storage a Project may ask for; the defaults must be within them
 */
public record RdsSettings(
    String region,
    URI endpointOverride,
    String accessKeyId,
    String secretAccessKey,
    String subnetGroup,
    List<String> securityGroupIds,
    String parameterGroup,
    String kmsKeyId,
    String defaultInstanceClass,
    int defaultStorageGiB,
    int backupRetentionDaysLive,
    int backupRetentionDaysOther,
    InstanceBounds bounds) {

  public static final String DEFAULT_INSTANCE_CLASS = "db.t4g.micro";
  public static final int DEFAULT_STORAGE_GIB = 20;
  public static final int DEFAULT_BACKUP_RETENTION_LIVE = 7;
  public static final int DEFAULT_BACKUP_RETENTION_OTHER = 1;

  public RdsSettings {
    if (region == null || region.isBlank()) {
      throw new IllegalArgumentException("RDS region is required");
    }
    securityGroupIds = securityGroupIds == null ? List.of() : List.copyOf(securityGroupIds);
    if (defaultInstanceClass == null || defaultInstanceClass.isBlank()) {
      defaultInstanceClass = DEFAULT_INSTANCE_CLASS;
    }
    if (defaultStorageGiB <= 0) {
      defaultStorageGiB = DEFAULT_STORAGE_GIB;
    }
    if (backupRetentionDaysLive < 0 || backupRetentionDaysOther < 0) {
      throw new IllegalArgumentException("backup retention days must not be negative");
    }
    bounds = bounds == null ? InstanceBounds.DEFAULTS : bounds;
    if (!bounds.allows(defaultInstanceClass)) {
      throw new IllegalArgumentException("the default instance class " + defaultInstanceClass + " is not among the allowed ones ("
          + String.join(", ", bounds.allowedClasses()) + ")");
    }
    if (defaultStorageGiB > bounds.maxStorageGiB()) {
      throw new IllegalArgumentException("the default storage " + defaultStorageGiB + " GiB is more than the maximum "
          + bounds.maxStorageGiB() + " GiB");
    }
  }

  /** With the default bounds ({@link InstanceBounds#DEFAULTS}). */
  public RdsSettings(String region, URI endpointOverride, String accessKeyId, String secretAccessKey, String subnetGroup,
      List<String> securityGroupIds, String parameterGroup, String kmsKeyId, String defaultInstanceClass, int defaultStorageGiB,
      int backupRetentionDaysLive, int backupRetentionDaysOther) {
    this(region, endpointOverride, accessKeyId, secretAccessKey, subnetGroup, securityGroupIds, parameterGroup, kmsKeyId,
        defaultInstanceClass, defaultStorageGiB, backupRetentionDaysLive, backupRetentionDaysOther, InstanceBounds.DEFAULTS);
  }

  /** Region and defaults only: default credentials chain, default network, no overrides. */
  public static RdsSettings of(String region) {
    return new RdsSettings(region, null, null, null, null, List.of(), null, null, DEFAULT_INSTANCE_CLASS,
        DEFAULT_STORAGE_GIB, DEFAULT_BACKUP_RETENTION_LIVE, DEFAULT_BACKUP_RETENTION_OTHER);
  }

  @Override
  public String toString() {
    return "RdsSettings[region=" + region
        + ", endpointOverride=" + endpointOverride
        + ", accessKeyId=" + accessKeyId
        + ", secretAccessKey=" + (secretAccessKey == null ? "null" : "***")
        + ", subnetGroup=" + subnetGroup
        + ", securityGroupIds=" + securityGroupIds
        + ", parameterGroup=" + parameterGroup
        + ", kmsKeyId=" + kmsKeyId
        + ", defaultInstanceClass=" + defaultInstanceClass
        + ", defaultStorageGiB=" + defaultStorageGiB
        + ", backupRetentionDaysLive=" + backupRetentionDaysLive
        + ", backupRetentionDaysOther=" + backupRetentionDaysOther
        + ", bounds=" + bounds + "]";
  }
}
