package dev.slipway.faults;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildNames;
import dev.slipway.database.shared.SharedPostgresProvisioner;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Scenario 2, crash points: the operator (the jar) is SIGKILLed the moment the shared server's
 * role appears (before the operator can record it), the moment its build Job appears, and the
 * moment its release Job appears; each time it is started again. Afterwards there is one role,
 * one database, one build Job and one release Job, and the Environment gets Ready.
 */
@FaultTest
class Fault02CrashPointsIT {

  @Test
  @Scenario(value = 2, name = "crash points: role, build Job, release Job")
  void nothingDuplicatedAndTheEnvironmentConverges(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    FakeKubelet kubelet = new FakeKubelet(client);
    try (LocalPostgres postgres = LocalPostgres.start(); GitDaemon daemon = new GitDaemon(); GitRemote remote = new GitRemote("points")) {
      Canary.searchAlso(postgres.logFile());
      Canary.secret(postgres.adminPassword());
      String commit = remote.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
      client.resource(postgres.adminSecret("shared-db", n)).create();
      Map<String, String> env = OperatorJar.baseEnv(cp, n);
      env.put("SLIPWAY_DATABASE_MODE", "shared");
      env.put("SLIPWAY_SHARED_DATABASE_SECRET", "shared-db");
      env.put("SLIPWAY_LEASE_NAMESPACE", n);
      env.put("SLIPWAY_REGISTRY", "registry.test.invalid:5000/slipway");
      String role = SharedPostgresProvisioner.roleName(n, "points", "test");
      String database = SharedPostgresProvisioner.databaseName(n, "points", "test");
      String buildJob = BuildNames.jobName("points", commit);
      String releaseJob = "points-test-migrate-" + commit.substring(0, 12);
      Map<String, Long> recovery = new LinkedHashMap<>();

      // 1. the role
      OperatorJar op = OperatorJar.start(cp, "faults-2a", env, log);
      try {
        Project p = Environments.project(n, "points", daemon.url(remote), List.of(entry("test", "develop", true)));
        DatabaseSpec db = new DatabaseSpec();
        db.setMode(DatabaseMode.SHARED);
        p.getSpec().setDatabase(db);
        client.resource(p).create();
        Instant deadline = Instant.now().plusSeconds(120);
        while (!exists(postgres, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
          assertThat(Instant.now()).as("the role appears\n" + op.tail()).isBefore(deadline);
          Thread.sleep(10);
        }
        op.kill();
      } finally {
        op.close();
      }
      Instant killed = Instant.now();
      op = OperatorJar.start(cp, "faults-2b", env, log);
      try {
        Environments.await(client, n, "points-test", Duration.ofSeconds(120), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
        recovery.put("role", Duration.between(killed, Instant.now()).toMillis());
        // 2. the build Job: killed the moment it appears (it may appear already before the watch: then at once)
        killOnJob(client, n, buildJob, op);
      } finally {
        op.close();
      }
      killed = Instant.now();
      op = OperatorJar.start(cp, "faults-2c", env, log);
      try {
        Environments.await(client, n, "points-test", Duration.ofSeconds(120), e -> e.getStatus() != null
            && e.getStatus().getPhase() == Phase.Building && buildJob.equals(latestBuildJob(e)));
        recovery.put("build", Duration.between(killed, Instant.now()).toMillis());
        kubelet.succeedBuild(n, buildJob, "sha256:" + "2".repeat(64));
        // 3. the release Job
        killOnJob(client, n, releaseJob, op);
      } finally {
        op.close();
      }
      killed = Instant.now();
      try (OperatorJar last = OperatorJar.start(cp, "faults-2d", env, log)) {
        Environments.await(client, n, "points-test", Duration.ofSeconds(120), e -> e.getStatus() != null
            && e.getStatus().getPhase() == Phase.Migrating);
        recovery.put("release", Duration.between(killed, Instant.now()).toMillis());
        kubelet.succeedBuild(n, releaseJob, "migrated");
        await().atMost(Duration.ofSeconds(60)).until(() -> client.apps().deployments().inNamespace(n).withName("points-test").get() != null);
        kubelet.runDeployment(n, "points-test");
        Environments.await(client, n, "points-test", Duration.ofSeconds(60), e -> e.getStatus().getPhase() == Phase.Ready);

        List<Job> jobs = client.batch().v1().jobs().inNamespace(n).withLabel(Labels.PROJECT, "points").list().getItems();
        assertThat(jobs).extracting(j -> j.getMetadata().getName()).as("one build Job, one release Job").containsExactlyInAnyOrder(buildJob, releaseJob);
        assertThat(FaultRig.count(postgres, "SELECT count(*) FROM pg_roles WHERE rolname = ?", role)).isEqualTo(1);
        assertThat(FaultRig.count(postgres, "SELECT count(*) FROM pg_database WHERE datname = ?", database)).isEqualTo(1);
        String password = FaultRig.secretValue(client, n, "points-test-database", "password");
        try (Connection c = postgres.connect(database, role, password)) {
          assertThat(c.isValid(5)).as("the role logs in with the Secret's password").isTrue();
        }
        long max = recovery.values().stream().mapToLong(Long::longValue).max().orElse(0);
        FaultReport.recovered(Duration.ofMillis(max), "(max; " + recovery.entrySet().stream()
            .map(e -> e.getKey() + " " + String.format("%.1f", e.getValue() / 1000.0)).reduce((a, b) -> a + ", " + b).orElse("") + " s)");
        FaultReport.note("3 SIGKILLs; 1 role, 1 database, 1 build Job, 1 release Job");
        Canary.secretsOf(client, n);
        Canary.dump(client, n);

        client.resources(Project.class).inNamespace(n).withName("points").delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty());
        int leftovers = FaultRig.count(postgres, "SELECT count(*) FROM pg_roles WHERE rolname = ?", role)
            + FaultRig.count(postgres, "SELECT count(*) FROM pg_database WHERE datname = ?", database);
        FaultReport.leftovers(leftovers);
        assertThat(leftovers).isZero();
      }
    }
  }

  private static String latestBuildJob(Environment e) {
    return e.getStatus().getBuilds() == null || e.getStatus().getBuilds().isEmpty() ? null : e.getStatus().getBuilds().get(0).getJob();
  }

  /** SIGKILLs the operator as soon as the Job is seen (a watch event, or already there). */
  private static void killOnJob(KubernetesClient client, String n, String name, OperatorJar op) throws Exception {
    CompletableFuture<Void> seen = new CompletableFuture<>();
    try (Watch w = client.batch().v1().jobs().inNamespace(n).withName(name).watch(new Watcher<Job>() {
      @Override
      public void eventReceived(Action action, Job resource) {
        op.kill();
        seen.complete(null);
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    })) {
      if (client.batch().v1().jobs().inNamespace(n).withName(name).get() != null) {
        op.kill();
        seen.complete(null);
      }
      seen.get(120, TimeUnit.SECONDS);
    }
  }

  private static boolean exists(LocalPostgres postgres, String sql, String name) throws Exception {
    return FaultRig.count(postgres, sql.replace("SELECT 1", "SELECT count(*)"), name) > 0;
  }
}
