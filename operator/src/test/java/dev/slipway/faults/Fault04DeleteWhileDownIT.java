package dev.slipway.faults;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.database.rds.RdsProvisioner;
import dev.slipway.database.shared.SharedPostgresProvisioner;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * Scenario 4, delete while the operator is down: Projects with a dedicated database (test and
 * live: policies Delete and Snapshot) and a shared one are deleted while the operator (the jar)
 * is SIGKILLed; the finalizers hold the Environments. After a start every finalizer completes:
 * no instance in moto (live's final snapshot is there, as its policy says), no database or role
 * on the shared server, no Environment, no credentials Secret.
 */
@FaultTest
class Fault04DeleteWhileDownIT {

  @Test
  @Scenario(value = 4, name = "delete while the operator is down")
  void everyFinalizerCompletesAfterStart(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    try (MotoServer moto = MotoServer.start(); AwsProxy proxy = AwsProxy.in(moto.endpoint());
        RdsClient rds = RdsProvisioner.client(moto.settings()); LocalPostgres postgres = LocalPostgres.start()) {
      Canary.searchAlso(moto.log());
      Canary.searchAlso(postgres.logFile());
      Canary.secret(postgres.adminPassword());
      client.resource(postgres.adminSecret("shared-db", n)).create();
      Map<String, String> env = FaultRig.rdsEnv(cp, ns, proxy);
      env.put("SLIPWAY_SHARED_DATABASE_SECRET", "shared-db");
      env.put("SLIPWAY_LEASE_NAMESPACE", n);

      client.resource(FaultRig.rdsProject(ns, "dedi", "https://git.invalid/acme/dedi.git",
          List.of(entry("test", "develop", true), entry("live", "develop", false)))).create();
      Project shared = Environments.project(n, "pool", "https://git.invalid/acme/pool.git", List.of(entry("test", "develop", true)));
      DatabaseSpec db = new DatabaseSpec();
      db.setMode(DatabaseMode.SHARED);
      shared.getSpec().setDatabase(db);
      client.resource(shared).create();

      OperatorJar first = OperatorJar.start(cp, "faults-4a", env, log);
      try {
        for (String e : List.of("dedi-test", "dedi-live", "pool-test")) {
          Environments.await(client, n, e, Duration.ofSeconds(120), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
        }
        Canary.secretsOf(client, n);
        first.kill();
      } finally {
        first.close();
      }
      String database = SharedPostgresProvisioner.databaseName(n, "pool", "test");
      String role = SharedPostgresProvisioner.roleName(n, "pool", "test");
      assertThat(exists(postgres, "SELECT 1 FROM pg_database WHERE datname = ?", database)).isTrue();

      client.resources(Project.class).inNamespace(n).withName("dedi").delete();
      client.resources(Project.class).inNamespace(n).withName("pool").delete();
      await("the garbage collector marks the Environments deleted; the finalizers hold them").atMost(Duration.ofSeconds(60))
          .until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().stream()
              .filter(e -> e.getMetadata().getDeletionTimestamp() != null).count() == 3);
      Thread.sleep(3000);
      assertThat(client.resources(Environment.class).inNamespace(n).list().getItems()).as("held while the operator is down").hasSize(3);

      Instant started = Instant.now();
      try (OperatorJar second = OperatorJar.start(cp, "faults-4b", env, log)) {
        await("every finalizer completes").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
            .until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty()
                && client.resources(Project.class).inNamespace(n).list().getItems().isEmpty());
        FaultReport.recovered(Duration.between(started, Instant.now()), "(from the start)");
        int leftovers = FaultRig.instancesOf(rds, ns).size()
            + (exists(postgres, "SELECT 1 FROM pg_database WHERE datname = ?", database) ? 1 : 0)
            + (exists(postgres, "SELECT 1 FROM pg_roles WHERE rolname = ?", role) ? 1 : 0)
            + client.secrets().inNamespace(n).withLabel(Labels.PROJECT).list().getItems().size();
        FaultReport.leftovers(leftovers);
        assertThat(FaultRig.instancesOf(rds, ns)).as("instances left in moto").isEmpty();
        assertThat(exists(postgres, "SELECT 1 FROM pg_database WHERE datname = ?", database)).as("shared database left").isFalse();
        assertThat(exists(postgres, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)).as("shared role left").isFalse();
        assertThat(rds.describeDBSnapshots().dbSnapshots()).as("live's final snapshot, per its policy")
            .anyMatch(s -> s.dbSnapshotIdentifier().startsWith(FaultRig.rdsId(ns, "dedi", "live") + "-final-"));
        assertThat(leftovers).isZero();
        Canary.dump(client, n);
      }
    }
  }

  private static boolean exists(LocalPostgres postgres, String sql, String name) throws Exception {
    try (Connection c = postgres.connect("postgres", postgres.adminUser(), postgres.adminPassword());
        PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }
}
