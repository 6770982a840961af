package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.BackupStatus;
import dev.slipway.api.v1alpha1.DataSpec;
import dev.slipway.api.v1alpha1.DatabaseStatus;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestorePhase;
import dev.slipway.api.v1alpha1.RestoreSource;
import dev.slipway.api.v1alpha1.RestoreSpec;
import dev.slipway.api.v1alpha1.RestoreStatus;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.backup.RestoreFacts.JobRun;
import dev.slipway.backup.RestoreSteps.Action;
import dev.slipway.backup.RestoreSteps.Decision;
import dev.slipway.status.Conditions;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every transition of a Restore, decided from objects made here: no cluster, milliseconds. */
class RestoreStepsTest {

  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  private static final String UID = "0123abcd-4567-89ab-cdef-0123456789ab";

  // --- before anything changes --------------------------------------------------------------

  @Test
  void aTargetThatIsNotThereYetIsWaitedForButOneDeletedAfterTheStartFailsTheRestore() {
    Decision waiting = new World().noTarget().decide();
    assertThat(waiting.status().getPhase()).isEqualTo(RestorePhase.Pending);
    assertThat(waiting.status().getReason()).isEqualTo("EnvironmentNotFound");
    assertThat(waiting.actions()).isEmpty();

    World started = new World().noTarget().started().job(RestoreJobs.RESTORE, JobRun.Result.RUNNING);
    Decision failed = started.decide();
    assertThat(failed.status().getPhase()).isEqualTo(RestorePhase.Failed);
    assertThat(failed.status().getReason()).isEqualTo("EnvironmentDeleted");
    assertThat(failed.again()).as("final: nothing holds its source Backup any more").isNull();
    assertThat(failed.actions()).anySatisfy(a -> assertThat(a).isInstanceOf(Action.Stop.class));
  }

  @Test
  void aRestoreIntoLiveIsRefusedUnlessAllowed() {
    World w = new World();
    w.target.getSpec().setStage(Stage.LIVE);
    Decision d = w.decide();
    assertThat(d.status().getReason()).isEqualTo("LiveNotAllowed");
    assertThat(kinds(d)).containsExactly(Action.Tell.class);
  }

  @Test
  void aFreshBackupOfTheSourceIsTakenFirstLabelledWithTheRestoresUidAndNothingIsStoppedMeanwhile() {
    World w = new World().fromEnvironment("shop-live").sanitize(List.of("anonymise"));
    Decision d = w.decide();
    assertThat(d.status().getPhase()).isEqualTo(RestorePhase.Running);
    assertThat(d.status().getSourceBackup()).isEqualTo("copy-source");
    assertThat(d.status().getDataFrom()).isEqualTo("shop-live");
    Backup taken = only(d, Action.TakeBackup.class).backup();
    assertThat(taken.getMetadata().getName()).isEqualTo("copy-source");
    assertThat(taken.getSpec().getEnvironment()).isEqualTo("shop-live");
    assertThat(taken.getMetadata().getLabels()).containsEntry(Labels.RESTORE_UID, UID);
    assertThat(kinds(d)).doesNotContain(Action.Hold.class);
  }

