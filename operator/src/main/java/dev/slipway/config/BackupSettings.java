package dev.slipway.config;

import java.time.Duration;
import java.util.Optional;

/** Where Backups are stored and how their Jobs run. */
public record BackupSettings(
    /* The S3 bucket backups are stored in; empty: Backups fail with StorageNotConfigured. */
    @Env(value = "SLIPWAY_BACKUP_BUCKET", format = Format.BUCKET, chart = "backup.bucket",
        defaultDoc = "unset (Backups fail with `StorageNotConfigured`)", doc = "S3 bucket the Backups' dumps are stored in.")
    Optional<String> bucket,

    /* The bucket's region: this, else the AWS region RDS uses. */
    @Env(value = "SLIPWAY_BACKUP_REGION", orElse = "SLIPWAY_AWS_REGION", chart = "backup.region",
        doc = "The bucket's region; another S3 endpoint (an S3-compatible store, moto in the tests; path-style).")
    Optional<String> region,

    /* Another S3 endpoint (an S3-compatible store, or a test double); path-style addressing then. */
    @Env(value = "SLIPWAY_BACKUP_ENDPOINT", format = Format.HTTP_URL, chart = "backup.endpoint", defaultDoc = "AWS")
    Optional<String> endpoint,

    /* A KMS key the dumps are encrypted with (SSE-KMS); empty: the bucket's default encryption. */
    @Env(value = "SLIPWAY_BACKUP_KMS_KEY", chart = "backup.kmsKey", defaultDoc = "unset (the bucket's own encryption)",
        doc = "KMS key every dump is uploaded with (SSE-KMS).")
    Optional<String> kmsKey,

    /* The image with pg_dump and pg_restore; default: the Local environments' Postgres image. */
    @Env(value = "SLIPWAY_BACKUP_POSTGRES_IMAGE", format = Format.PINNED_IMAGE, orElse = "SLIPWAY_LOCAL_POSTGRES_IMAGE",
        chart = "backup.postgresImage",
        doc = "Image with `pg_dump`/`pg_restore`, pinned by digest; its major version must be at least the servers'.")
    String postgresImage,

    /* How long a dump or restore Job may run; its transfer URL is valid for as long. */
    @Env(value = "SLIPWAY_BACKUP_TIMEOUT", defaultValue = "2h", atLeast = "1m", chart = "backup.timeout",
        doc = "`activeDeadlineSeconds` of dump Jobs; their upload URLs expire 10 minutes later, or with the session credentials"
            + " that signed them (then they are signed again while the Job runs).")
    Duration timeout) {

  public BackupSettings {
    if (bucket.isPresent() && region.isEmpty()) {
      throw new OperatorConfig.ConfigException("SLIPWAY_BACKUP_BUCKET is set but neither SLIPWAY_BACKUP_REGION nor SLIPWAY_AWS_REGION"
          + " says the bucket's region");
    }
  }
}
