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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Backup a live environment takes before a new release's command (migrations) may change its
 * data. Named after the environment, the commit and the attempt, so each release (and each retry)
 * has its own, and the release history links it.
 */
final class PreReleaseBackup {

  /** On the Backup: the commit whose release it precedes. */
  static final String RELEASE_LABEL = "slipway.dev/before-release";

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

  static void create(KubernetesClient client, Environment environment, Release target, String name) {
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment(environment.getSpec().getProject(), environment.getSpec().getEnvironment()));
    labels.put(ScheduledBackups.KIND_LABEL, ScheduledBackups.PRE_RELEASE);
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
