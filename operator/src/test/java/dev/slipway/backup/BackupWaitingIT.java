package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestoreSource;
import dev.slipway.api.v1alpha1.RestoreSpec;
import dev.slipway.config.OperatorConfig;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Backup that cannot start yet waits and says why, and one that never can fails, on the real API server (no pod runs here:
 * taking a dump is shown on the real node by RealNodeGoldenPathIT).
 */
@ControlPlaneTest
class BackupWaitingIT {

  private static MotoServer moto;
  private static RunningOperator operator;

  @BeforeAll
  static void start(TestNamespace ns) {
    moto = MotoServer.start();
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("SLIPWAY_WATCH_NAMESPACES", ns.name()),
        Map.entry("SLIPWAY_HTTP_PORT", "0"),
        Map.entry("SLIPWAY_LEADER_ELECTION", "false"),
        Map.entry("SLIPWAY_LEASE_NAMESPACE", ns.name()),
        Map.entry("SLIPWAY_AWS_REGION", MotoServer.REGION),
        Map.entry("SLIPWAY_RDS_ENDPOINT", moto.endpoint().toString()),
        Map.entry("SLIPWAY_AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY),
        Map.entry("SLIPWAY_AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY),
        Map.entry("SLIPWAY_BACKUP_BUCKET", "slipway-backups"),
        Map.entry("SLIPWAY_BACKUP_ENDPOINT", moto.endpoint().toString())));
    operator = RunningOperator.start(config, ns.controlPlane());
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void aBackupOfAnEnvironmentThatIsNotThereOrHasNoDatabaseWaitsSaysWhyAndCanBeDeleted(KubernetesClient client, TestNamespace ns,
      LocalControlPlane cp) {
    client.resource(backup(ns, "typo", "shop-tset")).create();
    Backup typo = awaitReason(client, ns, "typo", "EnvironmentNotFound");
    assertThat(typo.getStatus().getPhase()).isEqualTo(BackupPhase.Pending);
    assertThat(typo.getStatus().getMessage()).isEqualTo("no Environment shop-tset in this namespace");
    var table = cp.kubectl("get", "bkp", "typo", "-n", ns.name());
    assertThat(table.exitCode()).as(table.output()).isZero();
    assertThat(table.output().lines().toList().get(0)).contains("ENVIRONMENT", "PHASE", "SIZE", "AGE");
    assertThat(table.output().lines().toList().get(1)).contains("typo", "shop-tset", "Pending");

    // A project without a database: its environment exists, and the Backup fails saying what it lacks.
    Project project = Environments.project(ns.name(), "static", "https://git.invalid/static.git",
        List.of(Environments.entry("test", "develop", true)));
    DatabaseSpec none = new DatabaseSpec();
    none.setMode(DatabaseMode.NONE);
    project.getSpec().setDatabase(none);
    client.resource(project).create();
    client.resource(backup(ns, "nothing-to-dump", "static-test")).create();
    Backup refused = awaitReason(client, ns, "nothing-to-dump", "NoDatabase");
    assertThat(refused.getStatus().getPhase()).isEqualTo(BackupPhase.Failed);
    assertThat(refused.getStatus().getMessage()).isEqualTo("Environment static-test has no database to back up: its project's database mode is none");
    assertThat(refused.getStatus().getJob()).as("no Job was made").isNull();

    // A Backup a Restore still has to read is kept until that Restore is over (here: deleted).
    Restore reading = new Restore();
    reading.setMetadata(new ObjectMetaBuilder().withName("put-it-back").withNamespace(ns.name()).build());
    reading.setSpec(new RestoreSpec());
    reading.getSpec().setEnvironment("static-tset");
    reading.getSpec().setFrom(new RestoreSource());
    reading.getSpec().getFrom().setBackup("typo");
    client.resource(reading).create();
    client.resource(typo).delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> client.v1().events().inNamespace(ns.name()).list().getItems().stream()
        .anyMatch(e -> "typo".equals(e.getInvolvedObject().getName()) && "DeletionWaiting".equals(e.getReason())
            && e.getMessage().equals("kept until Restore put-it-back, which reads it, has finished")));
    Backup held = client.resources(Backup.class).inNamespace(ns.name()).withName("typo").get();
    assertThat(held).as("still there").isNotNull();
    assertThat(held.getMetadata().getDeletionTimestamp()).isNotNull();
    client.resource(reading).delete();

    // Deleting a Backup that never stored anything is not held up by its finalizer.
    client.resources(Backup.class).inNamespace(ns.name()).withName("nothing-to-dump").delete();
    await().atMost(Duration.ofSeconds(40)).until(() -> client.resources(Backup.class).inNamespace(ns.name()).list().getItems().isEmpty());
    assertThat(client.v1().events().inNamespace(ns.name()).list().getItems().stream()
        .filter(e -> "DeletionWaiting".equals(e.getReason())).count()).as("said once").isEqualTo(1);
  }

  private static Backup backup(TestNamespace ns, String name, String environment) {
    Backup backup = new Backup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns.name()).build());
    backup.setSpec(new BackupSpec());
    backup.getSpec().setEnvironment(environment);
    return backup;
  }

  private static Backup awaitReason(KubernetesClient client, TestNamespace ns, String name, String reason) {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> client.resources(Backup.class).inNamespace(ns.name()).withName(name).get(),
            b -> b != null && b.getStatus() != null && reason.equals(b.getStatus().getReason()));
  }
}
