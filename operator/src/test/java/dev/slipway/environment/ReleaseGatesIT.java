package dev.slipway.environment;

import static dev.slipway.testing.Environments.annotate;
import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static dev.slipway.testing.Environments.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.AuditLog;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gates a new release passes before it serves, with a real shared Postgres: one deploy
 * request rolls out exactly once, after the release command succeeded; a failed release command
 * is remembered per image and runs again only when asked.
 */
@ControlPlaneTest
class ReleaseGatesIT {

  private static final Duration RELEASE_JOB_TTL = Duration.ofHours(2);

  private static RunningOperator operator;
  private static GitDaemon daemon;
  private static LocalPostgres postgres;
  private static FakeKubelet kubelet;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) {
    daemon = new GitDaemon();
    postgres = LocalPostgres.start();
    kubelet = new FakeKubelet(cp.client());
    cp.client().resource(postgres.adminSecret("shared-db", ns.name())).create();
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("SLIPWAY_WATCH_NAMESPACES", ns.name()),
        Map.entry("SLIPWAY_HTTP_PORT", "0"),
        Map.entry("SLIPWAY_LEADER_ELECTION", "false"),
        Map.entry("SLIPWAY_LEASE_NAMESPACE", ns.name()),
        Map.entry("SLIPWAY_REGISTRY", "registry.test.invalid/slipway"),
        Map.entry("SLIPWAY_DATABASE_MODE", "shared"),
        Map.entry("SLIPWAY_SHARED_DATABASE_SECRET", "shared-db"),
        Map.entry("SLIPWAY_RELEASE_JOB_TTL", RELEASE_JOB_TTL.toString()),
        Map.entry("SLIPWAY_POLL_INTERVAL", "5s")));
    operator = RunningOperator.start(config, cp);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  private static Project sharedProject(String namespace, String name, String url, List<dev.slipway.api.v1alpha1.EnvironmentTemplate> mapping) {
    Project project = Environments.project(namespace, name, url, mapping);
    DatabaseSpec db = new DatabaseSpec();
    db.setMode(DatabaseMode.SHARED);
    project.getSpec().setDatabase(db);
    return project;
  }

  private static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  /** Builds, migrates and runs test at this commit, and waits until it is Ready there. */
  private static Environment testReadyAt(KubernetesClient client, String n, String project, String commit, char digest) {
    kubelet.succeedBuild(n, BuildNames.jobName(project, commit), digest(digest));
    String migrate = project + "-test-migrate-" + commit.substring(0, 12);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(n).withName(migrate).get() != null);
    kubelet.succeedBuild(n, migrate, "migrated");
    await().atMost(Duration.ofSeconds(30)).until(() -> image(client, n, project + "-test") != null
        && image(client, n, project + "-test").endsWith(digest(digest)));
    kubelet.runDeployment(n, project + "-test");
    return Environments.await(client, n, project + "-test", Duration.ofSeconds(30),
        e -> e.getStatus().getPhase() == Phase.Ready && commit.equals(e.getStatus().getDeployedCommit()));
  }

  private static String image(KubernetesClient client, String n, String deployment) {
    Deployment d = client.apps().deployments().inNamespace(n).withName(deployment).get();
    return d == null ? null : d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  private static long events(KubernetesClient client, String n, String object, String reason) {
    return client.v1().events().inNamespace(n).list().getItems().stream()
        .filter(e -> object.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).count();
  }

  @Test
  void oneDeployRequestRollsOutLiveOnceItsMigrationSucceeded(KubernetesClient client, TestNamespace ns, LocalControlPlane cp)
      throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("cms");
    String first = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    // The platform default mapping: test on develop deploying every commit, live promoted from test on request.
    client.resource(sharedProject(n, "cms", daemon.url(remote), List.of())).create();
    Environment test = testReadyAt(client, n, "cms", first, 'a');

    // Live waits for a request; the request starts live's own release command first.
    Environments.await(client, n, "cms-live", Duration.ofSeconds(30), conditionIs(ConditionTypes.DEPLOYED, "False", "AwaitingDeployRequest"));
    AuditLog audit = new AuditLog(cp.auditLog());
    long mark = audit.mark();
    annotate(client, n, "cms-live", Annotations.DEPLOY, "r1");
    String liveMigrate = "cms-live-migrate-" + first.substring(0, 12);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(n).withName(liveMigrate).get() != null);
    Environment migrating = Environments.await(client, n, "cms-live", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Migrating);
    assertThat(migrating.getStatus().getObservedDeployRequest()).as("the request is pending until it rolls out").isNull();
    assertThat(client.apps().deployments().inNamespace(n).withName("cms-live").get()).as("nothing rolls out before the migration").isNull();
    Job job = client.batch().v1().jobs().inNamespace(n).withName(liveMigrate).get();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(test.getStatus().getImage());
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anyMatch(v -> "DATABASE_URL".equals(v.getName()) && "cms-live-database".equals(v.getValueFrom().getSecretKeyRef().getName()));

    // The migration succeeds: live rolls out exactly test's image, and the request is answered.
    kubelet.succeedBuild(n, liveMigrate, "migrated");
    await().atMost(Duration.ofSeconds(30)).until(() -> test.getStatus().getImage().equals(image(client, n, "cms-live")));
    kubelet.runDeployment(n, "cms-live");
    Environment live = Environments.await(client, n, "cms-live", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
    assertThat(live.getStatus().getObservedDeployRequest()).isEqualTo("r1");
    assertThat(live.getStatus().getImage()).isEqualTo(test.getStatus().getImage());
    assertThat(live.getStatus().getReleases()).first().satisfies(r -> {
      assertThat(r.getResult()).isEqualTo("Deployed");
      assertThat(r.getJob()).isEqualTo(liveMigrate);
    });
    assertThat(Environments.condition(live, ConditionTypes.MIGRATED).orElseThrow().getStatus()).isEqualTo("True");

    // A new commit reaches test; live stays where the one request put it.
    String second = remote.commit("develop", files("app.py", "two\n"), "two");
    annotate(client, n, "cms-test", Annotations.REFRESH, "1");
    Environments.await(client, n, "cms-test", Duration.ofSeconds(30), e -> second.equals(e.getStatus().getResolvedCommit()));
    testReadyAt(client, n, "cms", second, 'b');
    Environment waiting = Environments.await(client, n, "cms-live", Duration.ofSeconds(30),
        e -> Environments.condition(e, ConditionTypes.DEPLOYED).map(c -> c.getMessage().contains(second.substring(0, 7))).orElse(false));
    assertThat(waiting.getStatus().getDeployedCommit()).isEqualTo(first);
    Thread.sleep(2000);
    assertThat(image(client, n, "cms-live")).isEqualTo(test.getStatus().getImage());
    assertThat(client.batch().v1().jobs().inNamespace(n).withName("cms-live-migrate-" + second.substring(0, 12)).get()).isNull();

    // One request, one rollout: one RolloutStarted, one Deployment written into being.
    assertThat(events(client, n, "cms-live", "RolloutStarted")).isEqualTo(1);
    assertThat(audit.writesSince(mark, LocalControlPlane.operatorUser()))
        .filteredOn(w -> w.resource().equals("deployments") && w.name().equals("cms-live")).hasSize(1);
  }

  @Test
  void aFailedReleaseCommandRunsAgainOnlyWhenAsked(KubernetesClient client, TestNamespace ns) throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("wiki");
    String commit = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    client.resource(sharedProject(n, "wiki", daemon.url(remote), List.of(entry("test", "develop", true)))).create();
    kubelet.succeedBuild(n, BuildNames.jobName("wiki", commit), digest('c'));
    String first = "wiki-test-migrate-" + commit.substring(0, 12);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(n).withName(first).get() != null);

    // Release Jobs keep their own time to live, not the builds'.
    Job migrateJob = client.batch().v1().jobs().inNamespace(n).withName(first).get();
    Job buildJob = client.batch().v1().jobs().inNamespace(n).withName(BuildNames.jobName("wiki", commit)).get();
    assertThat(migrateJob.getSpec().getTtlSecondsAfterFinished()).isEqualTo((int) RELEASE_JOB_TTL.toSeconds());
    assertThat(buildJob.getSpec().getTtlSecondsAfterFinished()).isEqualTo((int) Duration.ofHours(24).toSeconds());

    kubelet.failBuild(n, first, 1, "django.db.utils.OperationalError: boom");
    Environment failed = Environments.await(client, n, "wiki-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.MIGRATED, "False", "ReleaseCommandFailed"));
    assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(failed.getStatus().getReleases()).first().satisfies(r -> {
      assertThat(r.getResult()).isEqualTo("MigrationFailed");
      assertThat(r.getImage()).endsWith(digest('c'));
    });

    // The Job expires (here: deleted, as its TTL would): the failure is remembered, nothing runs again.
    client.batch().v1().jobs().inNamespace(n).withName(first).withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
        .delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(n).withName(first).get() == null);
    annotate(client, n, "wiki-test", Annotations.REFRESH, "nudge"); // a reconcile, for good measure
    Thread.sleep(3000);
    assertThat(client.batch().v1().jobs().inNamespace(n).withLabel(Labels.COMPONENT, Labels.MIGRATE).list().getItems()).isEmpty();
    Environment stillFailed = Environments.get(client, n, "wiki-test");
    assertThat(Environments.condition(stillFailed, ConditionTypes.MIGRATED).orElseThrow().getMessage()).contains("boom");
    assertThat(client.apps().deployments().inNamespace(n).withName("wiki-test").get()).isNull();

    // Asked to retry: a second attempt runs, in a Job of its own, and its success rolls out.
    annotate(client, n, "wiki-test", Annotations.RETRY_RELEASE, "1");
    String second = "wiki-test-migrate-" + commit.substring(0, 8) + "-2";
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(n).withName(second).get() != null);
    Environment retrying = Environments.await(client, n, "wiki-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Migrating);
    assertThat(retrying.getStatus().getObservedReleaseRetry()).isEqualTo("1");
    assertThat(retrying.getStatus().getReleases()).first().satisfies(r -> {
      assertThat(r.getAttempt()).isEqualTo(2);
      assertThat(r.getJob()).isEqualTo(second);
    });
    kubelet.succeedBuild(n, second, "migrated");
    await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName("wiki-test").get() != null);
    kubelet.runDeployment(n, "wiki-test");
    Environment ready = Environments.await(client, n, "wiki-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
    assertThat(ready.getStatus().getReleases()).first().satisfies(r -> assertThat(r.getResult()).isEqualTo("Deployed"));
    assertThat(events(client, n, "wiki-test", "ReleaseRetried")).isEqualTo(1);
    // The same retry value again does nothing more.
    assertThat(client.batch().v1().jobs().inNamespace(n).withLabel(Labels.COMPONENT, Labels.MIGRATE).list().getItems()).hasSize(1);
  }
}
