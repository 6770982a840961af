package dev.slipway.environment;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupScheduleStatus;
import dev.slipway.api.v1alpha1.BackupSchedules;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.backup.CronSchedule;
import dev.slipway.backup.RestoreHold;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * An environment's Backups on a schedule, and the retention of the Backups Slipway takes by itself
 * (scheduled ones and those before live releases; Backups made by hand are kept until deleted).
 *
 * <p>The state is the environment's status: the next time a Backup is due. When a reconcile finds
 * that time passed, it takes one Backup for the latest time the schedule fired, however many were
 * missed while the operator was down, and computes the next time from now: missed times run once.
 */
final class ScheduledBackups {

  /** On Backups Slipway takes by itself: {@link #SCHEDULED} or {@link #PRE_RELEASE}. */
  static final String KIND_LABEL = "slipway.dev/backup-kind";
  static final String SCHEDULED = "scheduled";
  static final String PRE_RELEASE = "pre-release";
  /** On a scheduled Backup: the time it was due (RFC 3339). */
  static final String SCHEDULED_FOR = "slipway.dev/scheduled-for";

  static final int DEFAULT_KEEP = 7;
  static final String NONE = "none";
  /** While a scheduled Backup runs or a Restore holds the environment, the due time waits this long between looks. */
  static final Duration BUSY_RECHECK = Duration.ofSeconds(30);
  /** Rescheduled a little after the due time, so that the clock has passed it when the reconcile runs. */
  private static final Duration SLACK = Duration.ofMillis(500);
  private static final DateTimeFormatter SLOT_NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmm").withZone(ZoneOffset.UTC);

  /**
   * What one reconcile does: the status to show (null: no schedule), a Backup to create, Backups to
   * delete, and when to look again (null: no need).
   */
  record Plan(BackupScheduleStatus status, Backup create, List<Backup> prune, Duration recheckAfter, String warning) {}

  private ScheduledBackups() {}

  /** The schedule in effect for an environment, or null: the Project's for its stage, else daily for live. */
  static String effectiveSchedule(Environment environment, Project project) {
    Stage stage = environment.getSpec().getStage() == null ? Stage.TEST : environment.getSpec().getStage();
    BackupSchedules declared = declared(project);
    String schedule = declared == null ? null : declared.forStage(stage);
    if (schedule != null && !schedule.isBlank()) {
      return NONE.equals(schedule.trim()) ? null : schedule.trim();
    }
    return stage == Stage.LIVE ? spreadDaily(environment) : null;
  }

  /**
   * Daily, at a minute between 00:00 and 05:59 UTC that depends on the environment's namespace and
   * name: a platform's live environments do not all dump at the same minute.
   */
  static String spreadDaily(Environment environment) {
    CRC32 crc = new CRC32();
    crc.update((environment.getMetadata().getNamespace() + "/" + environment.getMetadata().getName()).getBytes(StandardCharsets.UTF_8));
    long h = crc.getValue();
    return (h % 60) + " " + ((h / 60) % 6) + " * * *";
  }

  static int keep(Project project) {
    BackupSchedules declared = declared(project);
    return declared == null || declared.getKeep() == null ? DEFAULT_KEEP : declared.getKeep();
  }

  /** {@code <environment>-<yyyyMMdd-HHmm>} of the time it was due. */
  static String name(Environment environment, Instant slot) {
    return environment.getMetadata().getName() + "-" + SLOT_NAME.format(slot);
  }

