package dev.slipway.backup;

import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestorePhase;
import dev.slipway.api.v1alpha1.RestoreStatus;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.Labels;
import dev.slipway.release.MigrationJob;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.EventReason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The steps of a Restore, decided from what one look at the cluster found ({@link RestoreFacts})
 * and nothing else: no I/O here, so every transition is a unit test. In order:
 *
 * <ol>
 *   <li>the source Backup (taken now with {@code from.environment}), every refusal before it: nothing has changed yet;
 *   <li>stop: the hold placed, the target's running release Jobs stopped, until no pod of it runs;
 *   <li>the safety Backup of the target, taken only then, so it has every write;
 *   <li>load: pg_restore as the target's role, in one transaction;
 *   <li>the release command of the image the target runs;
 *   <li>the sanitize command, when the data came from another environment;
 *   <li>serve: the hold lifted, done once the target is Ready again (its pods available).
 * </ol>
 *
 * A failure anywhere lifts the hold after this Restore's own Jobs stopped; what the target does
 * then follows from its data ({@link #unsanitizedAfter}): it serves again unless it holds another
 * environment's data that was not sanitised.
 */
final class RestoreSteps {

  static final Duration POLL = Duration.ofSeconds(3);
  static final Duration PENDING = Duration.ofSeconds(15);

  static final String SOURCE_BACKUP = "SourceBackup";
  static final String SAFETY_BACKUP = "SafetyBackup";
  static final String STOPPED = "Stopped";
  static final String RESTORED = "Restored";
  static final String MIGRATED = "Migrated";
  static final String SANITIZED = "Sanitized";
  static final String SERVING = "Serving";

  /** Why a Restore failed: its {@code status.reason}. Each is a path of its own, decided by one step. */
  enum Failure {
    LIVE_NOT_ALLOWED("LiveNotAllowed"),
    STORAGE_NOT_CONFIGURED("StorageNotConfigured"),
    ENVIRONMENT_DELETED("EnvironmentDeleted"),
    SOURCE_NOT_FOUND("SourceNotFound"),
    BACKUP_NOT_FOUND("BackupNotFound"),
    OTHER_PROJECT("OtherProject"),
    BACKUP_NAME_TAKEN("BackupNameTaken"),
    SANITIZE_NOT_DECLARED("SanitizeNotDeclared"),
    SOURCE_BACKUP_FAILED("SourceBackupFailed"),
    SAFETY_BACKUP_FAILED("SafetyBackupFailed"),
    RESTORE_FAILED("RestoreFailed"),
    MIGRATION_FAILED("MigrationFailed"),
    SANITIZE_FAILED("SanitizeFailed");

    final String reason;

    Failure(String reason) {
      this.reason = reason;
    }
  }

  /** What the reconciler does for a decision, in order. */
  sealed interface Action {
    /** Creates a Backup the Restore takes. */
    record TakeBackup(Backup backup) implements Action {}

    /** Puts the target on hold for this Restore. */
    record Hold() implements Action {}

    /** Deletes these Jobs (their pods stop). */
    record Stop(List<Job> jobs) implements Action {}

    /** Hands the restore Job a URL for the source Backup's dump, and starts it. */
    record Load(Backup source) implements Action {}

    /** Starts the release or sanitize command as a Job made like the target's web pods. */
    record Run(String step, List<String> command) implements Action {}

    /** Empties the transfer Secret: the URL is no longer needed. */
    record Spend() implements Action {}

    /** Lets the target go; {@code unsanitizedFrom}: whose unsanitised data it keeps (null: none, it serves). */
    record Lift(String unsanitizedFrom) implements Action {}

    /** An Event on the target. */
    record Tell(boolean warning, EventReason reason, String message) implements Action {}
  }

  /** The status to write, what to do, and when to look again (null: not before something changes). */
  record Decision(RestoreStatus status, List<Action> actions, Duration again) {}

  private RestoreSteps() {}

  static Decision decide(RestoreFacts facts, Conditions conditions) {
    Look look = new Look(facts, conditions);
    return refusal(look)
        .or(() -> source(look))
        .or(() -> stop(look))
        .or(() -> safety(look))
        .or(() -> load(look))
        .or(() -> release(look))
        .or(() -> sanitize(look))
        .orElseGet(() -> serve(look));
  }

  /** What a deleted Restore does: {@code waiting} while its Jobs stop, then the finalizer may go. */
  record Cleanup(List<Action> actions, boolean waiting) {}

  /**
   * A deleted Restore: its running Jobs stop first (pg_restore may still write), then the hold is
   * lifted as after a failure.
   */
  static Cleanup cleanup(RestoreFacts facts, Conditions conditions) {
    Look look = new Look(facts, conditions);
    if (!look.holdsTarget()) {
      return new Cleanup(List.of(), false);
    }
    List<Job> running = look.ownRunningJobs();
    if (!running.isEmpty() || !facts.ownPods().isEmpty()) {
      return new Cleanup(running.isEmpty() ? List.of() : List.of(new Action.Stop(running)), true);
    }
    String unsanitized = unsanitizedAfter(look);
    look.actions.add(new Action.Lift(unsanitized));
    if (unsanitized != null) {
      look.actions.add(new Action.Tell(true, EventReason.RestoreDeleted, "Restore " + facts.name() + " was deleted before the data from " + unsanitized
          + " was sanitised: " + facts.targetName() + " stays stopped"));
    }
    return new Cleanup(List.copyOf(look.actions), false);
  }

  // --- before anything changes -------------------------------------------------------------

  private static Optional<Decision> refusal(Look l) {
    RestoreFacts f = l.facts;
    Environment target = f.target();
    if (target == null || target.getMetadata().getDeletionTimestamp() != null) {
      if (started(f.status()) || target != null) {
        return Optional.of(fail(l, Failure.ENVIRONMENT_DELETED, "Environment " + f.targetName() + " was deleted"
            + (started(f.status()) ? " while this Restore ran" : "")));
      }
      return Optional.of(pending(l, "EnvironmentNotFound", "no Environment " + f.targetName() + " in this namespace"));
    }
    if (target.getSpec().getStage() == Stage.LIVE && !Boolean.TRUE.equals(f.restore().getSpec().getAllowLive())) {
      return Optional.of(fail(l, Failure.LIVE_NOT_ALLOWED, f.targetName()
          + " is a live environment: restoring into it replaces the data it serves; set spec.allowLive: true to do so"));
    }
    if (!f.storeConfigured()) {
      return Optional.of(fail(l, Failure.STORAGE_NOT_CONFIGURED,
          "no backup storage is configured: the platform sets SLIPWAY_BACKUP_BUCKET"));
    }
    if (databaseSecret(target) == null || target.getStatus().getImage() == null) {
      return Optional.of(pending(l, "NotDeployed", f.targetName() + " has no database or runs no image yet"));
    }
    if (f.project() == null) {
      return Optional.of(pending(l, "ProjectNotFound", "no Project " + target.getSpec().getProject()));
    }
    return Optional.empty();
  }

  /** Step 1: the source Backup, once every check that needs no change has passed. */
  private static Optional<Decision> source(Look l) {
    if (l.isTrue(SOURCE_BACKUP)) {
      return Optional.empty();
    }
    RestoreFacts f = l.facts;
    Environment target = f.target();
    String fromEnvironment = f.restore().getSpec().getFrom().getEnvironment();
    String sourceName;
    String dataFrom;
    if (fromEnvironment != null) {
      Environment from = f.sourceEnvironment();
      if (from == null) {
        return Optional.of(fail(l, Failure.SOURCE_NOT_FOUND, "no Environment " + fromEnvironment + " in this namespace"));
      }
      if (!Objects.equals(from.getSpec().getProject(), target.getSpec().getProject())) {
        return Optional.of(fail(l, Failure.OTHER_PROJECT, fromEnvironment + " belongs to Project " + from.getSpec().getProject()
            + ", not " + target.getSpec().getProject()));
      }
      sourceName = RestoreBackups.name(f.restore(), RestoreBackups.SOURCE);
      Optional<Decision> taken = nameTaken(l, f.source(), fromEnvironment);
      if (taken.isPresent()) {
        return taken;
      }
      dataFrom = f.source() != null ? RestoreBackups.dataOf(f.source()) : RestoreBackups.dataOf(from);
    } else {
      sourceName = f.restore().getSpec().getFrom().getBackup();
      if (f.source() == null) {
        return Optional.of(fail(l, Failure.BACKUP_NOT_FOUND, "no Backup " + sourceName + " in this namespace"));
      }
      Optional<String> other = RestoreBackups.otherProject(f.source(), f.sourceOf(), target);
      if (other.isPresent()) {
        return Optional.of(fail(l, Failure.OTHER_PROJECT, other.get()));
      }
      dataFrom = RestoreBackups.dataOf(f.source());
    }
    Optional<Decision> safetyTaken = nameTaken(l, f.safety(), f.targetName());
    if (safetyTaken.isPresent()) {
      return safetyTaken;
    }
    if (!dataFrom.equals(f.targetName()) && sanitizeCommand(f.project()) == null) {
      return Optional.of(fail(l, Failure.SANITIZE_NOT_DECLARED, undeclared(f, dataFrom)));
    }

    RestoreStatus next = l.next;
    next.setPhase(RestorePhase.Running);
    next.setReason(null);
    next.setSourceBackup(sourceName);
    next.setSafetyBackup(RestoreBackups.name(f.restore(), RestoreBackups.SAFETY));
    next.setDataFrom(dataFrom);
    if (next.getStartTime() == null) {
      next.setStartTime(l.now());
    }
    if (f.source() == null) {
      l.actions.add(new Action.TakeBackup(RestoreBackups.desired(f.restore(), RestoreBackups.SOURCE, fromEnvironment)));
      l.conditions.set(SOURCE_BACKUP, false, "Waiting", "taking Backup " + sourceName + " of " + fromEnvironment);
      return Optional.of(l.waitFor("taking Backup " + sourceName + " of " + fromEnvironment));
    }
    return backupStep(l, SOURCE_BACKUP, f.source(), Failure.SOURCE_BACKUP_FAILED, "taking the Backups");
  }

  // --- stop, and the safety Backup once nothing runs ------------------------------------------

  /** Step 2: the hold placed; running release Jobs and scheduled runs stopped; done once no pod of the target runs. */
  private static Optional<Decision> stop(Look l) {
    if (l.isTrue(RESTORED)) {
      return Optional.empty();
    }
    RestoreFacts f = l.facts;
    String target = f.targetName();
    String holder = RestoreHold.holder(f.target()).orElse(null);
    if (holder != null && !holder.equals(f.name()) && f.otherHolder() != null && !done(f.otherHolder())) {
      return Optional.of(pending(l, "AnotherRestore", "Restore " + holder + " is running on " + target));
    }
    if (!f.name().equals(holder)) {
      // (A hold whose Restore is gone or finished is taken over.)
      l.actions.add(new Action.Hold());
      l.actions.add(new Action.Tell(false, EventReason.RestoreStarted, "Restore " + f.name() + ": stopping " + target + " to load Backup "
          + l.next.getSourceBackup() + " (safety Backup " + l.next.getSafetyBackup() + " taken once nothing of it runs)"));
    }
    if (!f.runningReleases().isEmpty()) {
      l.actions.add(new Action.Stop(f.runningReleases()));
    }
    List<String> running = new ArrayList<>();
    f.writers().forEach(p -> running.add("pod " + p.getMetadata().getName()));
    f.runningReleases().forEach(j -> running.add(jobKind(j) + " " + j.getMetadata().getName()));
    f.unsuspendedSchedules().forEach(c -> running.add("CronJob " + c + " (until it is suspended)"));
    boolean scaledDown = f.web() == null || Objects.equals(f.web().getSpec().getReplicas(), 0);
    if (!f.name().equals(holder) || !scaledDown || !running.isEmpty()) {
      String what = running.isEmpty() ? "its web Deployment to scale to zero" : String.join(", ", running);
      l.conditions.set(STOPPED, false, "Stopping", "waiting for " + target + " to stop: " + what);
      return Optional.of(l.waitFor("stopping " + target));
    }
    l.conditions.set(STOPPED, true, "ScaledToZero", "no pod of " + target + " runs: it serves nothing, and nothing writes to its"
        + " database while its data is replaced");
    return Optional.empty();
  }

  private static String jobKind(Job job) {
    var labels = job.getMetadata().getLabels();
    return labels != null && Labels.CRON.equals(labels.get(Labels.COMPONENT)) ? "scheduled Job" : "release Job";
  }

  /** Step 3: the safety Backup, taken once the target is stopped: it holds every write. */
  private static Optional<Decision> safety(Look l) {
    if (l.isTrue(SAFETY_BACKUP)) {
      return Optional.empty();
    }
    RestoreFacts f = l.facts;
    String name = RestoreBackups.name(f.restore(), RestoreBackups.SAFETY);
    if (f.safety() == null) {
      l.actions.add(new Action.TakeBackup(RestoreBackups.desired(f.restore(), RestoreBackups.SAFETY, f.targetName())));
      l.conditions.set(SAFETY_BACKUP, false, "Waiting", "taking Backup " + name + " of " + f.targetName() + ", now that nothing writes");
      return Optional.of(l.waitFor("taking the safety Backup"));
    }
    Optional<Decision> taken = nameTaken(l, f.safety(), f.targetName());
    if (taken.isPresent()) {
      return taken;
    }
    return backupStep(l, SAFETY_BACKUP, f.safety(), Failure.SAFETY_BACKUP_FAILED, "taking the safety Backup");
  }

  // --- load, release, sanitize ----------------------------------------------------------------

  /** Step 4: pg_restore as the target's own role, in one transaction. */
  private static Optional<Decision> load(Look l) {
    if (l.isTrue(RESTORED)) {
      return Optional.empty();
    }
    RestoreFacts f = l.facts;
    String source = l.next.getSourceBackup();
    RestoreFacts.JobRun run = f.job(RestoreJobs.RESTORE);
    if (run == null) {
      if (f.source() == null) {
        return Optional.of(fail(l, Failure.BACKUP_NOT_FOUND, "Backup " + source + " is gone, so nothing was restored"));
      }
      l.actions.add(new Action.Load(f.source()));
      l.conditions.set(RESTORED, false, "Running", "loading Backup " + source);
      return Optional.of(l.waitFor("restoring"));
    }
    if (run.running()) {
      l.conditions.set(RESTORED, false, "Running", "loading Backup " + source);
      return Optional.of(l.waitFor("restoring"));
    }
    l.actions.add(new Action.Spend());
    if (run.result() == RestoreFacts.JobRun.Result.FAILED) {
      l.conditions.set(RESTORED, false, "RestoreFailed", run.message());
      return Optional.of(fail(l, Failure.RESTORE_FAILED, "pg_restore failed and changed nothing (one transaction): " + run.message()));
    }
    l.conditions.set(RESTORED, true, "Succeeded", "Backup " + source + " loaded");
    return Optional.empty();
  }

  /** Step 5: the target's release command for the image it runs (the data may be from an older schema). */
  private static Optional<Decision> release(Look l) {
    if (l.isTrue(MIGRATED)) {
      return Optional.empty();
    }
    RestoreFacts f = l.facts;
    if (!MigrationJob.runs(f.project(), true)) {
      l.conditions.set(MIGRATED, true, "NoReleaseCommand", "no release command");
      return Optional.empty();
    }
    RestoreFacts.JobRun run = f.job(RestoreJobs.RELEASE);
    if (run == null || run.running()) {
      if (run == null) {
        l.actions.add(new Action.Run(RestoreJobs.RELEASE, MigrationJob.command(f.project())));
      }
      l.conditions.set(MIGRATED, false, "Running", "running the release command of " + f.targetName() + "'s image");
      return Optional.of(l.waitFor("running the release command"));
    }
    if (run.result() == RestoreFacts.JobRun.Result.FAILED) {
      l.conditions.set(MIGRATED, false, "MigrationFailed", run.message());
      String stays = stillUnsanitized(l);
      String message = "the release command failed after the restore: " + run.message() + (stays == null
          ? "; restore Backup " + l.next.getSafetyBackup() + " to go back"
          : "; " + f.targetName() + " stays stopped, as its data from " + stays + " is not sanitised yet: make a Restore of Backup "
              + l.next.getSafetyBackup() + " to go back, or fix the release command and make a new Restore");
      return Optional.of(fail(l, Failure.MIGRATION_FAILED, message));
    }
    l.conditions.set(MIGRATED, true, "Succeeded", "release command succeeded");
    return Optional.empty();
  }

  /** Step 6: data from another environment is sanitised before anything serves it. */
  private static Optional<Decision> sanitize(Look l) {
    if (l.isTrue(SANITIZED)) {
      return Optional.empty();
    }
    RestoreFacts f = l.facts;
    String target = f.targetName();
    String from = l.dataFrom();
    if (from.equals(target)) {
      l.conditions.set(SANITIZED, true, "SameEnvironment", "the data is " + target + "'s own");
      return Optional.empty();
    }
    List<String> command = sanitizeCommand(f.project());
    if (command == null) {
      l.conditions.set(SANITIZED, false, Failure.SANITIZE_NOT_DECLARED.reason, undeclared(f, from));
      return Optional.of(fail(l, Failure.SANITIZE_NOT_DECLARED, undeclared(f, from) + "; " + target + " stays stopped meanwhile"));
    }
    if (command.isEmpty()) {
      l.conditions.set(SANITIZED, true, "NotWanted", "Project " + f.project().getMetadata().getName()
          + " sets spec.data.sanitize: [], so the data from " + from + " is used as it is, on purpose");
      return Optional.empty();
    }
    RestoreFacts.JobRun run = f.job(RestoreJobs.SANITIZE);
    if (run == null || run.running()) {
      if (run == null) {
        l.actions.add(new Action.Run(RestoreJobs.SANITIZE, command));
      }
      l.conditions.set(SANITIZED, false, "Running", "running " + String.join(" ", command));
      return Optional.of(l.waitFor("sanitising the data from " + from));
    }
    if (run.result() == RestoreFacts.JobRun.Result.FAILED) {
      l.conditions.set(SANITIZED, false, "SanitizeFailed", run.message());
      return Optional.of(fail(l, Failure.SANITIZE_FAILED, "the sanitize command failed: " + run.message() + "; " + target
          + " stays stopped, as data from " + from + " is not served unsanitised: make a Restore of Backup " + l.next.getSafetyBackup()
          + " to go back, or fix spec.data.sanitize and make a new Restore"));
    }
    l.conditions.set(SANITIZED, true, "Succeeded", String.join(" ", command) + " succeeded");
    return Optional.empty();
  }

  // --- serve --------------------------------------------------------------------------------

  /** Step 7: the hold lifted; done once the target is Ready with its pods available. */
  private static Decision serve(Look l) {
    RestoreFacts f = l.facts;
    String target = f.targetName();
    if (l.holdsTarget()) {
      l.actions.add(new Action.Lift(unsanitizedAfter(l)));
      l.conditions.set(SERVING, false, "Starting", "waiting for " + target + " to be Ready again");
      return l.waitFor("starting " + target);
    }
    Environment now = f.target();
    Deployment web = f.web();
    boolean podsBack = web != null && web.getSpec().getReplicas() != null && web.getSpec().getReplicas() > 0 && web.getStatus() != null
        && Objects.equals(web.getStatus().getAvailableReplicas(), web.getSpec().getReplicas());
    // An environment that runs no replicas by its own spec is back once the hold is gone.
    boolean wantsNone = Integer.valueOf(0).equals(now.getSpec().getReplicas());
    // Ready as a condition, not as the phase: a release decided again after the Restore may be
    // migrating (or have failed) while the pods serve the restored data.
    boolean serving = !RestoreHold.stopsPods(now) && now.getStatus() != null
        && (wantsNone || (podsBack && Conditions.isTrue(now.getStatus().getConditions(), ConditionTypes.READY)));
    if (!serving) {
      l.conditions.set(SERVING, false, "Starting", "waiting for " + target + " to be Ready again");
      return l.waitFor("starting " + target);
    }
    l.conditions.set(SERVING, true, "Ready", target + " serves the restored data");
    RestoreStatus next = l.next;
    next.setPhase(RestorePhase.Succeeded);
    next.setMessage(target + " serves Backup " + next.getSourceBackup());
    next.setCompletionTime(l.now());
    l.actions.add(new Action.Tell(false, EventReason.RestoreFinished, "Restore " + f.name() + ": " + target + " serves Backup " + next.getSourceBackup()
        + " (safety Backup " + next.getSafetyBackup() + ")"));
    return l.finish(null);
  }

  // --- the data rule ------------------------------------------------------------------------

  /**
   * Whose unsanitised data the target holds once this Restore lets it go (null: none, it may
   * serve). Data sanitised, or the target's own, serves. A load that certainly did not happen
   * (never started, or pg_restore failed: one transaction) leaves the data as it was before; one
   * that may have happened (stopped while it ran) counts as done when the data is another
   * environment's.
   */
  static String unsanitizedAfter(Look l) {
    String before = RestoreHold.unsanitizedFrom(l.facts.target()).orElse(null);
    if (l.isTrue(SANITIZED)) {
      return null;
    }
    String from = l.dataFrom();
    String loaded = from.equals(l.facts.targetName()) ? null : from;
    Optional<Condition> restored = Conditions.find(l.conditions.build(), RESTORED);
    if (restored.isEmpty() || "RestoreFailed".equals(restored.get().getReason())) {
      return before;
    }
    if (Conditions.TRUE.equals(restored.get().getStatus())) {
      return loaded;
    }
    return loaded != null ? loaded : before;
  }

  /** The environment whose unsanitised data the target keeps if this Restore fails now, or null. */
  private static String stillUnsanitized(Look l) {
    return l.holdsTarget() ? unsanitizedAfter(l) : RestoreHold.unsanitizedFrom(l.facts.target()).orElse(null);
  }

  /** The Project's sanitize command: null when it does not say, empty when it says "none, on purpose". */
  static List<String> sanitizeCommand(Project project) {
    return project.getSpec().getData() == null ? null : project.getSpec().getData().getSanitize();
  }

  private static String undeclared(RestoreFacts f, String from) {
    return "the data comes from " + from + ", and Project " + f.project().getMetadata().getName() + " does not say how to sanitise it:"
        + " set spec.data.sanitize to the command that makes it fit for " + f.targetName() + " (or to [] to copy it as it is, on purpose)"
        + ", then make a new Restore";
  }

  // --- shared pieces ------------------------------------------------------------------------

  /** Sets the condition of a Backup the Restore waits for; done once it succeeded. */
  private static Optional<Decision> backupStep(Look l, String type, Backup backup, Failure failure, String waiting) {
    String name = backup.getMetadata().getName();
    BackupPhase phase = backup.getStatus() == null ? null : backup.getStatus().getPhase();
    if (phase == BackupPhase.Failed) {
      l.conditions.set(type, false, "BackupFailed", "Backup " + name + " failed: " + backup.getStatus().getMessage());
      return Optional.of(fail(l, failure, "Backup " + name + " failed, so nothing was changed: " + backup.getStatus().getMessage()));
    }
    if (phase != BackupPhase.Succeeded) {
      l.conditions.set(type, false, "Waiting", "waiting for Backup " + name);
      return Optional.of(l.waitFor(waiting));
    }
    l.conditions.set(type, true, "Succeeded", "Backup " + name + " (" + backup.getStatus().getSize() + ")");
    return Optional.empty();
  }

  /** A Backup with the name of one of the Restore's own that is not its own: refused, never used. */
  private static Optional<Decision> nameTaken(Look l, Backup backup, String environment) {
    if (backup == null) {
      return Optional.empty();
    }
    return RestoreBackups.notOwn(backup, l.facts.restore(), environment).map(why -> fail(l, Failure.BACKUP_NAME_TAKEN, "Backup "
        + backup.getMetadata().getName() + " exists but was not taken by this Restore (" + why + "): a Restore uses only the Backups it"
        + " took; delete that Backup, or give this Restore another name"));
  }

  private static Decision pending(Look l, String reason, String message) {
    RestoreStatus next = l.next;
    next.setPhase(next.getPhase() == null ? RestorePhase.Pending : next.getPhase());
    next.setReason(reason);
    next.setMessage(message);
    return l.finish(PENDING);
  }

  /**
   * Final. This Restore's running Jobs stop, and only once their pods are gone is the hold lifted,
   * the data's state recorded with it (until then the same failure is found again at each look).
   */
  private static Decision fail(Look l, Failure failure, String message) {
    List<Job> running = l.ownRunningJobs();
    if (!running.isEmpty()) {
      l.actions.add(new Action.Stop(running));
    }
    if (l.holdsTarget() && (!running.isEmpty() || !l.facts.ownPods().isEmpty())) {
      l.next.setReason(failure.reason);
      return l.waitFor(message + " (stopping this Restore's Jobs first)");
    }
    if (l.holdsTarget()) {
      l.actions.add(new Action.Lift(unsanitizedAfter(l)));
    }
    RestoreStatus next = l.next;
    next.setPhase(RestorePhase.Failed);
    next.setReason(failure.reason);
    next.setMessage(message);
    next.setCompletionTime(l.now());
    l.actions.add(new Action.Tell(true, EventReason.RestoreFailed, "Restore " + l.facts.name() + ": " + message));
    return l.finish(null);
  }

  private static boolean started(RestoreStatus status) {
    return status.getStartTime() != null;
  }

  /** Finished (one being deleted still holds its target until its Jobs have stopped). */
  private static boolean done(Restore restore) {
    return restore.getStatus() != null && restore.getStatus().getPhase() != null && restore.getStatus().getPhase().done();
  }

  static String databaseSecret(Environment target) {
    return target.getStatus() == null || target.getStatus().getDatabase() == null ? null : target.getStatus().getDatabase().getSecretName();
  }

  /** One decision in the making: the facts, the conditions and status it sets, the actions it collects. */
  static final class Look {
    final RestoreFacts facts;
    final Conditions conditions;
    final RestoreStatus next;
    final List<Action> actions = new ArrayList<>();

    Look(RestoreFacts facts, Conditions conditions) {
      this.facts = facts;
      this.conditions = conditions;
      this.next = Serialization.clone(facts.status());
      conditions.setAll(facts.status().getConditions());
    }

    boolean isTrue(String type) {
      return Conditions.isTrue(conditions.build(), type);
    }

    boolean holdsTarget() {
      return facts.target() != null && facts.name().equals(RestoreHold.holder(facts.target()).orElse(null));
    }

    /** Whose data is loaded: the status says once the source is known (a Restore of an earlier version: the source says). */
    String dataFrom() {
      if (next.getDataFrom() != null) {
        return next.getDataFrom();
      }
      if (facts.source() != null) {
        return RestoreBackups.dataOf(facts.source());
      }
      String from = facts.restore().getSpec().getFrom().getEnvironment();
      return from != null ? from : facts.targetName();
    }

    List<Job> ownRunningJobs() {
      return facts.jobs().values().stream().filter(RestoreFacts.JobRun::running).map(RestoreFacts.JobRun::job).toList();
    }

    String now() {
      return facts.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    Decision waitFor(String message) {
      next.setMessage(message);
      return finish(POLL);
    }

    Decision finish(Duration again) {
      next.setConditions(conditions.build());
      return new Decision(next, List.copyOf(actions), again);
    }
  }
}
