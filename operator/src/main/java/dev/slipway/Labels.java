package dev.slipway;

import java.util.LinkedHashMap;
import java.util.Map;

/** Labels Slipway puts on what it makes, and selects its informers by. */
public final class Labels {

  public static final String PROJECT = "slipway.dev/project";
  public static final String ENVIRONMENT = "slipway.dev/environment";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "slipway";

  /** Selector for informers of objects Slipway made. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGER;

  private Labels() {}

  public static Map<String, String> forEnvironment(String project, String environment) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, MANAGER);
    labels.put(PROJECT, project);
    labels.put(ENVIRONMENT, environment);
    return labels;
  }
}