  @Test
  void aSourceOrSafetyBackupOfThatNameThatTheRestoreDidNotTakeIsRefusedNeverUsed() {
    // An earlier Restore of the same name left its Backups: yesterday's data.
    World again = new World().fromEnvironment("shop-live").sanitize(List.of("anonymise"));
    again.source = backup("copy-source", "shop-live", BackupPhase.Succeeded, Map.of(Labels.RESTORE_NAME, "copy", Labels.RESTORE_UID, "old-uid"));
    Decision d = again.decide();
    assertThat(d.status().getPhase()).isEqualTo(RestorePhase.Failed);
    assertThat(d.status().getReason()).isEqualTo("BackupNameTaken");
    assertThat(d.status().getMessage()).contains("copy-source", "an earlier Restore named copy");
    assertThat(kinds(d)).doesNotContain(Action.Hold.class);

    // Another environment's dump is never taken as this one's safety Backup.
    World other = new World().fromBackup("before-the-sale");
    other.safety = backup("copy-safety", "shop-live", BackupPhase.Succeeded, Map.of(Labels.RESTORE_UID, UID));
    Decision refused = other.decide();
    assertThat(refused.status().getReason()).isEqualTo("BackupNameTaken");
    assertThat(refused.status().getMessage()).contains("a Backup of shop-live, not of shop-test");

    // Made before the Restore was (a Restore deleted and made again gets a new uid; this guards the rest).
    World early = new World().fromBackup("before-the-sale");
    early.safety = backup("copy-safety", "shop-test", BackupPhase.Succeeded, Map.of(Labels.RESTORE_UID, UID));
    early.safety.getMetadata().setCreationTimestamp("2026-11-30T10:00:00Z");
    assertThat(early.decide().status().getMessage()).contains("before this Restore");
  }

  @Test
  void aBackupOfAnotherProjectIsRefusedByItsProjectNotByItsName() {
    World w = new World().fromBackup("eu-dump");
    w.source = backup("eu-dump", "shop-eu", BackupPhase.Succeeded, Map.of(Labels.PROJECT, "shop-eu"));
    w.sourceOf = null; // shop-eu was deleted
    Decision d = w.decide();
    assertThat(d.status().getReason()).isEqualTo("OtherProject");
    assertThat(d.status().getMessage()).contains("Project shop-eu, not of shop");

    w.source = backup("eu-dump", "shop-eu", BackupPhase.Succeeded, Map.of());
    assertThat(w.decide().status().getMessage()).contains("does not say which Project");

    w.source = backup("eu-dump", "shop-eu", BackupPhase.Succeeded, Map.of(Labels.PROJECT, "shop"));
    w.sanitize(List.of());
    assertThat(w.decide().status().getPhase()).as("of a deleted environment of the same Project").isEqualTo(RestorePhase.Running);
  }

  @Test
  void aCopyBetweenEnvironmentsNeedsTheProjectToSayHowItIsSanitisedAbsentIsNotEmpty() {
    World undeclared = new World().fromBackup("live-dump");
    undeclared.source = backup("live-dump", "shop-live", BackupPhase.Succeeded, Map.of());
    undeclared.sourceOf = environment("shop-live", Stage.LIVE);
    Decision refused = undeclared.decide();
    assertThat(refused.status().getReason()).isEqualTo("SanitizeNotDeclared");
    assertThat(refused.status().getMessage()).contains("spec.data.sanitize", "[]");
    assertThat(kinds(refused)).containsExactly(Action.Tell.class);

    undeclared.project.getSpec().setData(new DataSpec()); // data: {} says nothing either
    assertThat(undeclared.decide().status().getReason()).isEqualTo("SanitizeNotDeclared");

    undeclared.sanitize(List.of());
    assertThat(undeclared.decide().status().getPhase()).as("[]: none, on purpose").isEqualTo(RestorePhase.Running);

    World own = new World().fromBackup("before-the-sale");
    assertThat(own.decide().status().getPhase()).as("the target's own data needs no sanitising").isEqualTo(RestorePhase.Running);
  }

  @Test
  void aBackupOfDataThatWasNotSanitisedCountsAsTheDataOfWhereItCameFrom() {
    World w = new World().fromBackup("test-dump");
    w.source.getMetadata().setLabels(Map.of(Labels.UNSANITIZED_DATA, "shop-live"));
    assertThat(w.decide().status().getReason()).isEqualTo("SanitizeNotDeclared");
    w.sanitize(List.of("anonymise"));
    assertThat(w.decide().status().getDataFrom()).isEqualTo("shop-live");
  }

  // --- stop, then the safety Backup ---------------------------------------------------------

