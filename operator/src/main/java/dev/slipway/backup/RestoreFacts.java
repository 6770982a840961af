package dev.slipway.backup;

import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestoreStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one look at the cluster found for a Restore: everything {@link RestoreSteps} decides from.
 * Objects that are not there are null.
 *
 * @param status the Restore's status as it was (never null)
 * @param target the Environment whose data is replaced
 * @param sourceEnvironment with {@code from.environment}: that Environment
 * @param source the Backup restored ({@code from.backup}, or the one taken of {@code from.environment})
 * @param sourceOf the Environment the source Backup is of
 * @param safety the Backup of the target taken before
 * @param otherHolder another Restore the target's hold names, when it still exists
 * @param web the target's web Deployment (the release and sanitize commands run like its pods)
 * @param writers the target's pods that may write to its database (web pods, release Jobs, any other process of it)
 * @param runningReleases the target's release Jobs and scheduled runs (component cron) that have not finished
 * @param unsuspendedSchedules the target's CronJobs not suspended yet (they may start a run while the data is replaced)
 * @param jobs the Restore's own Jobs by step ({@link RestoreJobs#RESTORE}, {@link RestoreJobs#RELEASE}, {@link RestoreJobs#SANITIZE})
 * @param ownPods the pods of the Restore's own Jobs that still run
 */
record RestoreFacts(
    Restore restore,
    RestoreStatus status,
    Instant now,
    boolean storeConfigured,
    Environment target,
    Project project,
    Environment sourceEnvironment,
    Backup source,
    Environment sourceOf,
    Backup safety,
    Restore otherHolder,
    Deployment web,
    List<Pod> writers,
    List<Job> runningReleases,
    List<String> unsuspendedSchedules,
    Map<String, JobRun> jobs,
    List<Pod> ownPods) {

  /** One of the Restore's Jobs and how it went; {@code message} says why it failed. */
  record JobRun(Job job, Result result, String message) {
    enum Result { RUNNING, SUCCEEDED, FAILED }

    boolean running() {
      return result == Result.RUNNING;
    }
  }

  String name() {
    return restore.getMetadata().getName();
  }

  String targetName() {
    return restore.getSpec().getEnvironment();
  }

  JobRun job(String step) {
    return jobs.get(step);
  }
}
