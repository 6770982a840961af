package dev.slipway.backup;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.config.OperatorConfig;
import dev.slipway.resources.PodResources;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Jobs of a Restore: the restore itself (the environment's image fetches the dump from a
 * presigned URL, then {@code pg_restore} in the Postgres image loads it as the environment's own
 * role), and the commands run afterwards with the environment's image and settings (release,
 * sanitize), taken from its web Deployment so they run exactly as the web pods would.
 */
public final class RestoreJobs {

  public static final String RESTORE = "restore";
  public static final String RELEASE = "release";
  public static final String SANITIZE = "sanitize";

  private RestoreJobs() {}

  /** {@code <restore, cut to 40>-<8 hex of its uid>-<step>}: at most 58 characters. */
  public static String name(Restore restore, String step) {
    String name = restore.getMetadata().getName();
    String cut = name.length() > 40 ? name.substring(0, 40).replaceAll("[-.]+$", "") : name;
    return cut.replace('.', '-') + "-" + DumpJob.uid8(restore.getMetadata().getUid()) + "-" + step;
  }

  public static String transferSecretName(Restore restore) {
    return name(restore, RESTORE) + "-transfer";
  }

  static Map<String, String> labels(Restore restore) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.MANAGER);
    labels.put(Labels.COMPONENT, Labels.RESTORE);
    labels.put(Labels.RESTORE_NAME, restore.getMetadata().getName());
    return labels;
  }

  public static Secret transferSecret(Restore restore, BackupStore.Transfer transfer) {
    return OneShotJob.transferSecret(restore, transferSecretName(restore), labels(restore),
        Map.of(Transfers.URL_VARIABLE, transfer.url().toString()));
  }

  public static Secret spentTransferSecret(Restore restore) {
    return OneShotJob.transferSecret(restore, transferSecretName(restore), labels(restore), null);
  }

  /**
   * Fetch the dump (environment's image), then pg_restore it into the environment's database,
   * with the backup resources of the target's project (its dump volume holds the whole dump).
   */
  public static Job restore(Restore restore, Environment target, String appImage, String databaseSecret, BackupStore.Transfer transfer,
      OperatorConfig config) {
    ResourceRequirements resources = DumpJob.resources(target, config);
    Container download = new ContainerBuilder()
        .withName("download")
        .withImage(appImage)
        .withArgs("python", "-c", Transfers.DOWNLOAD)
        .withEnv(new EnvVarBuilder().withName(Transfers.URL_VARIABLE)
                .withNewValueFrom().withNewSecretKeyRef(Transfers.URL_VARIABLE, transferSecretName(restore), false).endValueFrom().build(),
            new EnvVarBuilder().withName(Transfers.HEADERS_VARIABLE).withValue(Serialization.asJson(transfer.headers())).build())
        .withVolumeMounts(new VolumeMountBuilder().withName(OneShotJob.VOLUME).withMountPath(Transfers.DIRECTORY).build())
        .withResources(resources)
        .withSecurityContext(DumpJob.appUser())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
    Container load = new ContainerBuilder()
        .withName(RESTORE)
        .withImage(config.backupPostgresImage())
        .withCommand("pg_restore")
        // One transaction: a restore that fails leaves the database as it was.
        .withArgs("--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
            "--dbname=$(PGDATABASE)", Transfers.DUMP)
        .withEnv(DumpJob.libpqEnv(databaseSecret))
        .withVolumeMounts(new VolumeMountBuilder().withName(OneShotJob.VOLUME).withMountPath(Transfers.DIRECTORY).withReadOnly(true).build())
        .withResources(resources)
        .withSecurityContext(DumpJob.postgresUser())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
    return OneShotJob.of(restore, name(restore, RESTORE), labels(restore), config.backupTimeout(), OneShotJob.restricted(), List.of(),
        List.of(download), List.of(load), PodResources.ephemeralStorageLimit(resources));
  }

  /** {@code command} with the web Deployment's image, settings and security (release, sanitize). */
  public static Job command(Restore restore, String step, Deployment web, List<String> command, OperatorConfig config) {
    PodSpec pod = web.getSpec().getTemplate().getSpec();
    Container app = pod.getContainers().get(0);
    Container run = new ContainerBuilder()
        .withName(step)
        .withImage(app.getImage())
        .withArgs(command)
        .withEnv(app.getEnv())
        .withResources(app.getResources())
        .withSecurityContext(app.getSecurityContext())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
    return OneShotJob.of(restore, name(restore, step), labels(restore), config.migrationTimeout(), pod.getSecurityContext(),
        pod.getImagePullSecrets(), List.of(), List.of(run), null);
  }
}