  @Test
  void onceTheSourceIsThereTheTargetIsHeldAndNoSafetyBackupIsTakenWhileAnyPodOfItRuns() {
    World w = new World().fromBackup("test-dump");
    Decision hold = w.decide();
    assertThat(kinds(hold)).contains(Action.Hold.class).doesNotContain(Action.TakeBackup.class);
    assertThat(condition(hold, "Stopped").getStatus()).isEqualTo("False");

    w.held("copy").webReplicas(0);
    Pod terminating = pod("shop-test-7f9c-x2", Labels.WEB, "Running");
    terminating.getMetadata().setDeletionTimestamp("2026-12-01T09:59:58Z");
    w.writers.add(terminating);
    Decision stopping = w.decide();
    assertThat(condition(stopping, "Stopped").getStatus()).isEqualTo("False");
    assertThat(condition(stopping, "Stopped").getMessage()).contains("shop-test-7f9c-x2");
    assertThat(kinds(stopping)).as("a terminating pod still writes").doesNotContain(Action.TakeBackup.class, Action.Hold.class);

    w.writers.clear();
    Decision stopped = w.decide();
    assertThat(condition(stopped, "Stopped").getStatus()).isEqualTo("True");
    Backup safety = only(stopped, Action.TakeBackup.class).backup();
    assertThat(safety.getMetadata().getName()).isEqualTo("copy-safety");
    assertThat(safety.getSpec().getEnvironment()).isEqualTo("shop-test");
  }

  @Test
  void aReleaseJobThatRunsWhenTheRestoreStartsIsStoppedBeforeAnythingIsBackedUpOrLoaded() {
    World w = new World().fromBackup("test-dump").held("copy").webReplicas(0);
    Job migrating = new JobBuilder().withNewMetadata().withName("shop-test-migrate-0123456789ab").withNamespace("team-a").endMetadata().build();
    w.runningReleases.add(migrating);
    Decision d = w.decide();
    assertThat(only(d, Action.Stop.class).jobs()).containsExactly(migrating);
    assertThat(condition(d, "Stopped").getMessage()).contains("release Job shop-test-migrate-0123456789ab");
    assertThat(kinds(d)).doesNotContain(Action.TakeBackup.class, Action.Load.class);
  }

  @Test
  void aScheduledRunThatRunsWhenTheRestoreStartsIsStoppedAndNamedAsSuch() {
    World w = new World().fromBackup("test-dump").held("copy").webReplicas(0);
    Job cron = new JobBuilder().withNewMetadata().withName("shop-test-note-29871234").withNamespace("team-a")
        .addToLabels(dev.slipway.Labels.COMPONENT, dev.slipway.Labels.CRON).endMetadata().build();
    w.runningReleases.add(cron);
    Decision d = w.decide();
    assertThat(only(d, Action.Stop.class).jobs()).containsExactly(cron);
    assertThat(condition(d, "Stopped").getMessage()).contains("scheduled Job shop-test-note-29871234");
    assertThat(kinds(d)).doesNotContain(Action.TakeBackup.class, Action.Load.class);
  }

  @Test
  void theSafetyBackupWaitsUntilTheTargetsCronJobsAreSuspended() {
    World w = new World().fromBackup("test-dump").held("copy").webReplicas(0);
    w.unsuspendedSchedules.add("shop-test-note");
    Decision d = w.decide();
    assertThat(condition(d, "Stopped").getStatus()).isEqualTo("False");
    assertThat(condition(d, "Stopped").getMessage()).contains("CronJob shop-test-note");
    assertThat(kinds(d)).doesNotContain(Action.TakeBackup.class);

    w.unsuspendedSchedules.clear();
    assertThat(only(w.decide(), Action.TakeBackup.class).backup().getMetadata().getName()).isEqualTo("copy-safety");
  }

