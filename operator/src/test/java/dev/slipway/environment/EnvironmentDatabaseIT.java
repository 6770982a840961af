package dev.slipway.environment;

import static dev.slipway.testing.Environments.annotate;
import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static dev.slipway.testing.Environments.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.shared.SharedPostgresProvisioner;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.LogCapture;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An environment with a database on a shared Postgres server (a real one, on loopback): the
 * credentials Secret works as Django would use it, the release command gates every rollout, and
 * deleting the environment drops its database. The generated password shows up nowhere else.
 */
@ControlPlaneTest
class EnvironmentDatabaseIT {

  private static RunningOperator operator;
  private static GitDaemon daemon;
  private static LocalPostgres postgres;
  private static FakeKubelet kubelet;
  private static LogCapture logs;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) {
    logs = new LogCapture();
    daemon = new GitDaemon();
    postgres = LocalPostgres.start();
    kubelet = new FakeKubelet(cp.client());
    cp.client().resource(postgres.adminSecret("shared-db", ns.name())).create();
    OperatorConfig config = OperatorConfig.defaults().toBuilder()
        .watchNamespaces(Set.of(ns.name()))
        .httpPort(0)
        .leaderElection(false)
        .leaseNamespace(ns.name())
        .registry("registry.test.invalid/slipway")
        .databaseMode(DatabaseMode.SHARED)
        .sharedDatabaseSecret("shared-db")
        .pollInterval(Duration.ofSeconds(5))
        .build();
    operator = RunningOperator.start(config, cp);
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (logs != null) {
      logs.close();
    }
  }

  @Test
  void sharedDatabaseMigrationsGateRolloutsAndDeletionDropsIt(KubernetesClient client, TestNamespace ns) throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("cms");
    String first = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    Project project = Environments.project(n, "cms", daemon.url(remote), List.of(entry("test", "develop", true)));
    DatabaseSpec db = new DatabaseSpec();
    db.setMode(DatabaseMode.SHARED);
    project.getSpec().setDatabase(db);
    client.resource(project).create();

    // The database first: ready, and its Secret is what Django's DATABASE_URL needs.
    Environment env = Environments.await(client, n, "cms-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.DATABASE_READY, "True", null));
    assertThat(env.getStatus().getDatabase().getSecretName()).isEqualTo("cms-test-database");
    var secret = client.secrets().inNamespace(n).withName("cms-test-database").get();
    String url = new String(Base64.getDecoder().decode(secret.getData().get("DATABASE_URL")), StandardCharsets.UTF_8);
    String password = new String(Base64.getDecoder().decode(secret.getData().get("password")), StandardCharsets.UTF_8);
    URI parsed = URI.create(url);
    assertThat(parsed.getScheme()).isEqualTo("postgres");
    String user = parsed.getUserInfo().split(":")[0];
    String database = parsed.getPath().substring(1);
    assertThat(database).isEqualTo(SharedPostgresProvisioner.databaseName(n, "cms", "test"));
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + parsed.getHost() + ":" + parsed.getPort() + "/" + database, user, password);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE pages (id serial primary key, title text)");
    }

    // Build, then the release command with the new image, then the rollout.
    kubelet.succeedBuild(n, BuildNames.jobName("cms", first), "sha256:" + "d".repeat(64));
    String migrate1 = "cms-test-migrate-" + first.substring(0, 12);
    Environment migrating = Environments.await(client, n, "cms-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Migrating);
    assertThat(client.apps().deployments().inNamespace(n).withName("cms-test").get()).isNull();
    var job = client.batch().v1().jobs().inNamespace(n).withName(migrate1).get();
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getArgs()).containsExactly("python", "manage.py", "migrate", "--noinput");
    assertThat(container.getImage()).endsWith("@sha256:" + "d".repeat(64));
    assertThat(container.getEnv()).anyMatch(v -> v.getName().equals("DATABASE_URL")
        && "cms-test-database".equals(v.getValueFrom().getSecretKeyRef().getName()));
    kubelet.succeedBuild(n, migrate1, "migrated");
    await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName("cms-test").get() != null);
    kubelet.runDeployment(n, "cms-test");
    Environment ready = Environments.await(client, n, "cms-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
    String image = ready.getStatus().getImage();
    assertThat(Environments.condition(ready, ConditionTypes.MIGRATED).orElseThrow().getStatus()).isEqualTo("True");

    // A release command that fails: the Deployment stays on the old image, and the status says why.
    String second = remote.commit("develop", files("app.py", "broken\n"), "two");
    annotate(client, n, "cms-test", Annotations.REFRESH, "1");
    Environments.await(client, n, "cms-test", Duration.ofSeconds(30), e -> second.equals(e.getStatus().getResolvedCommit()));
    kubelet.succeedBuild(n, BuildNames.jobName("cms", second), "sha256:" + "e".repeat(64));
    String migrate2 = "cms-test-migrate-" + second.substring(0, 12);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(n).withName(migrate2).get() != null);
    kubelet.failBuild(n, migrate2, 1, "django.db.utils.ProgrammingError: relation \"pages\" already exists");
    Environment failed = Environments.await(client, n, "cms-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.MIGRATED, "False", "ReleaseCommandFailed"));
    assertThat(Environments.condition(failed, ConditionTypes.MIGRATED).orElseThrow().getMessage()).contains("already exists");
    assertThat(failed.getStatus().getImage()).isEqualTo(image);
    assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(client.apps().deployments().inNamespace(n).withName("cms-test").get()
        .getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(image);

    // The release history: the failed one on top, the one that serves below it.
    assertThat(failed.getStatus().getReleases()).extracting("commit").containsExactly(second, first);
    assertThat(failed.getStatus().getReleases()).extracting("result").containsExactly("MigrationFailed", "Deployed");
    assertThat(failed.getStatus().getReleases().get(0).getJob()).isEqualTo(migrate2);
    assertThat(failed.getStatus().getReleases().get(1).getFinishedAt()).isNotBlank();

    // Password rotation on request: the role gets a new password, the Secret holds it, pods restart.
    String credentialsBefore = client.apps().deployments().inNamespace(n).withName("cms-test").get().getSpec().getTemplate()
        .getMetadata().getAnnotations().get(Annotations.DATABASE_CREDENTIALS);
    assertThat(credentialsBefore).as("the pods know which password they run with (a one-way fingerprint)")
        .isNotBlank().doesNotContain(password);
    annotate(client, n, "cms-test", Annotations.ROTATE_DATABASE_PASSWORD, "2026-01");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      var rotated = client.secrets().inNamespace(n).withName("cms-test-database").get();
      String newUrl = new String(Base64.getDecoder().decode(rotated.getData().get("DATABASE_URL")), StandardCharsets.UTF_8);
      assertThat(newUrl).doesNotContain(password);
      String newPassword = new String(Base64.getDecoder().decode(rotated.getData().get("password")), StandardCharsets.UTF_8);
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + parsed.getHost() + ":" + parsed.getPort() + "/" + database,
          user, newPassword)) {
        assertThat(c.isValid(2)).isTrue();
      }
      assertThat(client.apps().deployments().inNamespace(n).withName("cms-test").get().getSpec().getTemplate().getMetadata()
          .getAnnotations().get(Annotations.DATABASE_CREDENTIALS)).isNotBlank().isNotEqualTo(credentialsBefore)
          .doesNotContain(newPassword);
    });
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DriverManager.getConnection(
        "jdbc:postgresql://" + parsed.getHost() + ":" + parsed.getPort() + "/" + database, user, password))
        .isInstanceOf(java.sql.SQLException.class);

    // The password is in the Secret and nowhere else.
    assertThat(Serialization.asJson(client.resources(Environment.class).inNamespace(n).list())).doesNotContain(password);
    assertThat(Serialization.asJson(client.v1().events().inNamespace(n).list())).doesNotContain(password);
    assertThat(logs.lines()).noneMatch(l -> l.contains(password));

    // Deleting the environment (policy Delete for test) drops the database and its role.
    client.resources(Project.class).inNamespace(n).withName("cms").delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> Environments.get(client, n, "cms-test") == null);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/postgres",
        postgres.adminUser(), postgres.adminPassword());
        Statement s = c.createStatement();
        var rs = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + database + "'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  /**
   * The role and database this environment's names lead to are recorded on the server as another
   * Environment's (two tenants' names collided): DatabaseReady=False NameConflict, nothing of
   * theirs changes (their password still logs in), and deleting the environment leaves them.
   */
  @Test
  void aNameRecordedAsAnotherEnvironmentsIsRefusedAndKeepsItsPassword(KubernetesClient client, TestNamespace ns) throws Exception {
    String n = ns.name();
    String role = SharedPostgresProvisioner.roleName(n, "taken", "test");
    String database = SharedPostgresProvisioner.databaseName(n, "taken", "test");
    String theirs = "their-" + java.util.UUID.randomUUID();
    String otherUid = java.util.UUID.randomUUID().toString();
    try (Connection c = postgres.connect("postgres", postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE \"" + role + "\" WITH LOGIN PASSWORD '" + theirs + "'");
      s.execute("COMMENT ON ROLE \"" + role + "\" IS 'slipway.dev/owner-uid=" + otherUid + " slipway.dev/environment=elsewhere/taken/test'");
      s.execute("CREATE DATABASE \"" + database + "\" OWNER \"" + role + "\"");
      s.execute("COMMENT ON DATABASE \"" + database + "\" IS 'slipway.dev/owner-uid=" + otherUid + " slipway.dev/environment=elsewhere/taken/test'");
    }
    GitRemote remote = new GitRemote("taken");
    remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    Project project = Environments.project(n, "taken", daemon.url(remote), List.of(entry("test", "develop", true)));
    DatabaseSpec db = new DatabaseSpec();
    db.setMode(DatabaseMode.SHARED);
    project.getSpec().setDatabase(db);
    client.resource(project).create();

    Environment refused = Environments.await(client, n, "taken-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.DATABASE_READY, "False", "NameConflict"));
    assertThat(refused.getStatus().getPhase()).isNotEqualTo(Phase.Ready);
    assertThat(Environments.condition(refused, ConditionTypes.DATABASE_READY).orElseThrow().getMessage())
        .contains("role " + role).contains("another Environment's").doesNotContain(otherUid).doesNotContain("elsewhere");
    try (Connection c = postgres.connect(database, role, theirs)) {
      assertThat(c.isValid(2)).isTrue();
    }

    client.resources(Project.class).inNamespace(n).withName("taken").delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> Environments.get(client, n, "taken-test") == null);
    try (Connection c = postgres.connect(database, role, theirs)) {
      assertThat(c.isValid(2)).isTrue();
    }
  }
}
