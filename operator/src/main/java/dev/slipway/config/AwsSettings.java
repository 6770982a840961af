package dev.slipway.config;

import java.util.Optional;

/** The AWS account RDS instances and backups are in. */
public record AwsSettings(
    @Env(value = "SLIPWAY_AWS_REGION", chart = "database.aws.region", defaultDoc = "unset (no RDS)",
        doc = "AWS region for dedicated databases; credentials come from the default AWS chain unless the two variables below are set.")
    Optional<String> region,

    @Env(value = "SLIPWAY_AWS_ACCESS_KEY_ID", chart = "database.aws.credentials.existingSecret",
        doc = "Static AWS credentials (tests; the chart takes them from a Secret).")
    Optional<String> accessKeyId,

    @Env(value = "SLIPWAY_AWS_SECRET_ACCESS_KEY", secret = true, chart = "database.aws.credentials.existingSecret")
    Optional<String> secretAccessKey) {

  @Override
  public String toString() {
    return Settings.describe(this);
  }
}
