package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where an environment's Postgres database lives (stage local always runs one in the cluster). */
public enum DatabaseMode {
  /** One AWS RDS Postgres instance per environment. */
  @JsonProperty("dedicated")
  DEDICATED,
  /** A database and role per environment on a Postgres server the platform team runs. */
  @JsonProperty("shared")
  SHARED,
  /** No database. */
  @JsonProperty("none")
  NONE
}
