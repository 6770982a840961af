package dev.slipway.environment;

import static dev.slipway.testing.Environments.annotate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupSchedules;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.BackupStatus;
import dev.slipway.api.v1alpha1.CronSpec;
import dev.slipway.api.v1alpha1.DataSpec;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.EnvVarSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.ProcessSpec;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ReleaseSpec;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestorePhase;
import dev.slipway.api.v1alpha1.RestoreSource;
import dev.slipway.api.v1alpha1.RestoreSpec;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.shared.SharedPostgresProvisioner;
import dev.slipway.git.SourceCredentialsPolicy;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.RealNode;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.git.GitHttpServer;
import dev.slipway.testing.git.GitRemote;
import dev.slipway.testing.git.GitSshServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The golden path on a real node, nothing simulated: a Git repository made from the minimal
 * boilerplate, fetched by the build's init container over https with basic auth (and, in another
 * test, over ssh with a key and known_hosts), built by a real Kaniko pod FROM the runtime image
 * built here, with its requirements from the platform's package index; the release Job migrating
 * a real database on a real Postgres; uWSGI pods answering through a real ingress controller; a
 * rolling update under a bounded request loop with nothing dropped; Live deployed by one
 * annotation without a build; and the failures a team meets, for real.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeGoldenPathIT {

  private static final String BASE_DOMAIN = "apps.test";
  private static final Duration BUILD = Duration.ofMinutes(8);
  private static final Duration ROLLOUT = Duration.ofMinutes(4);
  private static final Duration ROLLOUT_DEADLINE = Duration.ofSeconds(45);

  private static RealNode node;
  private static KubernetesClient client;
  private static String n;
  private static LocalPostgres postgres;
  private static GitHttpServer git;
  private static GitSshServer ssh;
  private static RunningOperator operator;
  private static OperatorConfig config;
  private static MotoServer moto;
  private static GitRemote shopRemote;
  private static S3Client s3;
  private static final String BUCKET = "slipway-backups";

  @BeforeAll
  static void start() {
    node = RealNode.get();
    client = node.client();
    n = "golden-" + UUID.randomUUID().toString().substring(0, 6);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(n).endMetadata().build()).create();
    // Job pods need the namespace's default ServiceAccount (made by the controller manager).
    await().atMost(Duration.ofSeconds(30)).until(() -> client.serviceAccounts().inNamespace(n).withName("default").get() != null);

    postgres = LocalPostgres.start(node.nodeIp(), node.podCidr());
    client.resource(postgres.adminSecret("shared-db", n)).create();
    git = GitHttpServer.https("builder", "git-password-" + UUID.randomUUID(), node.nodeIp(), node.testCaCertificate(), node.testCaKey());
    ssh = new GitSshServer(GitSshServer.KeyType.ED25519, node.nodeIp());
    // The object store for backups, on the node's address: the dump Job's pod uploads to it.
    moto = MotoServer.start(node.nodeIp());
    s3 = S3Client.builder().region(Region.of(MotoServer.REGION)).endpointOverride(moto.endpoint())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .httpClient(UrlConnectionHttpClient.create())
        .build();
    s3.createBucket(b -> b.bucket(BUCKET));

    config = OperatorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("SLIPWAY_WATCH_NAMESPACES", n),
        Map.entry("SLIPWAY_HTTP_PORT", "0"),
        Map.entry("SLIPWAY_LEADER_ELECTION", "false"),
        Map.entry("SLIPWAY_LEASE_NAMESPACE", n),
        Map.entry("SLIPWAY_REGISTRY", node.registryFromPods() + "/slipway"),
        Map.entry("SLIPWAY_REGISTRY_INSECURE", "true"),
        Map.entry("SLIPWAY_KANIKO_IMAGE", node.kanikoImage()),
        Map.entry("SLIPWAY_GIT_IMAGE", node.gitImage()),
        Map.entry("SLIPWAY_GIT_CA_FILE", node.testCaCertificate().toString()),
        Map.entry("SLIPWAY_RUNTIME_IMAGE", node.runtimeImage()),
        Map.entry("SLIPWAY_PIP_INDEX_URL", node.packageIndexUrl()),
        Map.entry("SLIPWAY_LOCAL_POSTGRES_IMAGE", node.postgresImage()),
        Map.entry("SLIPWAY_BASE_DOMAIN", BASE_DOMAIN),
        Map.entry("SLIPWAY_INGRESS_CLASS", node.ingressClass()),
        Map.entry("SLIPWAY_DATABASE_MODE", "shared"),
        Map.entry("SLIPWAY_SHARED_DATABASE_SECRET", "shared-db"),
        Map.entry("SLIPWAY_ROLLOUT_DEADLINE", ROLLOUT_DEADLINE.toString()),
        Map.entry("SLIPWAY_POLL_INTERVAL", "5s"),
        Map.entry("SLIPWAY_AWS_REGION", MotoServer.REGION),
        Map.entry("SLIPWAY_RDS_ENDPOINT", moto.endpoint().toString()),
        Map.entry("SLIPWAY_AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY),
        Map.entry("SLIPWAY_AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_KEY),
        Map.entry("SLIPWAY_BACKUP_BUCKET", BUCKET),
        Map.entry("SLIPWAY_BACKUP_ENDPOINT", moto.endpoint().toString()),
        Map.entry("SLIPWAY_BACKUP_POSTGRES_IMAGE", node.postgresImage()),
        // A role the tests lock out stays locked out until they put it back: the shared provisioner's
        // own look (every 5 minutes by default) would restore the stored password at a moment no test
        // controls, and a locked-out live then backs up fine after all.
        Map.entry("SLIPWAY_DATABASE_RECHECK", "1h")));
    operator = RunningOperator.start(config, node);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (client != null && n != null) {
      client.namespaces().withName(n).delete();
    }
    for (AutoCloseable c : new AutoCloseable[] {git, ssh, postgres, s3, moto}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  // --- the golden path ------------------------------------------------------------------------

  @Test
  @Order(1)
  void aPushIsBuiltMigratedAndServedThroughTheIngressAndRolledOutWithoutDroppingARequest() throws Exception {
    GitRemote remote = new GitRemote("shop");
    shopRemote = remote;
    String first = remote.commit("develop", boilerplate("minimal"), "the minimal boilerplate");
    client.resource(new SecretBuilder().withNewMetadata().withName("shop-git").withNamespace(n)
        .addToLabels(SourceCredentialsPolicy.LABEL, "true").endMetadata()
        .addToStringData("username", git.username()).addToStringData("password", git.password()).build()).create();
    EnvironmentTemplate test = Environments.entry("test", "develop", true);
    EnvironmentTemplate live = Environments.entry("live", null, false);
    live.setPromoteFrom("test");
    live.setReplicas(2);
    Project shop = project("shop", git.url(remote), List.of(test, live));
    shop.getSpec().getSource().setCredentialsSecret("shop-git");
    client.resource(shop).create();

    // b. A real Kaniko pod builds exactly that commit, fetched over https with basic auth.
    Environment built = Environments.await(client, n, "shop-test", BUILD,
        e -> Environments.condition(e, ConditionTypes.BUILT).map(c -> !"Building".equals(c.getReason()) && !"WaitingForSource".equals(c.getReason()))
            .orElse(false));
    assertThat(Environments.condition(built, ConditionTypes.BUILT).orElseThrow().getStatus()).as(describe(built)).isEqualTo("True");
    String repository = "slipway/" + n + "/shop";
    String digest = node.registryDigest(repository, first).orElseThrow();
    assertThat(built.getStatus().getBuilds().get(0).getImage()).isEqualTo(node.registryFromPods() + "/" + repository + "@" + digest);
    System.out.println("golden path: build digest in status " + digest + " equals the registry's for " + repository + ":" + first);

    // c. The release Job migrates the environment's own database for real; uWSGI pods get Ready.
    Environment ready = Environments.await(client, n, "shop-test", ROLLOUT, e -> phase(e) == Phase.Ready
        || phase(e) == Phase.Failed);
    assertThat(ready.getStatus().getPhase()).as(describe(ready)).isEqualTo(Phase.Ready);
    String database = SharedPostgresProvisioner.databaseName(n, "shop", "test");
    try (Connection c = postgres.connect(database, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM django_migrations WHERE app = 'pages'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("the pages migrations ran in shop-test's database").isPositive();
      }
      s.execute("INSERT INTO pages_note (title, created) VALUES ('a note from the database', now())");
    }
    String page = getThroughIngress("shop-test." + BASE_DOMAIN, "/", Duration.ofSeconds(60));
    assertThat(page).contains("It works.").contains("a note from the database");
    System.out.println("golden path: page fetched through the ingress (Host shop-test." + BASE_DOMAIN + "), "
        + page.length() + " bytes, with the row from the database");

    // d. A new commit: build, migration, rolling update, while requests keep coming; none fails.
    RequestLoop loop = RequestLoop.start("shop-test." + BASE_DOMAIN, 20, Duration.ofMinutes(10));
    String second = remote.commit("develop",
        Map.of("templates/index.html", read(boilerplateDir("minimal").resolve("templates/index.html")).replace("It works.", "It works, twice.")),
        "second release");
    annotate(client, n, "shop-test", Annotations.REFRESH, "push-2");
    Environments.await(client, n, "shop-test", BUILD.plus(ROLLOUT), e -> e.getStatus() != null && second.equals(e.getStatus().getDeployedCommit())
        && phase(e) == Phase.Ready);
    Thread.sleep(3000); // a few requests after the old pods are gone
    RequestLoop.Result result = loop.stop();
    System.out.println("golden path: rolling update: " + result.failed() + " failed of " + result.total() + " requests"
        + (result.failed() > 0 ? " (" + result.firstFailure() + ")" : ""));
    assertThat(result.total()).isGreaterThan(20);
    assertThat(result.failed()).as("requests failed during the rolling update: " + result.firstFailure()).isZero();
    assertThat(getThroughIngress("shop-test." + BASE_DOMAIN, "/", Duration.ofSeconds(30))).contains("It works, twice.");

    // e. Live: one deploy request rolls out exactly test's digest, without a build.
    String testImage = Environments.get(client, n, "shop-test").getStatus().getImage();
    annotate(client, n, "shop-live", Annotations.DEPLOY, "release-1");
    Environment liveReady = Environments.await(client, n, "shop-live", ROLLOUT, e -> phase(e) == Phase.Ready);
    assertThat(liveReady.getStatus().getImage()).isEqualTo(testImage);
    assertThat(client.batch().v1().jobs().inNamespace(n).withLabel(Labels.PROJECT, "shop").withLabel(Labels.COMPONENT, Labels.BUILD)
        .list().getItems()).hasSize(2);
    assertThat(getThroughIngress("shop-live." + BASE_DOMAIN, "/", Duration.ofSeconds(60))).contains("It works, twice.");
    System.out.println("golden path: live rolled out test's digest " + testImage.substring(testImage.indexOf('@') + 1)
        + " on one deploy request, without a build, and answers through the ingress");
  }

  // --- failures, for real ---------------------------------------------------------------------

  @Test
  @Order(2)
  void aDockerfileThatFailsIsABuildFailureWithTheEndOfTheLog() {
    GitRemote remote = new GitRemote("badbuild");
    Map<String, String> files = new LinkedHashMap<>(boilerplate("minimal"));
    files.put("Dockerfile", "ARG SLIPWAY_RUNTIME_IMAGE\nFROM ${SLIPWAY_RUNTIME_IMAGE}\nRUN echo 'the build breaks here' && exit 3\n");
    remote.commit("develop", files, "broken Dockerfile");
    Project project = project("badbuild", git.url(remote), List.of(Environments.entry("test", "develop", true)));
    project.getSpec().getSource().setCredentialsSecret("shop-git");
    client.resource(project).create();
    Environment failed = Environments.await(client, n, "badbuild-test", BUILD,
        e -> Environments.condition(e, ConditionTypes.BUILT).map(c -> "False".equals(c.getStatus()) && !"Building".equals(c.getReason()))
            .orElse(false));
    var built = Environments.condition(failed, ConditionTypes.BUILT).orElseThrow();
    assertThat(built.getReason()).isEqualTo("BuildFailed");
    assertThat(built.getMessage()).contains("the build breaks here");
    assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
  }

  @Test
  @Order(3)
  void aFailingMigrationCrashingPodsAndZeroReplicasAreReportedAsSuch() throws Exception {
    GitRemote remote = new GitRemote("trouble");
    String good = remote.commit("develop", boilerplate("minimal"), "good");
    EnvironmentTemplate ok = Environments.entry("ok", "develop", true);
    ok.setStage(Stage.TEST);
    EnvironmentTemplate crash = Environments.entry("crash", "develop", true);
    crash.setStage(Stage.TEST);
    // uWSGI cannot load the app (need-app): the pod exits; the release command is not affected.
    crash.setEnv(List.of(new EnvVarSpec("DJANGO_WSGI_MODULE", "no_such_module:application")));
    EnvironmentTemplate zero = Environments.entry("zero", "develop", true);
    zero.setStage(Stage.TEST);
    zero.setReplicas(0);
    // A worker process (the boilerplate's broker-less queue consumer) next to the web pods; none where web runs none.
    ProcessSpec worker = worker();
    ProcessSpec noWorker = noWorker();
    crash.setProcesses(List.of(noWorker));
    // A scheduled job every minute (the boilerplate's add_note), switched off on one entry.
    CronSpec note = noteEveryMinute();
    CronSpec noNote = noNote();
    crash.setCron(List.of(noNote));
    Project project = project("trouble", git.url(remote), List.of(ok, crash, zero));
    project.getSpec().getSource().setCredentialsSecret("shop-git");
    project.getSpec().setProcesses(List.of(worker));
    project.getSpec().setCron(List.of(note));
    client.resource(project).create();

    Environment okReady = Environments.await(client, n, "trouble-ok", BUILD.plus(ROLLOUT), e -> phase(e) == Phase.Ready
        || phase(e) == Phase.Failed);
    assertThat(okReady.getStatus().getPhase()).as(describe(okReady)).isEqualTo(Phase.Ready);

    // The worker runs the release's image with the environment's database: it processes a note written there.
    String goodImage = okReady.getStatus().getImage();
    assertThat(workerImage("trouble-ok-worker")).isEqualTo(goodImage);
    assertThat(cronImage("trouble-ok-note")).isEqualTo(goodImage);
    String okDatabase = SharedPostgresProvisioner.databaseName(n, "trouble", "ok");
    try (Connection c = postgres.connect(okDatabase, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement()) {
      s.execute("INSERT INTO pages_note (title, created) VALUES ('for the worker', now())");
    }
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      try (Connection c = postgres.connect(okDatabase, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT processed IS NOT NULL FROM pages_note WHERE title = 'for the worker'")) {
        assertThat(rs.next() && rs.getBoolean(1)).as("the worker pod marked the note processed").isTrue();
      }
    });
    assertThat(getThroughIngress("trouble-ok." + BASE_DOMAIN, "/", Duration.ofSeconds(30))).contains("for the worker (processed)");
    System.out.println("golden path: the worker process ran " + goodImage.substring(goodImage.indexOf('@') + 1)
        + " and processed a note in trouble-ok's database");

    // Pods that crash: Ready=False with why, and Failed once the progress deadline passed, not Deploying forever.
    Environment crashed = Environments.await(client, n, "trouble-crash", ROLLOUT.plus(ROLLOUT_DEADLINE),
        e -> phase(e) == Phase.Failed);
    var readyCondition = Environments.condition(crashed, ConditionTypes.READY).orElseThrow();
    assertThat(readyCondition.getStatus()).isEqualTo("False");
    assertThat(readyCondition.getReason()).isEqualTo("ProgressDeadlineExceeded");
    assertThat(readyCondition.getMessage()).containsAnyOf("CrashLoopBackOff", "Error");

    // replicas: 0 is "scaled to zero", not Ready and serving.
    Environment stopped = Environments.await(client, n, "trouble-zero", ROLLOUT, e -> phase(e) == Phase.Stopped);
    assertThat(Environments.condition(stopped, ConditionTypes.READY).orElseThrow().getReason()).isEqualTo("ScaledToZero");

    // A migration that fails: Migrated=False with its output, and the old version keeps answering.
    String migration = String.join("\n",
        "from django.db import migrations",
        "",
        "def fail(apps, schema_editor):",
        "    raise RuntimeError('this migration fails on purpose')",
        "",
        "class Migration(migrations.Migration):",
        "    dependencies = [('pages', '0002_note_processed')]",
        "    operations = [migrations.RunPython(fail)]",
        "");
    String bad = remote.commit("develop", Map.of("pages/migrations/0003_fails.py", migration), "a failing migration");
    annotate(client, n, "trouble-ok", Annotations.REFRESH, "push-2");
    Environment notMigrated = Environments.await(client, n, "trouble-ok", BUILD.plus(ROLLOUT),
        Environments.conditionIs(ConditionTypes.MIGRATED, "False", "ReleaseCommandFailed"));
    assertThat(Environments.condition(notMigrated, ConditionTypes.MIGRATED).orElseThrow().getMessage())
        .contains("this migration fails on purpose");
    assertThat(notMigrated.getStatus().getDeployedCommit()).isEqualTo(good);
    assertThat(notMigrated.getStatus().getResolvedCommit()).isEqualTo(bad);
    assertThat(getThroughIngress("trouble-ok." + BASE_DOMAIN, "/", Duration.ofSeconds(30))).contains("It works.");
    assertThat(workerImage("trouble-ok-worker")).as("the worker stays on the release whose migration ran").isEqualTo(goodImage);
    assertThat(client.apps().deployments().inNamespace(n).withName("trouble-zero-worker").get().getSpec().getReplicas())
        .as("no worker where no web pod runs").isZero();
    assertThat(cronImage("trouble-ok-note")).as("the scheduled job stays on the release whose migration ran").isEqualTo(goodImage);
    assertThat(client.batch().v1().cronjobs().inNamespace(n).withName("trouble-zero-note").get().getSpec().getSuspend())
        .as("no scheduled run where no web pod runs").isTrue();
    assertThat(client.batch().v1().cronjobs().inNamespace(n).withName("trouble-crash-note").get().getSpec().getSuspend())
        .as("switched off on its entry").isTrue();

    // A commit that fixes the migration: worker and scheduled job move to its image, never before its release Job succeeded.
    String fixed = remote.commit("develop", Map.of("pages/migrations/0003_fails.py", migration.replace(
        "raise RuntimeError('this migration fails on purpose')", "pass")), "the migration fixed");
    annotate(client, n, "trouble-ok", Annotations.REFRESH, "push-3");
    AtomicReference<String> early = new AtomicReference<>();
    Environment fixedReady = Environments.await(client, n, "trouble-ok", BUILD.plus(ROLLOUT), e -> {
      for (String image : List.of(workerImage("trouble-ok-worker"), cronImage("trouble-ok-note"))) {
        if (!image.equals(goodImage) && !releaseSucceeded("ok", image)) {
          early.compareAndSet(null, image + " before its release Job succeeded");
        }
      }
      return fixed.equals(e.getStatus().getDeployedCommit()) && phase(e) == Phase.Ready;
    });
    assertThat(early.get()).as("worker or scheduled job on a new image too early").isNull();
    String fixedImage = fixedReady.getStatus().getImage();
    assertThat(fixedImage).isNotEqualTo(goodImage);
    assertThat(workerImage("trouble-ok-worker")).isEqualTo(fixedImage);
    assertThat(cronImage("trouble-ok-note")).isEqualTo(fixedImage);

    // The job ran on its schedule meanwhile: rows in ok's database, its runs in the status.
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
      try (Connection c = postgres.connect(okDatabase, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT count(*) FROM pages_note WHERE title LIKE 'from cron at %'")) {
        assertThat(rs.next() ? rs.getInt(1) : 0).as("notes the scheduled job wrote").isPositive();
      }
    });
    Environment withRuns = Environments.await(client, n, "trouble-ok", Duration.ofSeconds(60), e -> e.getStatus().getCron().size() == 1
        && e.getStatus().getCron().get(0).getLastSuccessfulTime() != null);
    var noteStatus = withRuns.getStatus().getCron().get(0);
    assertThat(noteStatus.getImage()).isEqualTo(fixedImage);
    assertThat(noteStatus.getSuspended()).isFalse();
    assertThat(noteStatus.getNextRun()).isNotNull();
    System.out.println("golden path: the scheduled job wrote notes every minute (last success " + noteStatus.getLastSuccessfulTime()
        + ", result " + noteStatus.getLastResult() + ") and moved to " + fixedImage.substring(fixedImage.indexOf('@') + 1)
        + " only after its migration");
  }

  /** The boilerplate's broker-less worker as a process type. */
  private static ProcessSpec worker() {
    ProcessSpec worker = new ProcessSpec();
    worker.setName("worker");
    worker.setCommand(List.of("python", "manage.py", "process_notes"));
    return worker;
  }

  /** An entry's override: no worker there. */
  private static ProcessSpec noWorker() {
    ProcessSpec none = new ProcessSpec();
    none.setName("worker");
    none.setReplicas(0);
    return none;
  }

  /** The boilerplate's scheduled command, every minute. */
  private static CronSpec noteEveryMinute() {
    CronSpec note = new CronSpec();
    note.setName("note");
    note.setSchedule("* * * * *");
    note.setCommand(List.of("python", "manage.py", "add_note", "from cron at {now}"));
    return note;
  }

  /** An entry's override: the job switched off there. */
  private static CronSpec noNote() {
    CronSpec off = new CronSpec();
    off.setName("note");
    off.setSuspend(true);
    return off;
  }

  /** The environment's worker serves (one ready pod) and its scheduled job may run (not suspended). */
  private static boolean writersRun(String environment) {
    var worker = client.apps().deployments().inNamespace(n).withName(environment + "-worker").get();
    var cron = client.batch().v1().cronjobs().inNamespace(n).withName(environment + "-note").get();
    return worker != null && Integer.valueOf(1).equals(worker.getStatus() == null ? null : worker.getStatus().getReadyReplicas())
        && cron != null && Boolean.FALSE.equals(cron.getSpec().getSuspend());
  }

  private static String writersState(String environment) {
    var worker = client.apps().deployments().inNamespace(n).withName(environment + "-worker").get();
    var cron = client.batch().v1().cronjobs().inNamespace(n).withName(environment + "-note").get();
    String env = environment.substring(environment.indexOf('-') + 1);
    long workerPods = client.pods().inNamespace(n).withLabel(Labels.ENVIRONMENT, env).withLabel(Labels.COMPONENT, Labels.PROCESS)
        .list().getItems().stream().filter(p -> p.getMetadata().getName().startsWith(environment + "-worker-")).count();
    long cronPods = client.pods().inNamespace(n).withLabel(Labels.ENVIRONMENT, env).withLabel(Labels.COMPONENT, Labels.CRON)
        .list().getItems().stream().filter(p -> p.getMetadata().getName().startsWith(environment + "-note-"))
        .filter(p -> p.getStatus() == null || !Set.of("Succeeded", "Failed").contains(p.getStatus().getPhase())).count();
    return "worker replicas " + worker.getSpec().getReplicas() + ", worker pods " + workerPods + ", scheduled runs " + cronPods
        + ", CronJob suspended " + cron.getSpec().getSuspend();
  }

  private static String cronImage(String cronJob) {
    return client.batch().v1().cronjobs().inNamespace(n).withName(cronJob).get().getSpec().getJobTemplate().getSpec().getTemplate().getSpec()
        .getContainers().get(0).getImage();
  }

  /** Whether a release Job of the environment ran {@code image} to success. */
  private static boolean releaseSucceeded(String environment, String image) {
    return client.batch().v1().jobs().inNamespace(n).withLabel(Labels.COMPONENT, Labels.MIGRATE).withLabel(Labels.PROJECT, "trouble").withLabel(Labels.ENVIRONMENT, environment)
        .list().getItems().stream()
        .anyMatch(j -> image.equals(j.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
            && j.getStatus() != null && j.getStatus().getSucceeded() != null && j.getStatus().getSucceeded() > 0);
  }

  private static String workerImage(String deployment) {
    return client.apps().deployments().inNamespace(n).withName(deployment).get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  // --- the other ways in --------------------------------------------------------------------------

  @Test
  @Order(4)
  void aSourceOverSshWithAKeyAndKnownHostsIsFetched() {
    GitRemote remote = new GitRemote("sshshop");
    Map<String, String> files = new LinkedHashMap<>();
    files.put("Dockerfile", "ARG SLIPWAY_RUNTIME_IMAGE\nFROM ${SLIPWAY_RUNTIME_IMAGE}\nCOPY --chown=10001:10001 . /app\n");
    files.put("hello.txt", "fetched over ssh\n");
    String commit = remote.commit("develop", files, "tiny");
    client.resource(new SecretBuilder().withNewMetadata().withName("sshshop-git").withNamespace(n)
        .addToLabels(SourceCredentialsPolicy.LABEL, "true").endMetadata()
        .addToStringData("ssh-privatekey", new String(ssh.clientPrivateKey(), StandardCharsets.UTF_8))
        .addToStringData("known_hosts", ssh.knownHosts() + "\n").build()).create();
    Project project = project("sshshop", ssh.url(remote), List.of(Environments.entry("test", "develop", true)));
    project.getSpec().getSource().setCredentialsSecret("sshshop-git");
    project.getSpec().getDatabase().setMode(DatabaseMode.NONE);
    client.resource(project).create();
    Environment built = Environments.await(client, n, "sshshop-test", BUILD,
        e -> Environments.condition(e, ConditionTypes.BUILT).map(c -> !"Building".equals(c.getReason()) && !"WaitingForSource".equals(c.getReason()))
            .orElse(false));
    assertThat(Environments.condition(built, ConditionTypes.BUILT).orElseThrow().getStatus()).as(describe(built)).isEqualTo("True");
    assertThat(node.registryDigest("slipway/" + n + "/sshshop", commit)).isPresent();
  }

  @Test
  @Order(5)
  void aLocalEnvironmentServesFromRunserverWithItsInClusterPostgres() throws Exception {
    GitRemote remote = new GitRemote("notes");
    remote.commit("develop", boilerplate("minimal"), "the minimal boilerplate");
    Project project = project("notes", git.url(remote), List.of(Environments.entry("local", "develop", true)));
    project.getSpec().getSource().setCredentialsSecret("shop-git");
    client.resource(project).create();
    Environment ready = Environments.await(client, n, "notes-local", BUILD.plus(ROLLOUT), e -> phase(e) == Phase.Ready
        || phase(e) == Phase.Failed);
    assertThat(ready.getStatus().getPhase()).as(describe(ready)).isEqualTo(Phase.Ready);
    assertThat(client.apps().statefulSets().inNamespace(n).withName("notes-local-postgres").get().getStatus().getReadyReplicas())
        .isEqualTo(1);
    var response = getResponseThroughIngress("notes-local." + BASE_DOMAIN, "/", Duration.ofSeconds(60));
    assertThat(response.body()).contains("It works.");
    assertThat(response.headers().getOrDefault("server", "")).contains("WSGIServer"); // Django's runserver
    System.out.println("golden path: the local environment answers from runserver (" + response.headers().get("server")
        + ") with its in-cluster Postgres StatefulSet");
  }

  // --- helpers --------------------------------------------------------------------------------

  // --- data: backups ---------------------------------------------------------------------------

  @Test
  @Order(6)
  void aBackupIsAPgDumpInTheBucketAndDeletingTheBackupDeletesTheDump() throws Exception {
    // shop-test was migrated and given a row by the first test.
    Environment shopTest = Environments.get(client, n, "shop-test");
    assertThat(shopTest.getStatus().getPhase()).as("the first test leaves shop-test Ready").isEqualTo(Phase.Ready);
    createBackup("before-the-sale", "shop-test");

    Backup done = awaitBackup("before-the-sale", ROLLOUT, b -> b.getStatus() != null && b.getStatus().getPhase() != null
        && b.getStatus().getPhase().done());
    BackupStatus st = done.getStatus();
    assertThat(st.getPhase()).as(st.getReason() + ": " + st.getMessage()).isEqualTo(BackupPhase.Succeeded);
    String key = n + "/shop-test/before-the-sale-" + done.getMetadata().getUid().replace("-", "").substring(0, 8) + ".dump";
    assertThat(st.getLocation()).isEqualTo("s3://" + BUCKET + "/" + key);
    long stored = s3.headObject(h -> h.bucket(BUCKET).key(key)).contentLength();
    assertThat(st.getSizeBytes()).as("status size is the stored object's").isEqualTo(stored).isPositive();
    assertThat(st.getCommit()).isEqualTo(shopTest.getStatus().getDeployedCommit());
    assertThat(st.getImage()).isEqualTo(shopTest.getStatus().getImage());
    assertThat(done.getMetadata().getOwnerReferences()).as("a Backup outlives its environment").isNullOrEmpty();

    // The object is a pg_dump custom-format archive with the table and the row the first test wrote.
    Path dump = Files.createTempFile("slipway-backup", ".dump");
    try {
      Files.write(dump, s3.getObjectAsBytes(g -> g.bucket(BUCKET).key(key)).asByteArray());
      String list = run(LocalPostgres.BIN.resolve("pg_restore").toString(), "--list", dump.toString());
      assertThat(list).contains("TABLE public pages_note");
      String data = run(LocalPostgres.BIN.resolve("pg_restore").toString(), "--data-only", "--table=pages_note", "--file=-", dump.toString());
      assertThat(data).contains("a note from the database");
    } finally {
      Files.deleteIfExists(dump);
    }
    System.out.println("backup: " + st.getSize() + " (" + stored + " bytes) in " + st.getLocation() + ", pg_restore lists pages_note and its row");

    // The password reached the Job only by reference; the URL is spent once the Job finished.
    Job job = client.batch().v1().jobs().inNamespace(n).withName(st.getJob()).get();
    String jobJson = Serialization.asJson(job);
    assertThat(jobJson).doesNotContain(BUCKET + "/" + key).doesNotContain("X-Amz-Signature");
    job.getSpec().getTemplate().getSpec().getInitContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals("PGPASSWORD"))
        .forEach(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-test-database"));
    Secret transfer = client.secrets().inNamespace(n).withName(st.getJob() + "-transfer").get();
    assertThat(transfer.getData()).as("the transfer Secret keeps no URL once the Job finished").isNullOrEmpty();
    assertThat(reasonsOfEvents("shop-test")).contains("BackupStarted", "BackupSucceeded");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      var latest = Environments.get(client, n, "shop-test").getStatus().getLatestBackup();
      assertThat(latest).as("shop-test's status names its newest backup").isNotNull();
      assertThat(latest.getName()).isEqualTo("before-the-sale");
      assertThat(latest.getSize()).isEqualTo(st.getSize());
    });

    // The rows go; a Restore of the Backup brings them back, and the page serves them again.
    String testDb = SharedPostgresProvisioner.databaseName(n, "shop", "test");
    try (Connection c = postgres.connect(testDb, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement()) {
      assertThat(s.executeUpdate("DELETE FROM pages_note")).isPositive();
    }
    assertThat(getThroughIngress("shop-test." + BASE_DOMAIN, "/", Duration.ofSeconds(30))).doesNotContain("a note from the database");
    createRestore("undo-the-delete", "shop-test", null, "before-the-sale");
    // The writers stop first: a row written while test's pods stop still reaches the safety Backup.
    await().atMost(ROLLOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
      var web = client.apps().deployments().inNamespace(n).withName("shop-test").get();
      return web != null && Integer.valueOf(0).equals(web.getSpec().getReplicas());
    });
    try (Connection c = postgres.connect(testDb, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement()) {
      s.execute("INSERT INTO pages_note (title, created) VALUES ('written while test stops', now())");
    }
    Restore restored = awaitRestore("undo-the-delete", ROLLOUT.multipliedBy(2), r -> r.getStatus() != null && r.getStatus().getPhase() != null
        && r.getStatus().getPhase().done());
    assertThat(restored.getStatus().getPhase()).as(Serialization.asJson(restored.getStatus())).isEqualTo(RestorePhase.Succeeded);
    assertThat(titles(testDb)).containsExactly("a note from the database");
    Backup safety = client.resources(Backup.class).inNamespace(n).withName("undo-the-delete-safety").get();
    assertThat(dumpedNotes(safety)).as("the safety Backup was taken once nothing of test ran: it has every write")
        .contains("written while test stops");
    assertThat(restored.getStatus().getConditions()).as("the data came from shop-test itself: nothing to sanitise")
        .anySatisfy(c -> {
          assertThat(c.getType()).isEqualTo("Sanitized");
          assertThat(c.getReason()).isEqualTo("SameEnvironment");
        });
    assertThat(getThroughIngress("shop-test." + BASE_DOMAIN, "/", Duration.ofSeconds(60))).contains("a note from the database");
    System.out.println("restore: shop-test's deleted rows restored from " + st.getLocation() + " in " + Duration.between(
        Instant.parse(restored.getStatus().getStartTime()), Instant.parse(restored.getStatus().getCompletionTime())).toSeconds()
        + " s and served through the ingress");

    // Deleting the Backup deletes the dump.
    client.resource(done).delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> client.resources(Backup.class).inNamespace(n).withName("before-the-sale").get() == null);
    assertThat(s3.listObjectsV2(l -> l.bucket(BUCKET).prefix(key)).contents()).as("the dump is deleted with its Backup").isEmpty();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(Environments.get(client, n, "shop-test").getStatus().getLatestBackup().getName())
            .as("the newest backup of shop-test left is the Restore's safety backup").isEqualTo("undo-the-delete-safety"));
  }

  @Test
  @Order(7)
  void aBackupOfAnEnvironmentThatIsNotThereWaitsAndSaysWhy() {
    createBackup("typo", "shop-tset");
    Backup waiting = awaitBackup("typo", Duration.ofSeconds(60), b -> b.getStatus() != null && "EnvironmentNotFound".equals(b.getStatus().getReason()));
    assertThat(waiting.getStatus().getPhase()).isEqualTo(BackupPhase.Pending);
    assertThat(waiting.getStatus().getMessage()).contains("shop-tset");
    client.resource(waiting).delete();
  }

  @Test
  @Order(8)
  void copyLiveToTestRestoresLivesDataSanitisedWhileLiveAndTestsCredentialsStayAsTheyWere() throws Exception {
    String liveDb = SharedPostgresProvisioner.databaseName(n, "shop", "live");
    String testDb = SharedPostgresProvisioner.databaseName(n, "shop", "test");
    try (Connection c = postgres.connect(liveDb, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement()) {
      s.execute("INSERT INTO pages_note (title, created) VALUES ('order by alice@example.com', now())");
    }
    Project shop = client.resources(Project.class).inNamespace(n).withName("shop").get();
    shop.getSpec().setData(new DataSpec());
    shop.getSpec().getData().setSanitize(List.of("python", "manage.py", "shell", "-c",
        "from pages.models import Note; Note.objects.filter(title__contains='@').update(title='order by (anonymised)')"));
    // A worker and a scheduled job on test (switched off on live): writers, which the Restore stops before its safety
    // Backup and brings back after.
    ProcessSpec worker = worker();
    ProcessSpec noWorker = noWorker();
    CronSpec note = noteEveryMinute();
    CronSpec noNote = noNote();
    shop.getSpec().setProcesses(List.of(worker));
    shop.getSpec().setCron(List.of(note));
    EnvironmentTemplate liveEntry = shop.getSpec().getEnvironments().stream().filter(e -> e.getName().equals("live")).findFirst().orElseThrow();
    liveEntry.setProcesses(List.of(noWorker));
    liveEntry.setCron(List.of(noNote));
    client.resource(shop).update();
    Map<String, String> testCredentials = client.secrets().inNamespace(n).withName("shop-test-database").get().getData();
    await().atMost(ROLLOUT).pollInterval(Duration.ofSeconds(1)).until(() -> writersRun("shop-test"));

    createRestore("copy-live", "shop-test", "shop-live", null);
    // What the writers do once the safety Backup exists (the hold lasts until the data is sanitised, tens of seconds).
    AtomicReference<String> atSafety = new AtomicReference<>();
    Thread watcher = new Thread(() -> {
      while (atSafety.get() == null && !Thread.currentThread().isInterrupted()) {
        try {
          if (client.resources(Backup.class).inNamespace(n).withName("copy-live-safety").get() != null) {
            atSafety.set(writersState("shop-test"));
          }
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // the API server busy: the next look
        }
      }
    }, "safety-backup-watcher");
    watcher.setDaemon(true);
    watcher.start();

    Restore done = awaitRestore("copy-live", ROLLOUT.multipliedBy(2), r -> r.getStatus() != null && r.getStatus().getPhase() != null
        && r.getStatus().getPhase().done());
    watcher.interrupt();
    assertThat(atSafety.get()).as("the worker and the scheduled job when the safety Backup was taken")
        .isEqualTo("worker replicas 0, worker pods 0, scheduled runs 0, CronJob suspended true");
    assertThat(done.getStatus().getPhase()).as(Serialization.asJson(done.getStatus())).isEqualTo(RestorePhase.Succeeded);
    for (String type : List.of("SourceBackup", "SafetyBackup", "Stopped", "Restored", "Migrated", "Sanitized", "Serving")) {
      assertThat(done.getStatus().getConditions()).as(type).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo(type);
        assertThat(c.getStatus()).isEqualTo("True");
      });
    }
    assertThat(done.getStatus().getSourceBackup()).isEqualTo("copy-live-source");
    assertThat(client.resources(Backup.class).inNamespace(n).withName("copy-live-safety").get().getStatus().getPhase())
        .isEqualTo(BackupPhase.Succeeded);

    // Test now has live's rows, sanitised; live is untouched; test's own credentials are unchanged.
    assertThat(titles(testDb)).contains("order by (anonymised)").doesNotContain("order by alice@example.com", "a note from the database");
    assertThat(titles(liveDb)).contains("order by alice@example.com");
    assertThat(client.secrets().inNamespace(n).withName("shop-test-database").get().getData()).isEqualTo(testCredentials);
    assertThat(dev.slipway.backup.RestoreHold.holder(Environments.get(client, n, "shop-test")).orElse(null)).as("the restoring hold is gone").isNull();
    assertThat(getThroughIngress("shop-test." + BASE_DOMAIN, "/", Duration.ofSeconds(60))).contains("order by (anonymised)")
        .doesNotContain("alice@example.com");
    assertThat(reasonsOfEvents("shop-test")).contains("RestoreStarted", "RestoreFinished");
    System.out.println("restore: live copied to test in " + Duration.between(Instant.parse(done.getStatus().getStartTime()),
        Instant.parse(done.getStatus().getCompletionTime())).toSeconds() + " s, sanitised, served through the ingress");
    await().atMost(ROLLOUT).pollInterval(Duration.ofSeconds(1)).until(() -> writersRun("shop-test"));
    System.out.println("restore: worker stopped and scheduled job suspended before the safety Backup (" + atSafety.get()
        + "), both back after");

    // Process types and jobs that leave the Project: their Deployment and CronJob go.
    // (edit retried on a conflict: the Project controller writes its status meanwhile)
    Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(n).withName("shop").edit(p -> {
      p.getSpec().setProcesses(null);
      p.getSpec().setCron(null);
      p.getSpec().getEnvironments().forEach(e -> {
        e.setProcesses(null);
        e.setCron(null);
      });
      return p;
    }));
    await().atMost(Duration.ofSeconds(60)).until(() -> client.apps().deployments().inNamespace(n).withName("shop-test-worker").get() == null
        && client.batch().v1().cronjobs().inNamespace(n).withName("shop-test-note").get() == null);

    // A copy whose release command fails keeps test stopped: live's rows are never served unsanitised.
    try (Connection c = postgres.connect(liveDb, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement()) {
      s.execute("INSERT INTO pages_note (title, created) VALUES ('order by bob@example.com', now())");
    }
    shop = client.resources(Project.class).inNamespace(n).withName("shop").get();
    shop.getSpec().setRelease(new ReleaseSpec());
    shop.getSpec().getRelease().setCommand(List.of("python", "-c", "import sys; sys.exit('the release breaks here')"));
    client.resource(shop).update();
    createRestore("copy-fails", "shop-test", "shop-live", null);
    Restore failed = awaitRestore("copy-fails", ROLLOUT.multipliedBy(2), r -> r.getStatus() != null && r.getStatus().getPhase() != null
        && r.getStatus().getPhase().done());
    assertThat(failed.getStatus().getPhase()).as(Serialization.asJson(failed.getStatus())).isEqualTo(RestorePhase.Failed);
    assertThat(failed.getStatus().getReason()).isEqualTo("MigrationFailed");
    assertThat(failed.getStatus().getMessage()).contains("the release breaks here", "stays stopped", "copy-fails-safety");
    assertThat(titles(testDb)).as("live's rows are in test's database, not sanitised").contains("order by bob@example.com");
    Environment stopped = Environments.await(client, n, "shop-test", Duration.ofSeconds(60),
        Environments.conditionIs(ConditionTypes.READY, "False", "UnsanitizedData"));
    assertThat(stopped.getMetadata().getAnnotations()).containsEntry(Annotations.UNSANITIZED_DATA, "shop-live");
    sleep(5000);
    assertThat(client.apps().deployments().inNamespace(n).withName("shop-test").get().getSpec().getReplicas()).isZero();
    RealNode.HttpAnswer answer = node.ingressGet("shop-test." + BASE_DOMAIN, "/", Duration.ofSeconds(5));
    assertThat(answer.status()).as("nothing serves test").isNotEqualTo(200);
    assertThat(answer.body()).doesNotContain("bob@example.com");
    System.out.println("restore: a copy whose release command failed left test stopped (HTTP " + answer.status() + " through the ingress)");

    // The way back: the release command mended, a Restore of that copy's safety Backup (test's own data) serves again.
    shop = client.resources(Project.class).inNamespace(n).withName("shop").get();
    shop.getSpec().setRelease(null);
    client.resource(shop).update();
    createRestore("copy-fails-undone", "shop-test", null, "copy-fails-safety");
    Restore undone = awaitRestore("copy-fails-undone", ROLLOUT.multipliedBy(2), r -> r.getStatus() != null && r.getStatus().getPhase() != null
        && r.getStatus().getPhase().done());
    assertThat(undone.getStatus().getPhase()).as(Serialization.asJson(undone.getStatus())).isEqualTo(RestorePhase.Succeeded);
    assertThat(titles(testDb)).contains("order by (anonymised)").doesNotContain("order by bob@example.com");
    assertThat(Environments.get(client, n, "shop-test").getMetadata().getAnnotations()).doesNotContainKey(Annotations.UNSANITIZED_DATA);
    assertThat(getThroughIngress("shop-test." + BASE_DOMAIN, "/", Duration.ofSeconds(60))).contains("order by (anonymised)")
        .doesNotContain("bob@example.com");
  }

  @Test
  @Order(9)
  void aRestoreIntoLiveIsRefusedUnlessItSaysAllowLive() {
    createRestore("into-live", "shop-live", null, "copy-live-safety");
    Restore refused = awaitRestore("into-live", Duration.ofSeconds(60), r -> r.getStatus() != null && r.getStatus().getPhase() != null
        && r.getStatus().getPhase().done());
    assertThat(refused.getStatus().getPhase()).isEqualTo(RestorePhase.Failed);
    assertThat(refused.getStatus().getReason()).isEqualTo("LiveNotAllowed");
    assertThat(refused.getStatus().getMessage()).contains("allowLive");
    assertThat(dev.slipway.backup.RestoreHold.holder(Environments.get(client, n, "shop-live")).orElse(null)).isNull();
    assertThat(client.resources(Backup.class).inNamespace(n).withName("into-live-safety").get()).as("nothing was even backed up").isNull();
  }

  @Test
  @Order(10)
  void aDumpThatCannotLogInIsAFailedBackupWithPgDumpsOwnWordsAndNoPassword() throws Exception {
    // The role's password changed behind Slipway's back (the shared provisioner puts it back at its next check).
    try (LockedOut locked = lockOut("shop-test-database")) {
      String password = locked.password();
      createBackup("locked-out", "shop-test");
      Backup failed = awaitBackup("locked-out", ROLLOUT, b -> b.getStatus() != null && b.getStatus().getPhase() != null
          && b.getStatus().getPhase().done());
      BackupStatus st = failed.getStatus();
      assertThat(st.getPhase()).isEqualTo(BackupPhase.Failed);
      assertThat(st.getReason()).isEqualTo("DumpFailed");
      assertThat(st.getMessage()).contains("password authentication failed").doesNotContain(password);
      assertThat(reasonsOfEvents("shop-test")).contains("BackupFailed");
      assertThat(Serialization.asJson(client.v1().events().inNamespace(n).list())).doesNotContain(password);
      String key = st.getLocation().substring(("s3://" + BUCKET + "/").length());
      assertThat(s3.listObjectsV2(l -> l.bucket(BUCKET).prefix(key)).contents()).as("nothing stored").isEmpty();
      System.out.println("backup: a dump that cannot log in fails as " + st.getReason() + ": " + st.getMessage());
    }
  }

  @Test
  @Order(11)
  void aLiveReleaseBacksUpLiveFirstAndItsReleaseRecordNamesTheBackup() throws Exception {
    String third = shopRemote.commit("develop",
        Map.of("templates/index.html", read(boilerplateDir("minimal").resolve("templates/index.html")).replace("It works.", "It works, thrice.")),
        "third release");
    annotate(client, n, "shop-test", Annotations.REFRESH, "push-3");
    Environment testReady = Environments.await(client, n, "shop-test", BUILD.plus(ROLLOUT),
        e -> e.getStatus() != null && third.equals(e.getStatus().getDeployedCommit()) && phase(e) == Phase.Ready);
    annotate(client, n, "shop-live", Annotations.DEPLOY, "release-3");
    Environment live = Environments.await(client, n, "shop-live", ROLLOUT.plus(ROLLOUT), e -> e.getStatus() != null
        && testReady.getStatus().getImage().equals(e.getStatus().getImage()) && phase(e) == Phase.Ready);

    String name = "shop-live-pre-" + third.substring(0, 12);
    Backup before = client.resources(Backup.class).inNamespace(n).withName(name).get();
    assertThat(before).as("a Backup of live was taken before the release").isNotNull();
    assertThat(before.getStatus().getPhase()).isEqualTo(BackupPhase.Succeeded);
    var release = live.getStatus().getReleases().get(0);
    assertThat(release.getImage()).isEqualTo(testReady.getStatus().getImage());
    assertThat(release.getBackup()).as("the release history links the backup").isEqualTo(name);
    Job migrate = client.batch().v1().jobs().inNamespace(n).withName(release.getJob()).get();
    assertThat(Instant.parse(before.getStatus().getCompletionTime())).as("stored before the release command's Job was made")
        .isBeforeOrEqualTo(Instant.parse(migrate.getMetadata().getCreationTimestamp()));
    // Ready once the new pods are; the old ones serve until they are gone from the endpoints.
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
        assertThat(getThroughIngress("shop-live." + BASE_DOMAIN, "/", Duration.ofSeconds(30))).contains("It works, thrice."));
    System.out.println("backup: live backed up as " + name + " (" + before.getStatus().getSize() + ") before its release command ran");
  }

  @Test
  @Order(12)
  void aFailedBackupBeforeALiveReleaseBlocksItUntilARetryBacksUpAndReleases() throws Exception {
    String fourth = shopRemote.commit("develop",
        Map.of("templates/index.html", read(boilerplateDir("minimal").resolve("templates/index.html")).replace("It works.", "It works, four times.")),
        "fourth release");
    annotate(client, n, "shop-test", Annotations.REFRESH, "push-4");
    Environment testReady = Environments.await(client, n, "shop-test", BUILD.plus(ROLLOUT),
        e -> e.getStatus() != null && fourth.equals(e.getStatus().getDeployedCommit()) && phase(e) == Phase.Ready);
    String servingBefore = Environments.get(client, n, "shop-live").getStatus().getImage();

    // Live's role cannot log in with its stored password: the backup before the release fails.
    LockedOut locked = lockOut("shop-live-database");
    annotate(client, n, "shop-live", Annotations.DEPLOY, "release-4");
    Environment blocked = Environments.await(client, n, "shop-live", ROLLOUT, e -> Environments.condition(e, ConditionTypes.MIGRATED)
        .map(c -> "BackupFailed".equals(c.getReason())).orElse(false));
    assertThat(blocked.getStatus().getImage()).as("the old version keeps serving").isEqualTo(servingBefore);
    assertThat(Environments.condition(blocked, ConditionTypes.MIGRATED).orElseThrow().getMessage()).contains("retry-release");
    assertThat(reasonsOfEvents("shop-live")).contains("ReleaseBlocked");
    assertThat(client.batch().v1().jobs().inNamespace(n).withLabel(Labels.ENVIRONMENT, "live").withLabel(Labels.COMMIT, fourth).list()
        .getItems()).as("no release command ran").isEmpty();

    // Put the password back and ask again: a new backup, then the release.
    locked.close();
    annotate(client, n, "shop-live", Annotations.RETRY_RELEASE, "after-the-password");
    Environment released = Environments.await(client, n, "shop-live", ROLLOUT.plus(ROLLOUT), e -> e.getStatus() != null
        && testReady.getStatus().getImage().equals(e.getStatus().getImage()) && phase(e) == Phase.Ready);
    String retried = "shop-live-pre-" + fourth.substring(0, 12) + "-2";
    assertThat(client.resources(Backup.class).inNamespace(n).withName(retried).get().getStatus().getPhase()).isEqualTo(BackupPhase.Succeeded);
    assertThat(released.getStatus().getReleases().get(0).getBackup()).isEqualTo(retried);
    System.out.println("backup: a failed backup blocked live's release; the retry backed up as " + retried + " and released");
  }

  @Test
  @Order(13)
  void aScheduleOfEveryMinuteKeepsItsNewestBackupsAndRunsMissedTimesOnceAfterARestart() throws Exception {
    Project shop = client.resources(Project.class).inNamespace(n).withName("shop").get();
    BackupSchedules schedules = new BackupSchedules();
    schedules.setTest("* * * * *");
    schedules.setKeep(2);
    shop.getSpec().getDatabase().setBackups(schedules);
    client.resource(shop).update();

    // The first time it fires: a Backup named after the minute, and the environment's status says so.
    Backup first = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
        .until(() -> scheduledBackups().stream().filter(b -> b.getStatus() != null && b.getStatus().getPhase() == BackupPhase.Succeeded)
            .findFirst().orElse(null), java.util.Objects::nonNull);
    Instant firstSlot = Instant.parse(first.getMetadata().getAnnotations().get("slipway.dev/scheduled-for"));
    assertThat(first.getMetadata().getName()).isEqualTo("shop-test-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmm")
        .withZone(java.time.ZoneOffset.UTC).format(firstSlot));
    var schedule = Environments.get(client, n, "shop-test").getStatus().getBackupSchedule();
    assertThat(schedule.getSchedule()).isEqualTo("* * * * *");
    assertThat(schedule.getKeep()).isEqualTo(2);
    assertThat(Instant.parse(schedule.getNextScheduleTime())).isAfter(firstSlot);

    // The operator is down while the schedule fires at least twice.
    operator.close();
    operator = null;
    Instant stopped = Instant.now();
    Set<String> beforeRestart = names(scheduledBackups());
    Instant twoMissed = stopped.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plus(Duration.ofMinutes(2)).plusSeconds(5);
    sleep(Duration.between(Instant.now(), twoMissed).toMillis());
    assertThat(names(scheduledBackups())).as("nothing runs while the operator is down").isEqualTo(beforeRestart);
    operator = RunningOperator.start(config, node);

    // Back: one Backup for all the missed times (the latest), not one per missed minute.
    Backup caughtUp = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .until(() -> scheduledBackups().stream().filter(b -> !beforeRestart.contains(b.getMetadata().getName()))
            .min(java.util.Comparator.comparing(b -> b.getMetadata().getName())).orElse(null), java.util.Objects::nonNull);
    Instant caughtUpSlot = Instant.parse(caughtUp.getMetadata().getAnnotations().get("slipway.dev/scheduled-for"));
    assertThat(Duration.between(stopped.truncatedTo(java.time.temporal.ChronoUnit.MINUTES), caughtUpSlot))
        .as("at least two due times passed while the operator was down").isGreaterThanOrEqualTo(Duration.ofMinutes(2));
    assertThat(scheduledBackups().stream().filter(b -> !beforeRestart.contains(b.getMetadata().getName()))
        .filter(b -> !Instant.parse(b.getMetadata().getAnnotations().get("slipway.dev/scheduled-for")).isAfter(caughtUpSlot))
        .map(b -> b.getMetadata().getName()).toList())
        .as("one Backup for the missed times").containsExactly(caughtUp.getMetadata().getName());

    // Then on schedule again, and only the newest two that succeeded are kept: the first is gone, dump and all.
    String firstKey = first.getStatus().getLocation().substring(("s3://" + BUCKET + "/").length());
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
      List<Backup> now = scheduledBackups();
      assertThat(now).as("a regular time after the catch-up").anySatisfy(b ->
          assertThat(Instant.parse(b.getMetadata().getAnnotations().get("slipway.dev/scheduled-for"))).isAfter(caughtUpSlot));
      assertThat(now.stream().filter(b -> b.getStatus() != null && b.getStatus().getPhase() != null && b.getStatus().getPhase().done()))
          .as("finished scheduled Backups").hasSize(2)
          .allSatisfy(b -> assertThat(b.getStatus().getPhase()).isEqualTo(BackupPhase.Succeeded));
      assertThat(names(now)).doesNotContain(first.getMetadata().getName());
    });
    assertThat(s3.listObjectsV2(l -> l.bucket(BUCKET).prefix(firstKey)).contents()).as("the pruned Backup's dump is deleted").isEmpty();
    assertThat(client.resources(Backup.class).inNamespace(n).withName("locked-out").get()).as("a Backup made by hand is kept").isNotNull();
    assertThat(reasonsOfEvents("shop-test")).contains("BackupExpired");
    System.out.println("scheduled backups: every minute, keep 2: " + names(scheduledBackups()) + "; down from " + stopped
        + ", caught up once with " + caughtUp.getMetadata().getName());

    // Turned off: no schedule in the status, no new Backups.
    shop = client.resources(Project.class).inNamespace(n).withName("shop").get();
    shop.getSpec().getDatabase().getBackups().setTest("none");
    client.resource(shop).update();
    await().atMost(Duration.ofSeconds(30)).until(() -> Environments.get(client, n, "shop-test").getStatus().getBackupSchedule() == null);
  }

  /** The rows of pages_note in a Backup's dump, as pg_restore prints them. */
  private static String dumpedNotes(Backup backup) throws Exception {
    String key = backup.getStatus().getLocation().substring(("s3://" + BUCKET + "/").length());
    Path dump = Files.createTempFile("slipway-backup", ".dump");
    try {
      Files.write(dump, s3.getObjectAsBytes(g -> g.bucket(BUCKET).key(key)).asByteArray());
      return run(LocalPostgres.BIN.resolve("pg_restore").toString(), "--data-only", "--table=pages_note", "--file=-", dump.toString());
    } finally {
      Files.deleteIfExists(dump);
    }
  }

  /** shop-test's Backups taken on its schedule, by name. */
  private static List<Backup> scheduledBackups() {
    return client.resources(Backup.class).inNamespace(n).withLabel("slipway.dev/backup-kind", "scheduled").list().getItems().stream()
        .filter(b -> "shop-test".equals(b.getSpec().getEnvironment()))
        .sorted(java.util.Comparator.comparing(b -> b.getMetadata().getName()))
        .toList();
  }

  private static Set<String> names(List<Backup> backups) {
    return backups.stream().map(b -> b.getMetadata().getName()).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }

  private static List<String> titles(String database) throws Exception {
    try (Connection c = postgres.connect(database, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT title FROM pages_note")) {
      List<String> titles = new java.util.ArrayList<>();
      while (rs.next()) {
        titles.add(rs.getString(1));
      }
      return titles;
    }
  }

  private static void createBackup(String name, String environment) {
    Backup backup = new Backup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(n).build());
    backup.setSpec(new BackupSpec());
    backup.getSpec().setEnvironment(environment);
    client.resource(backup).create();
  }

  /** A database role whose password was changed behind Slipway's back; closing puts the stored one back. */
  record LockedOut(String role, String password) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      alterPassword(role, password);
    }
  }

  /** Changes the password of the role in this credentials Secret so that the stored one no longer logs in. */
  private static LockedOut lockOut(String credentialsSecret) throws Exception {
    Map<String, String> data = client.secrets().inNamespace(n).withName(credentialsSecret).get().getData();
    String role = new String(java.util.Base64.getDecoder().decode(data.get("user")), StandardCharsets.UTF_8);
    String password = new String(java.util.Base64.getDecoder().decode(data.get("password")), StandardCharsets.UTF_8);
    alterPassword(role, "not-the-stored-one");
    return new LockedOut(role, password);
  }

  /**
   * As the operator sets passwords: a SCRAM verifier computed here, so the server's statement log
   * never holds the password (the run-wide secret check found the plain ALTER ROLE ... PASSWORD).
   */
  private static void alterPassword(String role, String password) throws Exception {
    try (Connection c = postgres.connect("postgres", postgres.adminUser(), postgres.adminPassword())) {
      c.unwrap(org.postgresql.PGConnection.class).alterUserPassword(role, password.toCharArray(), "scram-sha-256");
    }
  }

  /** A Restore into {@code target} of a fresh Backup of {@code fromEnvironment}, or of the Backup {@code fromBackup}. */
  private static void createRestore(String name, String target, String fromEnvironment, String fromBackup) {
    Restore restore = new Restore();
    restore.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(n).build());
    restore.setSpec(new RestoreSpec());
    restore.getSpec().setEnvironment(target);
    restore.getSpec().setFrom(new RestoreSource());
    restore.getSpec().getFrom().setEnvironment(fromEnvironment);
    restore.getSpec().getFrom().setBackup(fromBackup);
    client.resource(restore).create();
  }

  private static Restore awaitRestore(String name, Duration within, java.util.function.Predicate<Restore> done) {
    AtomicReference<Restore> last = new AtomicReference<>();
    try {
      await().atMost(within).pollInterval(Duration.ofSeconds(1)).until(() -> {
        Restore r = client.resources(Restore.class).inNamespace(n).withName(name).get();
        last.set(r);
        return r != null && done.test(r);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("Restore " + name + " did not get there within " + within + "; last: "
          + (last.get() == null ? "none" : Serialization.asJson(last.get().getStatus())), e);
    }
    return last.get();
  }

  private static Backup awaitBackup(String name, Duration within, java.util.function.Predicate<Backup> done) {
    AtomicReference<Backup> last = new AtomicReference<>();
    try {
      await().atMost(within).pollInterval(Duration.ofSeconds(1)).until(() -> {
        Backup b = client.resources(Backup.class).inNamespace(n).withName(name).get();
        last.set(b);
        return b != null && done.test(b);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("Backup " + name + " did not get there within " + within + "; last: "
          + (last.get() == null ? "none" : Serialization.asJson(last.get().getStatus())), e);
    }
    return last.get();
  }

  private static List<String> reasonsOfEvents(String environment) {
    return client.v1().events().inNamespace(n).list().getItems().stream()
        .filter(e -> environment.equals(e.getInvolvedObject().getName())).map(io.fabric8.kubernetes.api.model.Event::getReason).toList();
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out;
  }

  private static Project project(String name, String url, List<EnvironmentTemplate> mapping) {
    Project project = Environments.project(n, name, url, mapping);
    DatabaseSpec db = new DatabaseSpec();
    db.setMode(DatabaseMode.SHARED);
    project.getSpec().setDatabase(db);
    return project;
  }

  private static Path boilerplateDir(String name) {
    return node.repoRootPath().resolve("base-images/boilerplates").resolve(name);
  }

  /** The boilerplate's files as Git would track them (no caches, no build output). */
  private static Map<String, String> boilerplate(String name) {
    Path dir = boilerplateDir(name);
    Map<String, String> files = new LinkedHashMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.filter(Files::isRegularFile)
          .filter(p -> Stream.of("__pycache__", "staticfiles", "node_modules").noneMatch(part -> p.toString().contains("/" + part + "/")))
          .filter(p -> !p.getFileName().toString().endsWith(".pyc") && !p.getFileName().toString().equals("db.sqlite3"))
          .forEach(p -> files.put(dir.relativize(p).toString(), read(p)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The phase, or null before the first status. */
  private static Phase phase(Environment e) {
    return e.getStatus() == null ? null : e.getStatus().getPhase();
  }

  private static String describe(Environment e) {
    return e.getMetadata().getName() + " " + phase(e) + " " + (e.getStatus() == null ? "no status" : e.getStatus().getConditions());
  }

  private static String getThroughIngress(String host, String path, Duration within) {
    return getResponseThroughIngress(host, path, within).body();
  }

  /** GET through the ingress controller with this Host; retried (bounded) until 200 or the time is up. */
  private static RealNode.HttpAnswer getResponseThroughIngress(String host, String path, Duration within) {
    Instant deadline = Instant.now().plus(within);
    String last = "no answer";
    for (int attempt = 1; attempt <= 200 && Instant.now().isBefore(deadline); attempt++) {
      try {
        RealNode.HttpAnswer r = node.ingressGet(host, path, Duration.ofSeconds(5));
        if (r.status() == 200) {
          return r;
        }
        last = "HTTP " + r.status() + ": " + r.body().substring(0, Math.min(200, r.body().length()));
      } catch (IOException e) {
        last = e.toString();
      }
      sleep(500);
    }
    throw new AssertionError("GET http://" + host + path + " through the ingress did not answer 200 within " + within + ": " + last);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Requests through the ingress at a bounded rate, for a bounded time, counting what failed. */
  static final class RequestLoop {
    record Result(int total, int failed, String firstFailure) {}

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private volatile String firstFailure;
    private final Thread thread;

    private RequestLoop(String host, int perSecond, Duration limit) {
      Instant end = Instant.now().plus(limit);
      thread = new Thread(() -> {
        long pause = 1000L / perSecond;
        while (running.get() && Instant.now().isBefore(end)) {
          long started = System.nanoTime();
          total.incrementAndGet();
          String failure = null;
          try {
            RealNode.HttpAnswer r = node.ingressGet(host, "/", Duration.ofSeconds(5));
            if (r.status() != 200) {
              failure = "HTTP " + r.status();
            }
          } catch (IOException e) {
            failure = e.toString();
          }
          if (failure != null) {
            failed.incrementAndGet();
            if (firstFailure == null) {
              firstFailure = Instant.now() + " " + failure;
            }
          }
          long left = pause - (System.nanoTime() - started) / 1_000_000;
          if (left > 0) {
            try {
              Thread.sleep(left);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      }, "request-loop");
      thread.setDaemon(true);
      thread.start();
    }

    static RequestLoop start(String host, int perSecond, Duration limit) {
      return new RequestLoop(host, perSecond, limit);
    }

    Result stop() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
      return new Result(total.get(), failed.get(), firstFailure);
    }
  }
}
