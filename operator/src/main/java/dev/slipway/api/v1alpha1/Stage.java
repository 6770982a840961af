package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What an environment is for; it sets the defaults (replicas, database, server, protection). */
public enum Stage {
  /** A developer's own cluster: in-cluster Postgres, Django runserver, no TLS. */
  @JsonProperty("local")
  LOCAL,
  /** Where work is seen working before it goes live. */
  @JsonProperty("test")
  TEST,
  /** Production: at least two replicas, a PodDisruptionBudget, deletion protection, backups. */
  @JsonProperty("live")
  LIVE;

  public String value() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The stage an environment gets when it names none: its own name when that is a stage. */
  public static Stage defaultFor(String environmentName) {
    for (Stage s : values()) {
      if (s.value().equals(environmentName)) {
        return s;
      }
    }
    return TEST;
  }
}
