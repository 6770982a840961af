package dev.slipway.backup;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Restore;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Backups a Restore takes ({@code <restore>-source}, {@code <restore>-safety}) and reads: which
 * one is its own, which Project a Backup is of, and whose data it holds.
 */
final class RestoreBackups {

  static final String SOURCE = "source";
  static final String SAFETY = "safety";

  private RestoreBackups() {}

  static String name(Restore restore, String role) {
    return restore.getMetadata().getName() + "-" + role;
  }

  /** A Backup the Restore takes: labelled with its uid, not owned by it (deleting the Restore keeps it). */
  static Backup desired(Restore restore, String role, String environment) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.MANAGER);
    labels.put(Labels.RESTORE_NAME, restore.getMetadata().getName());
    labels.put(Labels.RESTORE_UID, restore.getMetadata().getUid());
    Backup backup = new Backup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name(restore, role)).withNamespace(restore.getMetadata().getNamespace())
        .withLabels(labels).build());
    backup.setSpec(new BackupSpec());
    backup.getSpec().setEnvironment(environment);
    return backup;
  }

  /**
   * Why a Backup with the name of one of the Restore's own is not its own (empty: it is): another
   * Restore's (an earlier one of the same name), made by hand, of another environment, or made
   * before the Restore was.
   */
  static Optional<String> notOwn(Backup backup, Restore restore, String environment) {
    Map<String, String> labels = backup.getMetadata().getLabels() == null ? Map.of() : backup.getMetadata().getLabels();
    String uid = labels.get(Labels.RESTORE_UID);
    if (uid == null || !uid.equals(restore.getMetadata().getUid())) {
      return Optional.of(labels.containsKey(Labels.RESTORE_NAME)
          ? "it was taken by an earlier Restore named " + labels.get(Labels.RESTORE_NAME)
          : "it was not made by a Restore");
    }
    String of = backup.getSpec() == null ? null : backup.getSpec().getEnvironment();
    if (!environment.equals(of)) {
      return Optional.of("it is a Backup of " + of + ", not of " + environment);
    }
    Optional<Instant> made = instant(backup.getMetadata().getCreationTimestamp());
    Optional<Instant> since = instant(restore.getMetadata().getCreationTimestamp());
    if (made.isPresent() && since.isPresent() && made.get().isBefore(since.get())) {
      return Optional.of("it was made " + backup.getMetadata().getCreationTimestamp() + ", before this Restore");
    }
    return Optional.empty();
  }

  /**
   * Why the Backup is not of an environment of the target's Project (empty: it is), judged by the
   * Environment it is of or, once that is gone, by the Project label the Backup got when it started.
   *
   * @param of the Environment the Backup is of, null when there is none of that name (any more)
   */
  static Optional<String> otherProject(Backup backup, Environment of, Environment target) {
    String environment = backup.getSpec() == null ? null : backup.getSpec().getEnvironment();
    String project = of != null ? of.getSpec().getProject()
        : backup.getMetadata().getLabels() == null ? null : backup.getMetadata().getLabels().get(Labels.PROJECT);
    String targetProject = target.getSpec().getProject();
    if (project == null) {
      return Optional.of("Backup " + backup.getMetadata().getName() + " is of " + environment
          + ", which no longer exists, and it does not say which Project it belongs to");
    }
    if (!project.equals(targetProject)) {
      return Optional.of("Backup " + backup.getMetadata().getName() + " is of " + environment + ", an environment of Project " + project
          + ", not of " + targetProject);
    }
    return Optional.empty();
  }

  /** Whose data the Backup holds: its environment's, unless that held another environment's data unsanitised. */
  static String dataOf(Backup backup) {
    Map<String, String> labels = backup.getMetadata().getLabels();
    String unsanitized = labels == null ? null : labels.get(Labels.UNSANITIZED_DATA);
    return unsanitized != null ? unsanitized : backup.getSpec().getEnvironment();
  }

  /** Whose data a fresh Backup of the environment will hold. */
  static String dataOf(Environment environment) {
    return RestoreHold.unsanitizedFrom(environment).orElse(environment.getMetadata().getName());
  }

  private static Optional<Instant> instant(String time) {
    try {
      return time == null ? Optional.empty() : Optional.of(Instant.parse(time));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