  @Test
  void anotherRunningRestoreKeepsTheHoldButAnAbandonedHoldIsTakenOver() {
    World w = new World().fromBackup("test-dump").held("other");
    w.otherHolder = restore("other", RestorePhase.Running);
    Decision d = w.decide();
    assertThat(d.status().getReason()).isEqualTo("AnotherRestore");
    assertThat(kinds(d)).isEmpty();

    w.otherHolder = restore("other", RestorePhase.Failed);
    assertThat(kinds(w.decide())).contains(Action.Hold.class);
    w.otherHolder = null; // gone
    assertThat(kinds(w.decide())).contains(Action.Hold.class);
  }

  @Test
  void aFailedSafetyBackupFailsTheRestoreAndLetsTheTargetServeItsUntouchedData() {
    World w = new World().fromBackup("test-dump").stopped();
    w.safety = backup("copy-safety", "shop-test", BackupPhase.Failed, Map.of(Labels.RESTORE_UID, UID));
    Decision d = w.decide();
    assertThat(d.status().getReason()).isEqualTo("SafetyBackupFailed");
    assertThat(d.status().getMessage()).contains("nothing was changed");
    assertThat(only(d, Action.Lift.class).unsanitizedFrom()).isNull();
  }

  // --- load, release, sanitize, serve -------------------------------------------------------

  @Test
  void theLoadStartsOnceTheSafetyBackupSucceededAndAFailedPgRestoreLeavesTheDataAsItWas() {
    World w = new World().fromBackup("live-dump").liveSource().sanitize(List.of("anonymise")).stopped().safetyDone();
    Decision start = w.decide();
    assertThat(only(start, Action.Load.class).source().getMetadata().getName()).isEqualTo("live-dump");
    assertThat(condition(start, "Restored").getReason()).isEqualTo("Running");

    w.conditions(start).job(RestoreJobs.RESTORE, JobRun.Result.FAILED);
    Decision failed = w.decide();
    assertThat(failed.status().getReason()).isEqualTo("RestoreFailed");
    assertThat(kinds(failed)).contains(Action.Spend.class);
    assertThat(only(failed, Action.Lift.class).unsanitizedFrom()).as("one transaction: nothing of live's was loaded").isNull();
  }

  @Test
  void aFailedReleaseCommandAfterLoadingTheTargetsOwnDataLetsItServe() {
    World w = new World().fromBackup("test-dump").stopped().safetyDone().loaded().job(RestoreJobs.RELEASE, JobRun.Result.FAILED);
    Decision d = w.decide();
    assertThat(d.status().getReason()).isEqualTo("MigrationFailed");
    assertThat(d.status().getMessage()).contains("restore Backup copy-safety to go back");
    assertThat(only(d, Action.Lift.class).unsanitizedFrom()).isNull();
  }

  @Test
  void aFailedReleaseCommandDuringACopyKeepsTheTargetStoppedItsDataNotSanitised() {
    World w = new World().fromBackup("live-dump").liveSource().sanitize(List.of("anonymise")).stopped().safetyDone().loaded()
        .job(RestoreJobs.RELEASE, JobRun.Result.FAILED);
    Decision d = w.decide();
    assertThat(d.status().getReason()).isEqualTo("MigrationFailed");
    assertThat(d.status().getMessage()).contains("stays stopped", "shop-live", "Restore of Backup copy-safety");
    assertThat(only(d, Action.Lift.class).unsanitizedFrom()).isEqualTo("shop-live");
    assertThat(kinds(d)).doesNotContain(Action.Run.class);
  }

