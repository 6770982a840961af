package dev.slipway.database;

import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.config.OperatorConfig;

/** Where one environment's database lives, from its database mode and its stage. */
public enum DatabaseKind {
  DEDICATED,
  SHARED,
  /** Stage local: Postgres in the cluster, next to the app. */
  LOCAL,
  NONE;

  /** From the Environment's own spec (the Project controller filled in the effective mode). */
  public static DatabaseKind of(dev.slipway.api.v1alpha1.EnvironmentSpec environment, OperatorConfig config) {
    DatabaseSpec spec = environment.getDatabase();
    DatabaseMode mode = spec != null && spec.getMode() != null ? spec.getMode() : config.database().mode();
    return of(mode, environment.getStage());
  }

  private static DatabaseKind of(DatabaseMode mode, Stage stage) {
    if (mode == DatabaseMode.NONE) {
      return NONE;
    }
    if (stage == Stage.LOCAL) {
      return LOCAL;
    }
    return mode == DatabaseMode.SHARED ? SHARED : DEDICATED;
  }
}
