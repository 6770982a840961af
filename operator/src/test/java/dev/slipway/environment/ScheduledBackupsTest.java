package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupScheduleStatus;
import dev.slipway.api.v1alpha1.BackupSchedules;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.BackupStatus;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.backup.CronSchedule;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScheduledBackupsTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:15:20Z");

  @Test
  void liveIsBackedUpDailyByDefaultAtAMinuteOfItsOwnAndOtherStagesNot() {
    Project project = project(null);
    String schedule = ScheduledBackups.effectiveSchedule(environment("shop-live", Stage.LIVE), project);
    assertThat(schedule).matches("[0-9]{1,2} [0-5] \\* \\* \\*");
    assertThat(ScheduledBackups.effectiveSchedule(environment("shop-live", Stage.LIVE), project)).as("stable").isEqualTo(schedule);
    assertThat(ScheduledBackups.effectiveSchedule(environment("blog-live", Stage.LIVE), project)).as("spread").isNotEqualTo(schedule);
    assertThat(ScheduledBackups.effectiveSchedule(environment("shop-test", Stage.TEST), project)).isNull();
    assertThat(ScheduledBackups.effectiveSchedule(environment("shop-local", Stage.LOCAL), project)).isNull();
    CronSchedule.parse(schedule);

    BackupSchedules declared = new BackupSchedules();
    declared.setLive("none");
    declared.setTest("*/5 * * * *");
    assertThat(ScheduledBackups.effectiveSchedule(environment("shop-live", Stage.LIVE), project(declared))).isNull();
    assertThat(ScheduledBackups.effectiveSchedule(environment("shop-test", Stage.TEST), project(declared))).isEqualTo("*/5 * * * *");
    assertThat(ScheduledBackups.keep(project(declared))).isEqualTo(7);
  }

  @Test
  void aNewScheduleWaitsForItsFirstTimeInsteadOfBackingUpAtOnce() {
    var plan = ScheduledBackups.plan(serving("shop-test", null), project(everyMinute(2)), List.of(), T0);
    assertThat(plan.create()).isNull();
    assertThat(plan.status().getSchedule()).isEqualTo("* * * * *");
    assertThat(plan.status().getNextScheduleTime()).isEqualTo("2026-12-01T10:16:00Z");
    assertThat(plan.recheckAfter()).isBetween(Duration.ofSeconds(40), Duration.ofSeconds(41));
  }

  @Test
  void beforeTheTimeNothingChangesSoAQuietReconcileWritesNothing() {
    BackupScheduleStatus waiting = status("* * * * *", "2026-12-01T10:16:00Z", null);
    var plan = ScheduledBackups.plan(serving("shop-test", waiting), project(everyMinute(2)), List.of(), T0);
    assertThat(plan.create()).isNull();
    assertThat(plan.status().getNextScheduleTime()).isEqualTo("2026-12-01T10:16:00Z");
    assertThat(plan.status().getKeep()).isEqualTo(2);
  }

  @Test
  void whenTheTimeCameOneBackupIsTakenNamedAfterIt() {
    BackupScheduleStatus due = status("* * * * *", "2026-12-01T10:15:00Z", null);
    var plan = ScheduledBackups.plan(serving("shop-test", due), project(everyMinute(2)), List.of(), T0);
    assertThat(plan.create().getMetadata().getName()).isEqualTo("shop-test-20261201-1015");
    assertThat(plan.create().getSpec().getEnvironment()).isEqualTo("shop-test");
    assertThat(plan.create().getMetadata().getLabels()).containsEntry(ScheduledBackups.KIND_LABEL, "scheduled");
    assertThat(plan.create().getMetadata().getAnnotations()).containsEntry(ScheduledBackups.SCHEDULED_FOR, "2026-12-01T10:15:00Z");
    assertThat(plan.status().getLastScheduleTime()).isEqualTo("2026-12-01T10:15:00Z");
    assertThat(plan.status().getLastBackup()).isEqualTo("shop-test-20261201-1015");
    assertThat(plan.status().getNextScheduleTime()).isEqualTo("2026-12-01T10:16:00Z");
  }

  @Test
  void timesMissedWhileTheOperatorWasDownAreRunOnceForTheLatest() {
    // Due at 10:05; the operator comes back at 10:15:20: one Backup, for 10:15, none for 10:05 to 10:14.
    BackupScheduleStatus missed = status("* * * * *", "2026-12-01T10:05:00Z", "2026-12-01T10:04:00Z");
    var plan = ScheduledBackups.plan(serving("shop-test", missed), project(everyMinute(2)), List.of(), T0);
    assertThat(plan.create().getMetadata().getName()).isEqualTo("shop-test-20261201-1015");
    assertThat(plan.status().getNextScheduleTime()).isEqualTo("2026-12-01T10:16:00Z");
    // And the nightly one, three nights missed: one Backup, for last night.
    BackupSchedules nightly = new BackupSchedules();
    nightly.setTest("0 3 * * *");
    var night = ScheduledBackups.plan(serving("shop-test", status("0 3 * * *", "2026-11-28T03:00:00Z", null)), project(nightly),
        List.of(), T0);
    assertThat(night.create().getMetadata().getName()).isEqualTo("shop-test-20261201-0300");
    assertThat(night.status().getNextScheduleTime()).isEqualTo("2026-12-02T03:00:00Z");
  }

  @Test
  void aScheduledBackupStillRunningOrARestoreDefersTheNextOne() {
    BackupScheduleStatus due = status("* * * * *", "2026-12-01T10:15:00Z", null);
    Backup running = backup("shop-test-20261201-1014", "scheduled", null, "2026-12-01T10:14:01Z");
    var plan = ScheduledBackups.plan(serving("shop-test", due), project(everyMinute(2)), List.of(running), T0);
    assertThat(plan.create()).isNull();
    assertThat(plan.status().getNextScheduleTime()).as("still due").isEqualTo("2026-12-01T10:15:00Z");
    assertThat(plan.recheckAfter()).isEqualTo(ScheduledBackups.BUSY_RECHECK);

    Environment restoring = serving("shop-test", due);
    restoring.getMetadata().setAnnotations(Map.of(Annotations.RESTORING, "copy-live"));
    assertThat(ScheduledBackups.plan(restoring, project(everyMinute(2)), List.of(), T0).create()).isNull();
  }

  @Test
  void anEnvironmentThatNeverRanHasNothingToBackUpAndSaysSo() {
    Environment fresh = environment("shop-test", Stage.TEST);
    fresh.setStatus(new EnvironmentStatus());
    fresh.getStatus().setBackupSchedule(status("* * * * *", "2026-12-01T10:15:00Z", null));
    var plan = ScheduledBackups.plan(fresh, project(everyMinute(2)), List.of(), T0);
    assertThat(plan.create()).isNull();
    assertThat(plan.status().getMessage()).contains("nothing is deployed yet");
    assertThat(plan.status().getNextScheduleTime()).isEqualTo("2026-12-01T10:16:00Z");
  }

  @Test
  void anInvalidScheduleIsShownAndWarnedOfOnce() {
    BackupSchedules broken = new BackupSchedules();
    broken.setTest("0 0 30 2 *");
    var plan = ScheduledBackups.plan(serving("shop-test", null), project(broken), List.of(), T0);
    assertThat(plan.status().getMessage()).isEqualTo("no Backups on schedule: the schedule 0 0 30 2 * never fires");
    assertThat(plan.warning()).isEqualTo(plan.status().getMessage());
    assertThat(ScheduledBackups.plan(serving("shop-test", plan.status()), project(broken), List.of(), T0).warning()).isNull();
  }

  @Test
  void retentionKeepsTheNewestThatSucceededOfEachKindAndNeverTouchesBackupsMadeByHand() {
    List<Backup> backups = new ArrayList<>();
    backups.add(backup("s1", "scheduled", BackupPhase.Succeeded, "2026-12-01T10:01:00Z"));
    backups.add(backup("s2", "scheduled", BackupPhase.Failed, "2026-12-01T10:02:00Z"));
    backups.add(backup("s3", "scheduled", BackupPhase.Succeeded, "2026-12-01T10:03:00Z"));
    backups.add(backup("s4", "scheduled", BackupPhase.Succeeded, "2026-12-01T10:04:00Z"));
    backups.add(backup("s5", "scheduled", BackupPhase.Failed, "2026-12-01T10:05:00Z"));
    backups.add(backup("s6", "scheduled", null, "2026-12-01T10:06:00Z"));
    backups.add(backup("p1", "pre-release", BackupPhase.Succeeded, "2026-12-01T09:00:00Z"));
    backups.add(backup("p2", "pre-release", BackupPhase.Succeeded, "2026-12-01T09:30:00Z"));
    backups.add(backup("p3", "pre-release", BackupPhase.Succeeded, "2026-12-01T09:45:00Z"));
    backups.add(backup("by-hand-1", null, BackupPhase.Succeeded, "2026-11-01T09:00:00Z"));
    backups.add(backup("by-hand-2", null, BackupPhase.Succeeded, "2026-11-02T09:00:00Z"));
    backups.add(backup("by-hand-3", null, BackupPhase.Succeeded, "2026-11-03T09:00:00Z"));

    var plan = ScheduledBackups.plan(serving("shop-test", null), project(everyMinute(2)), backups, T0);
    // s4, s3 kept (newest two that succeeded); s5 kept (a failure newer than them); s6 runs.
    assertThat(plan.prune()).extracting(b -> b.getMetadata().getName()).containsExactlyInAnyOrder("s2", "s1", "p1");
  }

  @Test
  void aScheduledBackupIsNamedAfterTheMinuteItWasDue() {
    assertThat(ScheduledBackups.name(environment("shop-live", Stage.LIVE), Instant.parse("2026-12-01T03:07:00Z")))
        .isEqualTo("shop-live-20261201-0307");
  }

  // --- fixtures ---

  private static BackupSchedules everyMinute(int keep) {
    BackupSchedules s = new BackupSchedules();
    s.setTest("* * * * *");
    s.setKeep(keep);
    return s;
  }

  private static Project project(BackupSchedules backups) {
    Project p = new Project();
    p.setMetadata(new ObjectMetaBuilder().withName("shop").withNamespace("team-a").build());
    p.setSpec(new ProjectSpec());
    p.getSpec().setDatabase(new DatabaseSpec());
    p.getSpec().getDatabase().setBackups(backups);
    return p;
  }

  private static Environment environment(String name, Stage stage) {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team-a").build());
    e.setSpec(new EnvironmentSpec());
    e.getSpec().setProject("shop");
    e.getSpec().setEnvironment(name.substring(name.indexOf('-') + 1));
    e.getSpec().setStage(stage);
    return e;
  }

  private static Environment serving(String name, BackupScheduleStatus schedule) {
    Environment e = environment(name, Stage.TEST);
    e.setStatus(new EnvironmentStatus());
    e.getStatus().setImage("registry/slipway/shop@sha256:" + "a".repeat(64));
    e.getStatus().setBackupSchedule(schedule);
    return e;
  }

  private static BackupScheduleStatus status(String schedule, String next, String last) {
    BackupScheduleStatus s = new BackupScheduleStatus();
    s.setSchedule(schedule);
    s.setNextScheduleTime(next);
    s.setLastScheduleTime(last);
    return s;
  }

  private static Backup backup(String name, String kind, BackupPhase phase, String created) {
    Backup b = new Backup();
    b.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team-a").withCreationTimestamp(created)
        .withLabels(kind == null ? Map.of() : Map.of(ScheduledBackups.KIND_LABEL, kind)).build());
    b.setSpec(new BackupSpec());
    b.getSpec().setEnvironment("shop-test");
    if (phase != null) {
      b.setStatus(new BackupStatus());
      b.getStatus().setPhase(phase);
    }
    return b;
  }
}
