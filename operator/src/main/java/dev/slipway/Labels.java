package dev.slipway;

import java.util.LinkedHashMap;
import java.util.Map;

/** Labels Slipway puts on what it makes, and selects its informers by. */
public final class Labels {

  public static final String PROJECT = "slipway.dev/project";
  public static final String ENVIRONMENT = "slipway.dev/environment";
  public static final String COMPONENT = "slipway.dev/component";
  public static final String COMMIT = "slipway.dev/commit";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "slipway";

  /** Selector for informers of objects Slipway made. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + MANAGER;

  /** Values of {@link #COMPONENT}. */
  public static final String BUILD = "build";
  public static final String WEB = "web";
  /** A process type besides web (a worker); {@link #PROCESS_NAME} says which. */
  public static final String PROCESS = "process";
  /** A scheduled job's CronJob, its Jobs and pods; {@link #CRON_NAME} says which. */
  public static final String CRON = "cron";
  public static final String MIGRATE = "migrate";
  public static final String BACKUP = "backup";
  public static final String RESTORE = "restore";
  /** The in-cluster Postgres of a Local environment. */
  public static final String DATABASE = "database";

  /** On a Backup's Job and Secret: the Backup's name. */
  public static final String BACKUP_NAME = "slipway.dev/backup";

  /** On a Restore's Jobs, Secret and the Backups it takes: the Restore's name. */
  public static final String RESTORE_NAME = "slipway.dev/restore";

  /** On the Backups a Restore takes: the Restore's uid (a Restore uses no Backup it did not take). */
  public static final String RESTORE_UID = "slipway.dev/restore-uid";

  /** On the Backups taken before a release: the Environment's uid (an older Environment of that name left its own). */
  public static final String ENVIRONMENT_UID = "slipway.dev/environment-uid";

  /** On a Backup of data that was not sanitised: the environment the data came from ({@link dev.slipway.Annotations#UNSANITIZED_DATA}). */
  public static final String UNSANITIZED_DATA = Annotations.UNSANITIZED_DATA;

  /** On a process type's Deployment and pods: the process's name. */
  public static final String PROCESS_NAME = "slipway.dev/process";

  /** Selector for the web Deployment's informer (the other process types have their own). */
  public static final String WEB_SELECTOR = MANAGED_SELECTOR + "," + COMPONENT + "=" + WEB;

  /** On a scheduled job's CronJob, Jobs and pods: the job's name. */
  public static final String CRON_NAME = "slipway.dev/cron";

  /** Selector for the informer of the scheduled jobs' CronJobs. */
  public static final String CRON_SELECTOR = MANAGED_SELECTOR + "," + COMPONENT + "=" + CRON;

  /** Selector for the informer of the process types' Deployments. */
  public static final String PROCESS_SELECTOR = MANAGED_SELECTOR + "," + COMPONENT + "=" + PROCESS;

  /** Selector for the Jobs (and their Pods) Slipway runs: builds and migrations. */
  public static final String JOBS_SELECTOR = MANAGED_BY + "=" + MANAGER + "," + COMPONENT + " in (" + BUILD + "," + MIGRATE + ")";

  private Labels() {}

  public static Map<String, String> forProject(String project) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, MANAGER);
    labels.put(PROJECT, project);
    return labels;
  }

  public static Map<String, String> forEnvironment(String project, String environment) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY, MANAGER);
    labels.put(PROJECT, project);
    labels.put(ENVIRONMENT, environment);
    return labels;
  }
}
