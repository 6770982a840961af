package dev.slipway.environment;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.config.OperatorConfig;
import dev.slipway.deploy.Release;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The Backup a live environment takes before a new release's command (migrations) may change its
 * data. Named after the environment, the commit and the attempt, so each release (and each retry)
 * has its own, and the release history links it.
 */
final class PreReleaseBackup {

  /** On the Backup: the commit whose release it precedes. */
  static final String RELEASE_LABEL = "slipway.dev/before-release";

  /** Reason of a release whose Backup's name is taken by one that was not taken for it. */
  static final String NAME_TAKEN = "BackupNameTaken";

  /**
   * How much earlier than the release's entry (operator's clock) its Backup may have been made
   * (API server's clock): clocks drift, and a restart may come between the two writes.
   */
  static final Duration CLOCK_SLACK = Duration.ofMinutes(2);

  private PreReleaseBackup() {}

  /**
   * Live stage, backup storage configured, not turned off by the Project, and data to keep:
   * something serves already (the first release has nothing to protect, and no image to upload with).
   */
  static boolean wanted(Environment environment, Project project, OperatorConfig config, String serving) {
    var database = project.getSpec() == null ? null : project.getSpec().getDatabase();
    return environment.getSpec().getStage() == Stage.LIVE && config.backupBucket().isPresent() && serving != null
        && (database == null || !Boolean.FALSE.equals(database.getBackupBeforeRelease()));
  }

  /** {@code <environment>-pre-<12 hex of the commit>}, then {@code -<attempt>} for a retried release. */
  static String name(Environment environment, Release target, int attempt) {
    String commit = target.commit() == null ? "0".repeat(12) : target.commit().substring(0, Math.min(12, target.commit().length()));
    return environment.getMetadata().getName() + "-pre-" + commit + (attempt <= 1 ? "" : "-" + attempt);
  }

  /**
   * Why an existing Backup of this name is not the one to back this release up with (empty: it
   * is): one of another environment, of an older Environment of the same name, of another commit,
   * or made before this release was decided (a release of the same commit the history forgot).
   *
   * @param startedAt when this attempt of the release started (null: it starts now)
   */
  static Optional<String> notOwn(Backup backup, Environment environment, Release target, String startedAt, Instant now) {
    String name = "Backup " + backup.getMetadata().getName() + " exists but was not taken for this release";
    Map<String, String> labels = backup.getMetadata().getLabels() == null ? Map.of() : backup.getMetadata().getLabels();
    if (backup.getSpec() == null || !environment.getMetadata().getName().equals(backup.getSpec().getEnvironment())) {
      return Optional.of(name + " (it is of " + (backup.getSpec() == null ? "no environment" : backup.getSpec().getEnvironment()) + ")");
    }
    if (!Objects.equals(environment.getMetadata().getUid(), labels.get(Labels.ENVIRONMENT_UID))) {
      return Optional.of(name + " (it was not made by this Environment: an earlier one of that name, or by hand)");
    }
    if (target.commit() != null && !target.commit().equals(labels.get(RELEASE_LABEL))) {
      return Optional.of(name + " (it precedes the release of " + labels.get(RELEASE_LABEL) + ")");
    }
    Instant since = startedAt == null ? now : parse(startedAt).orElse(now);
    Optional<Instant> created = parse(backup.getMetadata().getCreationTimestamp());
    if (created.isEmpty() || created.get().isBefore(since.minus(CLOCK_SLACK))) {
      return Optional.of(name + " (it was made " + backup.getMetadata().getCreationTimestamp() + ", before this release was decided)");
    }
    return Optional.empty();
  }

  private static Optional<Instant> parse(String time) {
    try {
      return time == null ? Optional.empty() : Optional.of(Instant.parse(time));
    } catch (java.time.format.DateTimeParseException e) {
      return Optional.empty();
    }
  }

  static void create(KubernetesClient client, Environment environment, Release target, String name) {
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment(environment.getSpec().getProject(), environment.getSpec().getEnvironment()));
    labels.put(ScheduledBackups.KIND_LABEL, ScheduledBackups.PRE_RELEASE);
    if (environment.getMetadata().getUid() != null) {
      labels.put(Labels.ENVIRONMENT_UID, environment.getMetadata().getUid());
    }
    if (target.commit() != null) {
      labels.put(RELEASE_LABEL, target.commit());
    }
    Backup backup = new Backup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(environment.getMetadata().getNamespace()).withLabels(labels).build());
    backup.setSpec(new BackupSpec());
    backup.getSpec().setEnvironment(environment.getMetadata().getName());
    try {
      client.resource(backup).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }
}
