package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ReleaseRecord;
import dev.slipway.backup.RestoreHold;
import dev.slipway.build.JobCache;
import dev.slipway.config.OperatorConfig;
import dev.slipway.deploy.Release;
import dev.slipway.deploy.WebPlan;
import dev.slipway.release.MigrationCoordinator;
import dev.slipway.release.MigrationJob;
import dev.slipway.release.ReleaseHistory;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Release: the gate a new release passes before the Deployment changes. The database must be
 * there, and the release command (migrations) must have succeeded with the new image. Each
 * image's result is kept in the release history: a failed release command is run again only
 * when a new value of {@code slipway.dev/retry-release} asks, never because its Job expired.
 */
final class ReleaseStep {

  enum Gate { OPEN, WAITING, FAILED }

  /**
   * @param deployed the Deployed condition while the gate is closed (null when open)
   * @param migrated the Migrated condition (null: leave it as it was)
   * @param retryAnswered the retry-release value acted on (null: none)
   * @param migrating the release command runs now
   */
  record Outcome(Gate gate, ConditionValue deployed, ConditionValue migrated, List<ReleaseRecord> releases, String retryAnswered,
      boolean migrating) {

    Outcome(Gate gate, ConditionValue deployed, ConditionValue migrated, List<ReleaseRecord> releases, String retryAnswered) {
      this(gate, deployed, migrated, releases, retryAnswered, false);
    }

    boolean open() {
      return gate == Gate.OPEN;
    }
  }

  private final OperatorConfig config;
  private final MigrationCoordinator migrations;
  private final EventRecorder events;
  private final Clock clock;

  ReleaseStep(OperatorConfig config, MigrationCoordinator migrations, EventRecorder events, Clock clock) {
    this.config = config;
    this.migrations = migrations;
    this.events = events;
    this.clock = clock;
  }