  static Plan plan(Environment environment, Project project, Collection<Backup> backups, Instant now) {
    int keep = keep(project);
    List<Backup> prune = new ArrayList<>(prune(backups, SCHEDULED, keep));
    prune.addAll(prune(backups, PRE_RELEASE, keep));
    String schedule = effectiveSchedule(environment, project);
    if (schedule == null) {
      return new Plan(null, null, prune, null, null);
    }
    BackupScheduleStatus previous = environment.getStatus() == null ? null : environment.getStatus().getBackupSchedule();
    BackupScheduleStatus status = new BackupScheduleStatus();
    status.setSchedule(schedule);
    status.setKeep(keep);
    if (previous != null) {
      status.setLastScheduleTime(previous.getLastScheduleTime());
      status.setLastBackup(previous.getLastBackup());
    }
    CronSchedule cron;
    try {
      cron = CronSchedule.parse(schedule);
    } catch (IllegalArgumentException e) {
      status.setMessage("no Backups on schedule: " + e.getMessage());
      boolean news = previous == null || !Objects.equals(previous.getMessage(), status.getMessage());
      return new Plan(status, null, prune, null, news ? status.getMessage() : null);
    }

    Instant next = previous != null && schedule.equals(previous.getSchedule()) ? instant(previous.getNextScheduleTime()) : null;
    if (next == null) {
      // A new schedule (or a changed one) starts from now: its first time is the next it fires.
      return waitFor(status, cron.next(now).orElse(null), now, prune);
    }
    if (now.isBefore(next)) {
      status.setMessage(previous.getMessage()); // (it says why the last due time made no Backup)
      return waitFor(status, next, now, prune);
    }
    if (environment.getStatus() == null || environment.getStatus().getImage() == null) {
      // Nothing was ever deployed: there are no data to keep, and no image to upload with.
      status.setMessage("skipped " + next + ": nothing is deployed yet");
      return waitFor(status, cron.next(now).orElse(null), now, prune);
    }
    if (RestoreHold.holder(environment).isPresent() || backups.stream().anyMatch(b -> SCHEDULED.equals(kind(b)) && !done(b))) {
      // A Restore holds the data, or the last scheduled Backup still runs: this one is taken after.
      status.setNextScheduleTime(next.toString());
      status.setMessage(previous.getMessage());
      return new Plan(status, null, prune, BUSY_RECHECK, null);
    }
    Instant slot = cron.previous(now).orElse(next);
    Backup backup = backup(environment, slot);
    status.setLastScheduleTime(slot.toString());
    status.setLastBackup(backup.getMetadata().getName());
    status.setMessage(null);
    Plan after = waitFor(status, cron.next(now).orElse(null), now, prune);
    return new Plan(after.status(), backup, prune, after.recheckAfter(), null);
  }

  /** Makes what the plan says; a Backup already there (a reconcile that ran twice) is fine. */
  static void apply(Plan plan, KubernetesClient client, Environment environment, EventRecorder events) {
    if (plan.warning() != null) {
      events.warning(environment, "BackupScheduleInvalid", plan.warning());
    }
    if (plan.create() != null) {
      try {
        client.resource(plan.create()).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    for (Backup old : plan.prune()) {
      client.resource(old).delete();
      events.normal(environment, "BackupExpired", "removed " + kind(old) + " Backup " + old.getMetadata().getName()
          + ": newer ones are kept");
    }
  }

  /**
   * The Backups of one kind to delete: all finished ones but the newest {@code keep} that succeeded,
   * and failures newer than all of those (they say what goes wrong now) up to {@code keep} of them.
   */
  static List<Backup> prune(Collection<Backup> backups, String kind, int keep) {
    List<Backup> finished = backups.stream()
        .filter(b -> kind.equals(kind(b)) && done(b) && b.getMetadata().getDeletionTimestamp() == null)
        .sorted(Comparator.comparing((Backup b) -> Objects.toString(b.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(b -> b.getMetadata().getName()).reversed())
        .toList();
    List<Backup> prune = new ArrayList<>();
    int succeeded = 0;
    int failed = 0;
    for (Backup b : finished) {
      if (b.getStatus().getPhase() == BackupPhase.Succeeded) {
        if (++succeeded > keep) {
          prune.add(b);
        }
      } else if (succeeded > 0 || ++failed > keep) {
        prune.add(b);
      }
    }
    return prune;
  }

  static String kind(Backup backup) {
    Map<String, String> labels = backup.getMetadata().getLabels();
    if (labels == null) {
      return null;
    }
    String kind = labels.get(KIND_LABEL);
    // Backups before releases made by earlier versions carry only the release label.
    return kind != null ? kind : labels.containsKey(PreReleaseBackup.RELEASE_LABEL) ? PRE_RELEASE : null;
  }

  private static Backup backup(Environment environment, Instant slot) {
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment(environment.getSpec().getProject(),
        environment.getSpec().getEnvironment()));
    labels.put(KIND_LABEL, SCHEDULED);
    Backup backup = new Backup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name(environment, slot)).withNamespace(environment.getMetadata().getNamespace())
        .withLabels(labels).withAnnotations(Map.of(SCHEDULED_FOR, slot.toString())).build());
    backup.setSpec(new BackupSpec());
    backup.getSpec().setEnvironment(environment.getMetadata().getName());
    return backup;
  }

  private static Plan waitFor(BackupScheduleStatus status, Instant next, Instant now, List<Backup> prune) {
    status.setNextScheduleTime(next == null ? null : next.toString());
    return new Plan(status, null, prune, next == null ? null : Duration.between(now, next).plus(SLACK), null);
  }

  private static boolean done(Backup b) {
    return b.getStatus() != null && b.getStatus().getPhase() != null && b.getStatus().getPhase().done();
  }

  private static BackupSchedules declared(Project project) {
    return project == null || project.getSpec() == null || project.getSpec().getDatabase() == null ? null
        : project.getSpec().getDatabase().getBackups();
  }

  private static Instant instant(String text) {
    try {
      return text == null ? null : Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