  @Test
  void theSanitizeCommandRunsAfterTheReleaseAndItsFailureKeepsTheTargetStopped() {
    World w = new World().fromBackup("live-dump").liveSource().sanitize(List.of("python", "manage.py", "anonymise")).stopped()
        .safetyDone().loaded().migrated();
    Decision run = w.decide();
    assertThat(only(run, Action.Run.class).step()).isEqualTo(RestoreJobs.SANITIZE);
    assertThat(only(run, Action.Run.class).command()).containsExactly("python", "manage.py", "anonymise");

    w.conditions(run).job(RestoreJobs.SANITIZE, JobRun.Result.FAILED);
    Decision failed = w.decide();
    assertThat(failed.status().getReason()).isEqualTo("SanitizeFailed");
    assertThat(only(failed, Action.Lift.class).unsanitizedFrom()).isEqualTo("shop-live");

    w.job(RestoreJobs.SANITIZE, JobRun.Result.SUCCEEDED);
    Decision serving = w.decide();
    assertThat(condition(serving, "Sanitized").getStatus()).isEqualTo("True");
    assertThat(only(serving, Action.Lift.class).unsanitizedFrom()).as("sanitised: it serves").isNull();
  }

  @Test
  void withSanitizeDeclaredEmptyTheCopiedDataServesAsItIs() {
    World w = new World().fromBackup("live-dump").liveSource().sanitize(List.of()).stopped().safetyDone().loaded().migrated();
    Decision d = w.decide();
    assertThat(condition(d, "Sanitized").getReason()).isEqualTo("NotWanted");
    assertThat(only(d, Action.Lift.class).unsanitizedFrom()).isNull();
    assertThat(kinds(d)).doesNotContain(Action.Run.class);
  }

  @Test
  void aProjectThatStoppedSayingHowToSanitiseDuringTheCopyFailsItAndTheTargetStaysStopped() {
    World w = new World().fromBackup("live-dump").liveSource().sanitize(List.of("anonymise")).stopped().safetyDone().loaded().migrated();
    w.project.getSpec().setData(null);
    Decision d = w.decide();
    assertThat(d.status().getReason()).isEqualTo("SanitizeNotDeclared");
    assertThat(only(d, Action.Lift.class).unsanitizedFrom()).isEqualTo("shop-live");
  }

  @Test
  void afterTheLiftTheRestoreSucceedsOnceTheTargetIsReadyWithItsPodsBack() {
    World w = new World().fromBackup("test-dump").stopped().safetyDone().loaded().migrated().sanitized();
    Decision lift = w.decide();
    assertThat(kinds(lift)).contains(Action.Lift.class);
    assertThat(lift.status().getPhase()).isEqualTo(RestorePhase.Running);

    w.conditions(lift).released().webReplicas(1);
    Decision starting = w.decide();
    assertThat(condition(starting, "Serving").getStatus()).isEqualTo("False");
    assertThat(starting.actions()).isEmpty();

    w.web.getStatus().setAvailableReplicas(1);
    w.target.getStatus().setPhase(Phase.Migrating); // a release decided again runs meanwhile
    w.target.getStatus().setConditions(List.of(cond("Ready", "True", "Available")));
    Decision done = w.decide();
    assertThat(done.status().getPhase()).isEqualTo(RestorePhase.Succeeded);
    assertThat(done.status().getCompletionTime()).isEqualTo("2026-12-01T10:00:00Z");
    assertThat(only(done, Action.Tell.class).reason().name()).isEqualTo("RestoreFinished");
    assertThat(done.again()).isNull();
  }

  // --- a deleted Restore --------------------------------------------------------------------

