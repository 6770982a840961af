package dev.slipway.backup;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.config.OperatorConfig;
import dev.slipway.resources.PodResources;
import dev.slipway.resources.Workload;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Job that takes a Backup: {@code pg_dump} (custom format) in the Postgres image writes the
 * dump to an emptyDir, then the environment's own image PUTs it to the presigned URL. The
 * database password reaches the pod only by secretKeyRef from the environment's credentials
 * Secret; the URL only by secretKeyRef from the Backup's transfer Secret.
 */
public final class DumpJob {

  public static final String DUMP_CONTAINER = "dump";
  public static final String UPLOAD_CONTAINER = "upload";
  /** The uid of the postgres user in the official Postgres image (and in the test image). */
  static final long POSTGRES_UID = 999;

  static final String TRANSFER_VOLUME = "transfer";
  /** On the transfer Secret: the multipart upload its URLs are for, when they were signed, when they expire. */
  static final String UPLOAD_ID = "slipway.dev/upload-id";
  static final String URLS_SIGNED = "slipway.dev/urls-signed";
  static final String URLS_EXPIRE = "slipway.dev/urls-expire";

  private DumpJob() {}

  /** {@code <backup, cut to 44>-<8 hex of its uid>-dump}: at most 58 characters. */
  public static String name(Backup backup) {
    String name = backup.getMetadata().getName();
    String cut = name.length() > 44 ? name.substring(0, 44).replaceAll("[-.]+$", "") : name;
    return cut.replace('.', '-') + "-" + uid8(backup) + "-dump";
  }

  public static String transferSecretName(Backup backup) {
    return name(backup) + "-transfer";
  }

  static String uid8(String uid) {
    return uid.replace("-", "").substring(0, 8);
  }

  private static String uid8(Backup backup) {
    return uid8(backup.getMetadata().getUid());
  }

  /**
   * Where a Backup's dump is stored: {@code <namespace>/<environment>/<backup>-<8 hex of its uid>.dump}.
   * The uid keeps a Backup made again under the same name from overwriting the old dump.
   */
  public static String objectKey(Backup backup) {
    return backup.getMetadata().getNamespace() + "/" + backup.getSpec().getEnvironment() + "/" + backup.getMetadata().getName()
        + "-" + uid8(backup) + ".dump";
  }

  /**
   * The Secret holding the presigned part URLs, one per line; owned by the Backup. Its
   * annotations say which upload they belong to and when they were signed and expire (none of
   * that is secret), so the operator signs them again in time, after a restart too.
   */
  public static Secret transferSecret(Backup backup, BackupStore.Upload upload) {
    Secret secret = OneShotJob.transferSecret(backup, transferSecretName(backup), labels(backup), Map.of(Transfers.URLS_KEY,
        String.join("\n", upload.partUrls().stream().map(Object::toString).toList())));
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(UPLOAD_ID, upload.uploadId());
    annotations.put(URLS_SIGNED, upload.signedAt().toString());
    annotations.put(URLS_EXPIRE, upload.expiresAt().toString());
    secret.getMetadata().setAnnotations(annotations);
    return secret;
  }

  /** The same Secret with nothing in it: applied once the URL is no longer needed. */
  public static Secret spentTransferSecret(Backup backup) {
    return OneShotJob.transferSecret(backup, transferSecretName(backup), labels(backup), null);
  }

