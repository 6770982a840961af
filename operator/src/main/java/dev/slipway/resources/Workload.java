package dev.slipway.resources;

/**
 * The kinds of pod Slipway runs, each with its own requests, limits and (where a Project may
 * size it) maximum, from operator settings named after it ({@code SLIPWAY_<NAME>_REQUESTS},
 * {@code _LIMITS}, {@code _MAX}). The defaults, and why:
 *
 * <ul>
 *   <li>build (Kaniko): it unpacks a base image, runs the Dockerfile and snapshots each layer, so
 *       it needs a core, memory and disk while it runs; the memory limit equals the request
 *       (a build that needs more fails as OutOfMemory rather than the node's OOM killer picking a
 *       neighbour); 4 GiB of disk requested and 8 GiB allowed hold a Django image with its
 *       packages twice over (files and layer snapshots), and a runaway RUN step stops there.
 *   <li>web (also the release and sanitize commands, which run as the web pods do): uWSGI with a
 *       few workers; one core at most per pod (scale with replicas, not with one pod taking a
 *       node); little disk (logs go to stdout, uploads to temporary files).
 *   <li>backup (the dump and restore Jobs): pg_dump and pg_restore need little CPU and memory,
 *       but the dump is written to local disk before it is uploaded: 10 GiB allowed by default
 *       (a project with a larger database raises it up to the maximum, 100 GiB, as much as a
 *       Backup can store); 1 GiB requested, so the node keeps room for small dumps.
 *   <li>local database (stage local's Postgres StatefulSet): development data lives on its
 *       volume; the container itself writes only logs and its socket.
 * </ul>
 */
public enum Workload {
  BUILD("build", "SLIPWAY_BUILD",
      amounts("1", "2Gi", "4Gi"), amounts("2", "2Gi", "8Gi"), amounts("4", "8Gi", "20Gi")),
  WEB("web", "SLIPWAY_WEB",
      amounts("100m", "256Mi", "256Mi"), amounts("1", "512Mi", "1Gi"), amounts("4", "8Gi", "8Gi")),
  BACKUP("backup", "SLIPWAY_BACKUP",
      amounts("100m", "128Mi", "1Gi"), amounts("1", "1Gi", "10Gi"), amounts("2", "4Gi", "100Gi")),
  LOCAL_DATABASE(null, "SLIPWAY_LOCAL_DATABASE",
      amounts("50m", "128Mi", "64Mi"), amounts("1", "512Mi", "512Mi"), null);

  private final String projectField;
  private final String variablePrefix;
  private final Amounts defaultRequests;
  private final Amounts defaultLimits;
  private final Amounts defaultMax;

  Workload(String projectField, String variablePrefix, Amounts requests, Amounts limits, Amounts max) {
    this.projectField = projectField;
    this.variablePrefix = variablePrefix;
    this.defaultRequests = requests;
    this.defaultLimits = limits;
    this.defaultMax = max;
  }

  /** The field of a Project's spec.resources that sizes it; null: a Project cannot (the platform's call). */
  public String projectField() {
    return projectField;
  }

  public String requestsVariable() {
    return variablePrefix + "_REQUESTS";
  }

  public String limitsVariable() {
    return variablePrefix + "_LIMITS";
  }

  /** The variable bounding what a Project may ask for; null when a Project cannot size this workload. */
  public String maxVariable() {
    return defaultMax == null ? null : variablePrefix + "_MAX";
  }

  public Budget defaults() {
    return new Budget(defaultRequests, defaultLimits, defaultMax);
  }

  private static Amounts amounts(String cpu, String memory, String ephemeralStorage) {
    return Amounts.of(cpu, memory, ephemeralStorage);
  }
}