  @Test
  void aRestoreDeletedWhilePgRestoreRunsStopsItAndLetsTheTargetGoOnlyOnceItsPodsAreGone() {
    World w = new World().fromBackup("live-dump").liveSource().sanitize(List.of("anonymise")).stopped().safetyDone()
        .job(RestoreJobs.RESTORE, JobRun.Result.RUNNING);
    w.status.setConditions(List.of(cond("Stopped", "True", "ScaledToZero"), cond("SafetyBackup", "True", "Succeeded"),
        cond("SourceBackup", "True", "Succeeded"), cond("Restored", "False", "Running")));
    RestoreSteps.Cleanup stopping = w.cleanup();
    assertThat(stopping.waiting()).isTrue();
    assertThat(stopping.actions()).singleElement().isInstanceOf(Action.Stop.class);

    w.jobs.clear();
    w.ownPods.add(pod("copy-0123abcd-restore-abcde", Labels.RESTORE, "Running"));
    RestoreSteps.Cleanup terminating = w.cleanup();
    assertThat(terminating.waiting()).isTrue();
    assertThat(terminating.actions()).as("held while pg_restore may still write").isEmpty();

    w.ownPods.clear();
    RestoreSteps.Cleanup gone = w.cleanup();
    assertThat(gone.waiting()).isFalse();
    assertThat(gone.actions()).hasSize(2).filteredOn(Action.Lift.class::isInstance).singleElement()
        .satisfies(a -> assertThat(((Action.Lift) a).unsanitizedFrom()).as("it may have loaded live's data: stays stopped")
            .isEqualTo("shop-live"));
  }

  @Test
  void aDeletedRestoreThatDoesNotHoldItsTargetLeavesItAlone() {
    World w = new World().fromBackup("test-dump");
    assertThat(w.cleanup()).isEqualTo(new RestoreSteps.Cleanup(List.of(), false));
  }

  // --- the data rule ------------------------------------------------------------------------

  @Test
  void whatTheTargetKeepsAfterTheRestoreFollowsFromWhatWasLoaded() {
    World clean = new World().fromBackup("test-dump").held("copy");
    assertThat(after(clean, List.of())).as("nothing loaded").isNull();
    clean.target.getMetadata().getAnnotations().put(Annotations.UNSANITIZED_DATA, "shop-live");
    assertThat(after(clean, List.of())).as("nothing loaded: as it was").isEqualTo("shop-live");
    assertThat(after(clean, List.of(cond("Restored", "False", "RestoreFailed")))).as("pg_restore failed: as it was").isEqualTo("shop-live");
    assertThat(after(clean, List.of(cond("Restored", "False", "Running")))).as("maybe loaded own data: as it was, to be safe")
        .isEqualTo("shop-live");
    assertThat(after(clean, List.of(cond("Restored", "True", "Succeeded")))).as("own data loaded").isNull();

    World copy = new World().fromBackup("live-dump").liveSource().sanitize(List.of("anonymise")).held("copy");
    assertThat(after(copy, List.of(cond("Restored", "False", "Running")))).as("maybe loaded").isEqualTo("shop-live");
    assertThat(after(copy, List.of(cond("Restored", "True", "Succeeded")))).isEqualTo("shop-live");
    assertThat(after(copy, List.of(cond("Restored", "True", "Succeeded"), cond("Sanitized", "True", "Succeeded")))).isNull();
  }

  // --- the world a test decides in ------------------------------------------------------------

  private static String after(World w, List<io.fabric8.kubernetes.api.model.Condition> conditions) {
    w.status.setConditions(conditions);
    w.status.setDataFrom(null);
    return RestoreSteps.unsanitizedAfter(new RestoreSteps.Look(w.facts(), new Conditions(conditions, 1, Clock.fixed(NOW, ZoneOffset.UTC))));
  }

  /** A Restore "copy" into shop-test of Project shop, with everything it reads; each test changes what it is about. */
  private static final class World {
    final Restore restore = restore("copy", null);
    final RestoreStatus status = new RestoreStatus();
    Environment target = environment("shop-test", Stage.TEST);
    final Project project = project();
    Environment sourceEnvironment;
    Backup source = backup("test-dump", "shop-test", BackupPhase.Succeeded, Map.of());
    Environment sourceOf = target;
    Backup safety;
    Restore otherHolder;
    Deployment web = new DeploymentBuilder().withNewMetadata().withName("shop-test").endMetadata().withNewSpec().withReplicas(1).endSpec()
        .withNewStatus().endStatus().build();
    final List<Pod> writers = new ArrayList<>();
    final List<Job> runningReleases = new ArrayList<>();
    final List<String> unsuspendedSchedules = new ArrayList<>();
    final Map<String, JobRun> jobs = new LinkedHashMap<>();
    final List<Pod> ownPods = new ArrayList<>();