  static Map<String, String> labels(Backup backup) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.MANAGER);
    labels.put(Labels.COMPONENT, Labels.BACKUP);
    labels.put(Labels.BACKUP_NAME, backup.getMetadata().getName());
    return labels;
  }

  /**
   * The dump Job. {@code appImage} is the image the environment runs (it has Python for the
   * upload); {@code databaseSecret} its credentials Secret.
   */
  public static Job desired(Backup backup, Environment environment, String appImage, String databaseSecret,
      BackupStore.Upload upload, OperatorConfig config) {
    Map<String, String> labels = labels(backup);
    ResourceRequirements resources = resources(environment, config);
    labels.put(Labels.PROJECT, environment.getSpec().getProject());
    labels.put(Labels.ENVIRONMENT, environment.getSpec().getEnvironment());
    Container dump = new ContainerBuilder()
        .withName(DUMP_CONTAINER)
        .withImage(config.backupPostgresImage())
        .withCommand("pg_dump")
        // Custom format: compressed, and pg_restore can pick, reorder and --clean from it.
        .withArgs("--format=custom", "--no-owner", "--no-privileges", "--file=" + Transfers.DUMP)
        .withEnv(libpqEnv(databaseSecret))
        .withVolumeMounts(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName(OneShotJob.VOLUME).withMountPath(Transfers.DIRECTORY).build())
        .withResources(resources)
        .withSecurityContext(postgresUser())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
    Container uploader = new ContainerBuilder()
        .withName(UPLOAD_CONTAINER)
        .withImage(appImage)
        .withArgs("python", "-c", Transfers.UPLOAD)
        .withEnv(new EnvVarBuilder().withName(Transfers.PART_SIZE_VARIABLE).withValue(Long.toString(Transfers.PART_SIZE)).build(),
            new EnvVarBuilder().withName(Transfers.HEADERS_VARIABLE).withValue(Serialization.asJson(upload.headers())).build())
        .withVolumeMounts(new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName(OneShotJob.VOLUME).withMountPath(Transfers.DIRECTORY)
            .withReadOnly(true).build(),
            // A volume, not a variable: two hundred URLs are more than one variable may hold (128 KiB).
            new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName(TRANSFER_VOLUME).withMountPath(Transfers.SECRET_DIRECTORY)
            .withReadOnly(true).build())
        .withResources(resources)
        .withSecurityContext(appUser())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
    // The dump runs first and must finish; only then is there something to upload.
    Job job = OneShotJob.of(backup, name(backup), labels, config.backupTimeout(), OneShotJob.restricted(), List.of(), List.of(dump),
        List.of(uploader), PodResources.ephemeralStorageLimit(resources));
    job.getSpec().getTemplate().getSpec().getVolumes().add(new VolumeBuilder().withName(TRANSFER_VOLUME)
        .withNewSecret().withSecretName(transferSecretName(backup)).withDefaultMode(0444).endSecret().build());
    return job;
  }

  /** libpq's variables from the credentials Secret, each by secretKeyRef. */
  static List<EnvVar> libpqEnv(String databaseSecret) {
    List<EnvVar> env = new ArrayList<>();
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("PGHOST", "host");
    keys.put("PGPORT", "port");
    keys.put("PGDATABASE", "name");
    keys.put("PGUSER", "user");
    keys.put("PGPASSWORD", "password");
    keys.forEach((variable, key) -> env.add(new EnvVarBuilder().withName(variable)
        .withNewValueFrom().withNewSecretKeyRef(key, databaseSecret, false).endValueFrom().build()));
    // libpq's default: TLS when the server offers it (RDS does), plain on a local server.
    env.add(new EnvVarBuilder().withName("PGSSLMODE").withValue("prefer").build());
    env.add(new EnvVarBuilder().withName("PGCONNECT_TIMEOUT").withValue("20").build());
    return env;
  }

  /** The dump and restore Jobs' resources: the platform's backup settings, with the project's spec.resources.backup. */
  static ResourceRequirements resources(Environment environment, OperatorConfig config) {
    return PodResources.requirements(Workload.BACKUP, PodResources.declared(environment.getSpec().getResources(), Workload.BACKUP), config);
  }

  static SecurityContext postgresUser() {
    return new SecurityContextBuilder()
        .withRunAsUser(POSTGRES_UID).withRunAsGroup(POSTGRES_UID)
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .build();
  }

  static SecurityContext appUser() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .build();
  }
}
