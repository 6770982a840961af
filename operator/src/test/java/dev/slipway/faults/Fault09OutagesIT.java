package dev.slipway.faults;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.database.shared.SharedPostgresProvisioner;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 9, Postgres and Git outages: 100 Environments (50 Projects) whose Git remote accepts
 * connections and never answers, and one whose shared Postgres server is down (connections
 * refused, through a TCP proxy) while it is provisioned; beside them one healthy Environment. The
 * healthy one answers refreshes on time all along (measured), the failing ones say why, and when
 * the servers are back everything recovers with one role and one database.
 */
@FaultTest
@Tag("faults-slow")
class Fault09OutagesIT {

  private static final int HUNG_PROJECTS = 50;

  @Test
  @Scenario(value = 9, name = "Postgres down, Git hanging for 100 envs")
  void healthyOnTimeFailingSayWhyRecovery(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    try (LocalPostgres postgres = LocalPostgres.start(); TcpProxy pgProxy = new TcpProxy(postgres.port());
        GitDaemon daemon = new GitDaemon(); TcpProxy gitProxy = new TcpProxy(daemon.port());
        GitRemote good = new GitRemote("good"); GitRemote hung = new GitRemote("hung")) {
      Canary.searchAlso(postgres.logFile());
      Canary.secret(postgres.adminPassword());
      good.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
      String hungCommit = hung.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
      String hungUrl = daemon.url(hung).replace(":" + daemon.port() + "/", ":" + gitProxy.port() + "/");
      client.resource(new SecretBuilder().withNewMetadata().withName("shared-db").withNamespace(n).endMetadata()
          .addToStringData("host", "127.0.0.1").addToStringData("port", Integer.toString(pgProxy.port()))
          .addToStringData("username", postgres.adminUser()).addToStringData("password", postgres.adminPassword())
          .addToStringData("database", "postgres").addToStringData("sslmode", "disable").build()).create();
      Map<String, String> env = OperatorJar.baseEnv(cp, n);
      env.put("SLIPWAY_SHARED_DATABASE_SECRET", "shared-db");
      env.put("SLIPWAY_LEASE_NAMESPACE", n);
      env.put("SLIPWAY_GIT_TIMEOUT", "10s");
      env.put("SLIPWAY_POLL_INTERVAL", "10s");
      gitProxy.mode(TcpProxy.Mode.HANG);
      pgProxy.mode(TcpProxy.Mode.REFUSE);
      try (OperatorJar operator = OperatorJar.start(cp, "faults-9", env, log)) {
        for (int i = 0; i < HUNG_PROJECTS; i++) {
          var qa = entry("qa", "develop", true);
          qa.setStage(Stage.TEST);
          client.resource(Environments.project(n, "h" + i, hungUrl, List.of(entry("test", "develop", true), qa))).create();
        }
        Project pg = Environments.project(n, "pg", daemon.url(good), List.of(entry("test", "develop", true)));
        DatabaseSpec db = new DatabaseSpec();
        db.setMode(DatabaseMode.SHARED);
        pg.getSpec().setDatabase(db);
        client.resource(pg).create();
        // The failing ones say why.
        await("all 100 hung environments say their source is not resolved").atMost(Duration.ofSeconds(180))
            .pollInterval(Duration.ofSeconds(2)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().stream()
                .filter(e -> e.getSpec().getProject().startsWith("h"))
                .filter(conditionIs(ConditionTypes.SOURCE_RESOLVED, "False", null)).count() == 2L * HUNG_PROJECTS);
        Environment sample = Environments.get(client, n, "h0-test");
        String gitSays = Environments.condition(sample, ConditionTypes.SOURCE_RESOLVED).orElseThrow().getMessage();
        Environment pgEnv = Environments.await(client, n, "pg-test", Duration.ofSeconds(60),
            conditionIs(ConditionTypes.DATABASE_READY, "False", null));
        String pgSays = Environments.condition(pgEnv, ConditionTypes.DATABASE_READY).orElseThrow().getMessage();
        assertThat(gitSays).as("why the source is not resolved").isNotBlank();
        assertThat(pgSays).as("why the database is not ready").isNotBlank();

        // While the 100 lookups keep hanging (every poll), a new healthy environment resolves on time
        // and answers refreshes on time.
        Instant healthyCreated = Instant.now();
        client.resource(Environments.project(n, "ok", daemon.url(good), List.of(entry("test", "develop", true)))).create();
        Environments.await(client, n, "ok-test", Duration.ofSeconds(60), e -> e.getStatus() != null && e.getStatus().getResolvedCommit() != null);
        long firstResolve = Duration.between(healthyCreated, Instant.now()).toMillis();
        List<Long> refresh = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
          String value = "r" + i;
          Instant asked = Instant.now();
          Environments.annotate(client, n, "ok-test", Annotations.REFRESH, value);
          Environments.await(client, n, "ok-test", Duration.ofSeconds(30), e -> value.equals(e.getStatus().getObservedRefresh()));
          refresh.add(Duration.between(asked, Instant.now()).toMillis());
          Thread.sleep(3000);
        }
        System.out.printf("scenario 9: healthy resolved in %d ms, refreshes answered in %s ms; git says: %s; postgres says: %s%n",
            firstResolve, refresh, gitSays, pgSays);
        assertThat(gitProxy.connections()).as("connections to the hung server").isPositive();

        // The servers come back.
        Instant back = Instant.now();
        gitProxy.mode(TcpProxy.Mode.PASS);
        pgProxy.mode(TcpProxy.Mode.PASS);
        await("everything recovers").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).until(() ->
            client.resources(Environment.class).inNamespace(n).list().getItems().stream()
                .filter(e -> e.getSpec().getProject().startsWith("h"))
                .filter(e -> e.getStatus() != null && hungCommit.equals(e.getStatus().getResolvedCommit())).count() == 2L * HUNG_PROJECTS
            && conditionIs(ConditionTypes.DATABASE_READY, "True", null).test(Environments.get(client, n, "pg-test")));
        Duration recovery = Duration.between(back, Instant.now());
        FaultReport.recovered(recovery, "(after both servers returned)");
        String role = SharedPostgresProvisioner.roleName(n, "pg", "test");
        String database = SharedPostgresProvisioner.databaseName(n, "pg", "test");
        assertThat(FaultRig.count(postgres, "SELECT count(*) FROM pg_roles WHERE rolname = ?", role)).as("one role").isEqualTo(1);
        assertThat(FaultRig.count(postgres, "SELECT count(*) FROM pg_database WHERE datname = ?", database)).as("one database").isEqualTo(1);
        FaultReport.note(String.format("healthy env: resolved in %.1f s, refreshes in %s ms during the outage", firstResolve / 1000.0, refresh));
        assertThat(refresh).as("refreshes of the healthy environment during the outage (ms)").allMatch(ms -> ms < 10_000);
        assertThat(firstResolve).as("the healthy environment's first resolve (ms)").isLessThan(15_000);
        Canary.secretsOf(client, n);
        Canary.dump(client, n);
        client.resources(Project.class).inNamespace(n).delete();
        await().atMost(Duration.ofSeconds(120)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty());
        int leftovers = FaultRig.count(postgres, "SELECT count(*) FROM pg_roles WHERE rolname = ?", role)
            + FaultRig.count(postgres, "SELECT count(*) FROM pg_database WHERE datname = ?", database);
        FaultReport.leftovers(leftovers);
        assertThat(leftovers).isZero();
      }
    }
  }
}
