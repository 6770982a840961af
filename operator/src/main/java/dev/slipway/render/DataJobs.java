package dev.slipway.render;

import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestoreSource;
import dev.slipway.api.v1alpha1.RestoreSpec;
import dev.slipway.backup.BackupStore;
import dev.slipway.backup.DumpJob;
import dev.slipway.backup.RestoreJobs;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.CredentialsSecret;
import dev.slipway.database.DatabaseKind;
import dev.slipway.release.MigrationJob;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a Backup and a Restore would run, made by the same code the Backup and Restore controllers
 * run: the dump Job, the restore Job, the release and sanitize Jobs, and the transfer Secrets
 * (with a stand-in for the presigned URL, which only the object store can sign).
 */
final class DataJobs {

  /** The uid a Backup or Restore would get from the API server; names and owners derive from it. */
  static final String PLACEHOLDER_UID = "00000000-0000-0000-0000-000000000000";
  static final URI PLACEHOLDER_URL = URI.create("https://backups.example.com/stand-in-for-a-presigned-url");

  /** {@code backup}: the Environment to back up; {@code restoreInto} and {@code restoreFrom}: a Restore's target and source. */
  record Request(String backup, String restoreInto, String restoreFrom) {
    static final Request NONE = new Request(null, null, null);
  }

  private DataJobs() {}

  static List<HasMetadata> render(Project project, List<HasMetadata> rendered, Request request, OperatorConfig config) {
    List<HasMetadata> objects = new ArrayList<>();
    BackupStore.Transfer transfer = new BackupStore.Transfer(PLACEHOLDER_URL, Map.of());
    if (request.backup() != null) {
      Environment environment = environment(rendered, request.backup(), project, config);
      Backup backup = new Backup();
      backup.setMetadata(meta(request.backup() + "-backup", environment));
      backup.setSpec(new BackupSpec());
      backup.getSpec().setEnvironment(request.backup());
      // (Stand-ins for what only the store can tell; fixed, so render prints the same every time.)
      BackupStore.Upload upload = new BackupStore.Upload("stand-in-upload-id", List.of(PLACEHOLDER_URL), Map.of(), java.time.Instant.EPOCH,
          java.time.Instant.EPOCH.plus(config.backupTimeout()));
      objects.add(DumpJob.transferSecret(backup, upload));
      objects.add(DumpJob.desired(backup, environment, image(rendered, request.backup()), CredentialsSecret.name(environment), upload, config));
    }
    if (request.restoreInto() != null) {
      Environment target = environment(rendered, request.restoreInto(), project, config);
      environment(rendered, request.restoreFrom(), project, config);
      Restore restore = new Restore();
      restore.setMetadata(meta(request.restoreInto() + "-restore", target));
      restore.setSpec(new RestoreSpec());
      restore.getSpec().setEnvironment(request.restoreInto());
      restore.getSpec().setFrom(new RestoreSource());
      restore.getSpec().getFrom().setEnvironment(request.restoreFrom());
      Deployment web = deployment(rendered, request.restoreInto());
      objects.add(RestoreJobs.transferSecret(restore, transfer));
      objects.add(RestoreJobs.restore(restore, target, image(rendered, request.restoreInto()), CredentialsSecret.name(target), transfer, config));
      if (MigrationJob.runs(project, true)) {
        objects.add(RestoreJobs.command(restore, RestoreJobs.RELEASE, web, MigrationJob.command(project), config));
      }
      List<String> sanitize = project.getSpec().getData() == null ? List.of() : project.getSpec().getData().getSanitize();
      if (!request.restoreInto().equals(request.restoreFrom()) && sanitize != null && !sanitize.isEmpty()) {
        objects.add(RestoreJobs.command(restore, RestoreJobs.SANITIZE, web, sanitize, config));
      }
    }
    return objects;
  }

  private static io.fabric8.kubernetes.api.model.ObjectMeta meta(String name, Environment environment) {
    return new ObjectMetaBuilder().withName(name).withNamespace(environment.getMetadata().getNamespace()).withUid(PLACEHOLDER_UID).build();
  }

  private static Environment environment(List<HasMetadata> rendered, String name, Project project, OperatorConfig config) {
    Environment environment = rendered.stream().filter(o -> o instanceof Environment && o.getMetadata().getName().equals(name))
        .map(Environment.class::cast).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("Project " + project.getMetadata().getName() + " has no Environment " + name));
    requireDatabase(environment, config);
    return environment;
  }

  private static Deployment deployment(List<HasMetadata> rendered, String name) {
    return rendered.stream().filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(name)).map(Deployment.class::cast)
        .findFirst().orElseThrow();
  }

  /** The image the environment's web pods run (the stand-in digest). */
  private static String image(List<HasMetadata> rendered, String name) {
    return deployment(rendered, name).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  /** A Backup or Restore needs a database: refused here as the controllers would wait forever. */
  private static void requireDatabase(Environment environment, OperatorConfig config) {
    if (DatabaseKind.of(environment.getSpec(), config) == DatabaseKind.NONE) {
      throw new IllegalArgumentException("Environment " + environment.getMetadata().getName() + " has no database to back up or restore");
    }
  }
}