    World noTarget() {
      target = null;
      sourceOf = null;
      return this;
    }

    World started() {
      status.setPhase(RestorePhase.Running);
      status.setStartTime("2026-12-01T09:50:00Z");
      return this;
    }

    World fromEnvironment(String environment) {
      restore.getSpec().getFrom().setBackup(null);
      restore.getSpec().getFrom().setEnvironment(environment);
      sourceEnvironment = environment(environment, Stage.LIVE);
      source = null;
      sourceOf = null;
      return this;
    }

    World fromBackup(String name) {
      restore.getSpec().getFrom().setEnvironment(null);
      restore.getSpec().getFrom().setBackup(name);
      source = backup(name, "shop-test", BackupPhase.Succeeded, Map.of());
      return this;
    }

    World liveSource() {
      source.getSpec().setEnvironment("shop-live");
      sourceOf = environment("shop-live", Stage.LIVE);
      return this;
    }

    World sanitize(List<String> command) {
      project.getSpec().setData(new DataSpec(command));
      return this;
    }

    World held(String by) {
      target.getMetadata().getAnnotations().put(Annotations.RESTORING, by);
      return this;
    }

    World webReplicas(int replicas) {
      web.getSpec().setReplicas(replicas);
      return this;
    }

    /** Source Backup done, held, nothing runs. */
    World stopped() {
      held("copy").webReplicas(0);
      status.setPhase(RestorePhase.Running);
      status.setStartTime("2026-12-01T09:50:00Z");
      status.setSourceBackup(source.getMetadata().getName());
      status.setSafetyBackup("copy-safety");
      add(cond("SourceBackup", "True", "Succeeded"));
      return this;
    }

    World safetyDone() {
      safety = backup("copy-safety", "shop-test", BackupPhase.Succeeded, Map.of(Labels.RESTORE_UID, UID));
      return this;
    }

    World loaded() {
      add(cond("Stopped", "True", "ScaledToZero"));
      add(cond("SafetyBackup", "True", "Succeeded"));
      add(cond("Restored", "True", "Succeeded"));
      return this;
    }

    World migrated() {
      add(cond("Migrated", "True", "Succeeded"));
      return this;
    }

    World sanitized() {
      add(cond("Sanitized", "True", "SameEnvironment"));
      return this;
    }

    /** The hold lifted by the previous decision. */
    World released() {
      target.getMetadata().getAnnotations().remove(Annotations.RESTORING);
      return this;
    }

    World job(String step, JobRun.Result result) {
      Job job = new JobBuilder().withNewMetadata().withName("copy-0123abcd-" + step).withNamespace("team-a").endMetadata().build();
      jobs.put(step, new JobRun(job, result, result == JobRun.Result.FAILED ? step + " exited with 1: boom" : null));
      return this;
    }

    /** Carries a decision's conditions and status over to the next look, as the cluster would. */
    World conditions(Decision d) {
      status.setConditions(d.status().getConditions());
      status.setPhase(d.status().getPhase());
      status.setSourceBackup(d.status().getSourceBackup());
      status.setSafetyBackup(d.status().getSafetyBackup());
      status.setDataFrom(d.status().getDataFrom());
      status.setStartTime(d.status().getStartTime());
      return this;
    }

    private void add(io.fabric8.kubernetes.api.model.Condition c) {
      List<io.fabric8.kubernetes.api.model.Condition> cs = new ArrayList<>(status.getConditions());
      cs.removeIf(x -> x.getType().equals(c.getType()));
      cs.add(c);
      status.setConditions(cs);
    }

