package dev.slipway.environment;

import dev.slipway.api.v1alpha1.BuildRecord;
import dev.slipway.deploy.Release;
import java.util.List;

/** What one reconcile found and decided, collected for the status aggregator. */
final class Progress {

  /** One condition's value. */
  record Value(String status, String reason, String message) {
    static Value yes(String reason, String message) {
      return new Value("True", reason, message);
    }

    static Value no(String reason, String message) {
      return new Value("False", reason, message);
    }

    static Value unknown(String reason, String message) {
      return new Value("Unknown", reason, message);
    }
  }

  Value database;
  Value migrated;
  Value source;
  Value built;
  Value deployed;
  Value ready;

  String resolvedCommit;
  Release release;
  String url;
  List<BuildRecord> builds;
  String observedRefresh;
  String observedDeployRequest;
  String observedPasswordRotation;
  List<dev.slipway.api.v1alpha1.ReleaseRecord> releases;

  dev.slipway.api.v1alpha1.DatabaseStatus databaseStatus;
  java.time.Duration recheckAfter;

  boolean provisioning;
  boolean migrating;
  boolean building;
  boolean rollingOut;
  boolean failed;
}