  /**
   * @param previousMigrated the Migrated condition as the status has it (its message keeps the
   *     end of a failed command's output after the Job is gone)
   * @param serving the image that serves now (its history entry is kept)
   */
  Outcome gate(Environment environment, Project project, Release target, DatabaseStep.Outcome database, Requests.Request retry,
      List<ReleaseRecord> history, ConditionValue previousMigrated, String serving, Context<Environment> context) {
    Optional<String> restore = RestoreHold.holder(environment);
    if (restore.isPresent() && !java.util.Objects.equals(target.image(), serving)) {
      return waitingForRestore(restore.get(), target, history);
    }
    if (!database.ready()) {
      return new Outcome(Gate.WAITING,
          ConditionValue.no("WaitingForDatabase", "waiting for the database before deploying " + target.shortCommit()), null, history, null);
    }
    if (!MigrationJob.runs(project, database.db().needed())) {
      return new Outcome(Gate.OPEN, null, null, history, null);
    }
    Optional<ReleaseRecord> known = ReleaseHistory.find(history, target);
    if (known.isPresent() && ReleaseHistory.migrated(known.get())) {
      return new Outcome(Gate.OPEN, null, null, history, null);
    }
    if (restore.isPresent()) {
      return waitingForRestore(restore.get(), target, history); // no release command starts while the data is replaced
    }
    int attempt = ReleaseHistory.attempt(known.orElse(null));
    String answered = null;
    // A release decided before a Restore replaced the data is decided again: its command ran, or
    // was to run, on the data the Restore replaced (the Restore stopped it if it still ran).
    boolean again = known.isPresent() && RestoreHold.decidedBeforeRestore(environment, known.get().getStartedAt());
    if (again) {
      attempt++;
      events.normal(environment, "ReleaseRestarted", "the release of " + target.shortCommit() + " was decided before a Restore replaced"
          + " the database; it is decided again (attempt " + attempt + ")");
    } else if (known.isPresent() && ReleaseHistory.MIGRATION_FAILED.equals(known.get().getResult())) {
      if (!retry.isNew()) {
        // Failed before: stays failed until someone asks again (a new commit, or the retry annotation).
        ReleaseRecord r = known.get();
        ConditionValue migrated = previousMigrated != null && "False".equals(previousMigrated.status())
            && r.getReason() != null && r.getReason().equals(previousMigrated.reason())
            ? previousMigrated : ConditionValue.no(r.getReason(), failureMessage(r));
        return new Outcome(Gate.FAILED, failedDeploy(target), migrated, history, null);
      }
      attempt++;
      answered = retry.value();
      events.normal(environment, "ReleaseRetried", "running the release command for " + target.shortCommit() + " again (attempt "
          + attempt + ")");
    }

    // Live data gets a Backup before a new release's command may change it.
    String backup = null;
    if (PreReleaseBackup.wanted(environment, project, config, serving)) {
      String name = PreReleaseBackup.name(environment, target, attempt);
      Optional<Backup> taken = context.getSecondaryResources(Backup.class).stream()
          .filter(b -> name.equals(b.getMetadata().getName())).findFirst();
      int thisAttempt = attempt;
      // (When this attempt starts now, its entry is not written yet: the Backup must be from about now.)
      String startedAt = known.filter(r -> !again && ReleaseHistory.attempt(r) == thisAttempt).map(ReleaseRecord::getStartedAt)
          .orElse(null);
      Optional<String> foreign = taken.flatMap(b -> PreReleaseBackup.notOwn(b, environment, target, startedAt, clock.instant()));
      if (foreign.isPresent()) {
        String why = foreign.get() + ", so the release command of " + target.shortCommit() + " did not run; delete it, or set a new value"
            + " of slipway.dev/retry-release to back up under a new name and release";
        events.warning(environment, "ReleaseBlocked", why);
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        return new Outcome(Gate.FAILED, failedDeploy(target), ConditionValue.no(PreReleaseBackup.NAME_TAKEN, why),
            ReleaseHistory.record(history, target, ReleaseHistory.MIGRATION_FAILED, PreReleaseBackup.NAME_TAKEN, null, attempt, now,
                config.buildHistory(), serving), answered);
      }
      BackupPhase phase = taken.map(b -> b.getStatus() == null ? null : b.getStatus().getPhase()).orElse(null);
      if (taken.isEmpty()) {
        PreReleaseBackup.create(context.getClient(), environment, target, name);
      }
      if (phase == BackupPhase.Failed) {
        String why = "Backup " + name + " before the release of " + target.shortCommit() + " failed (" + taken.get().getStatus().getReason()
            + "), so the release command did not run; set a new value of slipway.dev/retry-release to back up and release again";
        events.warning(environment, "ReleaseBlocked", why);
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        return new Outcome(Gate.FAILED, failedDeploy(target), ConditionValue.no("BackupFailed", why),
            ReleaseHistory.withBackup(ReleaseHistory.record(history, target, ReleaseHistory.MIGRATION_FAILED, "BackupFailed", null, attempt,
                now, config.buildHistory(), serving), target, name), answered);
      }
      if (phase != BackupPhase.Succeeded) {
        // Recorded now, so that a retried release is no longer seen as failed while its new Backup runs.
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        return new Outcome(Gate.WAITING, ConditionValue.no("WaitingForBackup", "backing up the database before releasing "
            + target.shortCommit()), ConditionValue.no("BackingUp", "Backup " + name + " runs before the release command"),
            ReleaseHistory.withBackup(ReleaseHistory.record(history, target, ReleaseHistory.BACKING_UP, null, null, attempt, now,
                config.buildHistory(), serving), target, name), answered);
      }
      backup = name;
    }

    WebPlan plan = WebPlan.of(environment, project, target, config, database.db().secretName());
    MigrationCoordinator.Outcome run = migrations.ensure(plan, project, attempt, JobCache.of(context));
    if (run.started()) {
      events.normal(environment, "MigrationStarted", run.message() + " for " + target.shortCommit());
    }
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    int limit = config.buildHistory();
    return switch (run.result()) {
      case Running -> new Outcome(Gate.WAITING, ConditionValue.no("WaitingForRelease", "migrating for " + target.shortCommit()),
          ConditionValue.no("Running", run.message()),
          linked(ReleaseHistory.record(history, target, ReleaseHistory.MIGRATING, null, run.job(), attempt, now, limit, serving), target,
              backup), answered, true);
      case Failed -> {
        events.warning(environment, "MigrationFailed", run.message());
        yield new Outcome(Gate.FAILED, failedDeploy(target), ConditionValue.no(run.reason(), run.message()),
            linked(ReleaseHistory.record(history, target, ReleaseHistory.MIGRATION_FAILED, run.reason(), run.job(), attempt, now, limit,
                serving), target, backup), answered);
      }
      case Succeeded -> new Outcome(Gate.OPEN, null, ConditionValue.yes("Succeeded", run.message()), history, answered);
    };
  }

  private static Outcome waitingForRestore(String restore, Release target, List<ReleaseRecord> history) {
    return new Outcome(Gate.WAITING, ConditionValue.no("WaitingForRestore",
        "Restore " + restore + " replaces the database; " + target.shortCommit() + " is released after it"), null, history, null);
  }

  /** The release's entry names the Backup taken before it, when one was. */
  private static List<ReleaseRecord> linked(List<ReleaseRecord> history, Release target, String backup) {
    return backup == null ? history : ReleaseHistory.withBackup(history, target, backup);
  }

  private static ConditionValue failedDeploy(Release target) {
    return ConditionValue.no("WaitingForRelease", "the release command failed for " + target.shortCommit()
        + "; set a new value of slipway.dev/retry-release to run it again");
  }

  private static String failureMessage(ReleaseRecord r) {
    if (PreReleaseBackup.NAME_TAKEN.equals(r.getReason())) {
      return "a Backup named as the one before this release was not taken for it, so the release command did not run;"
          + " set a new value of slipway.dev/retry-release to back up under a new name and release";
    }
    if ("BackupFailed".equals(r.getReason())) {
      return "Backup " + r.getBackup() + " before the release failed, so the release command did not run;"
          + " set a new value of slipway.dev/retry-release to back up and release again";
    }
    return "the release command failed in Job " + r.getJob() + " (" + r.getReason() + ")";
  }
}