    RestoreFacts facts() {
      return new RestoreFacts(restore, status, NOW, true, target, project, sourceEnvironment, source, sourceOf, safety, otherHolder, web,
          writers, runningReleases, unsuspendedSchedules, jobs, ownPods);
    }

    Decision decide() {
      return RestoreSteps.decide(facts(), new Conditions(status.getConditions(), 1, Clock.fixed(NOW, ZoneOffset.UTC)));
    }

    RestoreSteps.Cleanup cleanup() {
      return RestoreSteps.cleanup(facts(), new Conditions(status.getConditions(), 1, Clock.fixed(NOW, ZoneOffset.UTC)));
    }
  }

  private static Restore restore(String name, RestorePhase phase) {
    Restore r = new Restore();
    r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team-a").withUid(UID).withCreationTimestamp("2026-12-01T09:49:00Z")
        .build());
    r.setSpec(new RestoreSpec());
    r.getSpec().setEnvironment("shop-test");
    r.getSpec().setFrom(new RestoreSource());
    r.getSpec().getFrom().setBackup("test-dump");
    if (phase != null) {
      r.setStatus(new RestoreStatus());
      r.getStatus().setPhase(phase);
    }
    return r;
  }

  private static Environment environment(String name, Stage stage) {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team-a").withUid("env-" + name).withAnnotations(new LinkedHashMap<>())
        .build());
    EnvironmentSpec spec = new EnvironmentSpec();
    spec.setProject("shop");
    spec.setEnvironment(name.substring("shop-".length()));
    spec.setStage(stage);
    e.setSpec(spec);
    EnvironmentStatus status = new EnvironmentStatus();
    status.setImage("registry.example/shop@sha256:" + "a".repeat(64));
    status.setDatabase(new DatabaseStatus());
    status.getDatabase().setSecretName(name + "-database");
    status.setPhase(Phase.Ready);
    e.setStatus(status);
    return e;
  }

  private static Project project() {
    Project p = new Project();
    p.setMetadata(new ObjectMetaBuilder().withName("shop").withNamespace("team-a").build());
    p.setSpec(new ProjectSpec());
    return p;
  }

  private static Backup backup(String name, String environment, BackupPhase phase, Map<String, String> labels) {
    Backup b = new Backup();
    b.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team-a").withUid("b-" + name).withLabels(new LinkedHashMap<>(labels))
        .withCreationTimestamp("2026-12-01T09:55:00Z").build());
    b.setSpec(new BackupSpec());
    b.getSpec().setEnvironment(environment);
    b.setStatus(new BackupStatus());
    b.getStatus().setPhase(phase);
    b.getStatus().setSize("1.0 MiB");
    b.getStatus().setMessage(phase == BackupPhase.Failed ? "pg_dump exited with 1" : "stored 1.0 MiB");
    return b;
  }

  private static Pod pod(String name, String component, String phase) {
    return new PodBuilder().withNewMetadata().withName(name).addToLabels(Labels.COMPONENT, component).endMetadata()
        .withNewStatus().withPhase(phase).endStatus().build();
  }

  private static io.fabric8.kubernetes.api.model.Condition cond(String type, String status, String reason) {
    return new io.fabric8.kubernetes.api.model.ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage("")
        .withLastTransitionTime("2026-12-01T09:59:00Z").build();
  }

  private static io.fabric8.kubernetes.api.model.Condition condition(Decision d, String type) {
    return Conditions.find(d.status().getConditions(), type).orElseThrow(() -> new AssertionError("no condition " + type));
  }

  private static List<Class<?>> kinds(Decision d) {
    return d.actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  private static <T extends Action> T only(Decision d, Class<T> kind) {
    List<T> found = d.actions().stream().filter(kind::isInstance).map(kind::cast).toList();
    assertThat(found).as(kind.getSimpleName() + " in " + d.actions()).hasSize(1);
    return found.get(0);
  }
}
