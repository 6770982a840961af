package dev.slipway.backup;

import static dev.slipway.testing.Environments.annotate;
import static dev.slipway.testing.Environments.entry;
import static dev.slipway.testing.Environments.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.DataSpec;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestorePhase;
import dev.slipway.api.v1alpha1.RestoreSource;
import dev.slipway.api.v1alpha1.RestoreSpec;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * A Restore's sequence on the real API server, the kubelet played by {@link FakeKubelet} (the
 * dump, restore and command Jobs "run" when the test finishes their pods; a dump is "stored" when
 * the test puts an object at its key in moto). What happens inside the pods is shown on the real
 * node by RealNodeGoldenPathIT; this shows the order of the steps, which objects a Restore uses,
 * and what stops and serves when something fails.
 */
@ControlPlaneTest
class RestoreIT {

  private static final String BUCKET = "slipway-backups";
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** The annotation a Restore leaves when the target holds another environment's data that was not sanitised. */
  private static final String UNSANITIZED = "slipway.dev/unsanitized-data-from";

  private static MotoServer moto;
  private static S3Client s3;
  private static LocalPostgres postgres;
  private static GitDaemon daemon;
  private static FakeKubelet kubelet;
  private static RunningOperator operator;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) {
    moto = MotoServer.start();
    s3 = S3Client.builder().region(Region.of(MotoServer.REGION)).endpointOverride(moto.endpoint())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .httpClient(UrlConnectionHttpClient.create())
        .build();
    s3.createBucket(b -> b.bucket(BUCKET));
    postgres = LocalPostgres.start();
    daemon = new GitDaemon();
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
        .aws(MotoServer.REGION, moto.endpoint().toString(), MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)
        .backupBucket(BUCKET)
        .backupEndpoint(moto.endpoint().toString())
        .build();
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
    if (moto != null) {
      moto.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  // --- item 3: a Restore's Backups are its own ----------------------------------------------

  @Test
  void aRestoreMadeAgainUnderAnEarlierOnesNameDoesNotUseThatOnesBackups(KubernetesClient client, TestNamespace ns) {
    String n = ns.name();
    serve(client, n, "again", List.of(entry("test", "develop", true)));
    createBackup(client, n, "again-dump", "again-test", Map.of());
    succeedBackup(client, n, "again-dump");
    // What an earlier Restore of that name left: its safety Backup, yesterday's data.
    createBackup(client, n, "put-back-safety", "again-test", Map.of(Labels.MANAGED_BY, Labels.MANAGER, Labels.RESTORE_NAME, "put-back"));
    succeedBackup(client, n, "put-back-safety");

    createRestore(client, n, "put-back", "again-test", null, "again-dump");
    Restore refused = awaitRestore(client, n, "put-back", r -> phase(r) != null && phase(r).done());
    assertThat(refused.getStatus().getPhase()).as(Serialization.asJson(refused.getStatus())).isEqualTo(RestorePhase.Failed);
    assertThat(refused.getStatus().getReason()).isEqualTo("BackupNameTaken");
    assertThat(refused.getStatus().getMessage()).contains("put-back-safety", "not taken by this Restore");
    assertThat(hold(client, n, "again-test")).as("nothing was stopped").isNull();
    assertThat(replicas(client, n, "again-test")).isEqualTo(1);
  }

  @Test
  void aBackupOfAnotherProjectsEnvironmentIsRefusedAlthoughItsNameStartsWithTheProjects(KubernetesClient client, TestNamespace ns) {
    String n = ns.name();
    serve(client, n, "pre", List.of(entry("test", "develop", true)));
    // A Backup of pre-eu, an environment of Project pre-eu that was deleted since (the label says whose it was).
    createBackup(client, n, "eu-dump", "pre-eu", Map.of(Labels.PROJECT, "pre-eu", Labels.ENVIRONMENT, "eu"));

    createRestore(client, n, "eu-into-test", "pre-test", null, "eu-dump");
    Restore refused = awaitRestore(client, n, "eu-into-test", r -> phase(r) != null && phase(r).done());
    assertThat(refused.getStatus().getPhase()).as(Serialization.asJson(refused.getStatus())).isEqualTo(RestorePhase.Failed);
    assertThat(refused.getStatus().getReason()).isEqualTo("OtherProject");
    assertThat(refused.getStatus().getMessage()).contains("pre-eu");
    assertThat(hold(client, n, "pre-test")).isNull();
    assertThat(backup(client, n, "eu-into-test-safety")).as("nothing was backed up").isNull();
  }

  @Test
  void aPreReleaseBackupLeftFromAnEarlierReleaseOfTheSameCommitIsNotUsed(KubernetesClient client, TestNamespace ns) throws Exception {
    String n = ns.name();
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    live.setPromoteFrom("test");
    live.setReplicas(1);
    Served served = serve(client, n, "rel", List.of(entry("test", "develop", true), live));
    // Live's first release (no backup: nothing served yet).
    annotate(client, n, "rel-live", Annotations.DEPLOY, "r1");
    String liveMigrate1 = "rel-live-migrate-" + served.commit().substring(0, 12);
    awaitJob(client, n, liveMigrate1);
    kubelet.succeedBuild(n, liveMigrate1, "migrated");
    awaitImage(client, n, "rel-live", digest('a'));
    kubelet.runDeployment(n, "rel-live");
    Environments.await(client, n, "rel-live", WAIT, e -> e.getStatus().getPhase() == Phase.Ready);

    // A second commit reaches test; a Backup with the name live's release of it would use is there already,
    // made for an environment of that name before (or kept after the history forgot that release).
    String second = served.remote().commit("develop", files("app.py", "two\n"), "two");
    annotate(client, n, "rel-test", Annotations.REFRESH, "2");
    readyAt(client, n, "rel", "test", second, 'b', true);
    String preName = "rel-live-pre-" + second.substring(0, 12);
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment("rel", "live"));
    labels.put("slipway.dev/backup-kind", "pre-release");
    labels.put("slipway.dev/before-release", second);
    createBackup(client, n, preName, "rel-live", labels);
    succeedBackup(client, n, preName);

    annotate(client, n, "rel-live", Annotations.DEPLOY, "r2");
    Environment blocked = Environments.await(client, n, "rel-live", WAIT,
        Environments.conditionIs(ConditionTypes.MIGRATED, "False", "BackupNameTaken"));
    assertThat(Environments.condition(blocked, ConditionTypes.MIGRATED).orElseThrow().getMessage()).contains(preName);
    Thread.sleep(3000);
    assertThat(client.batch().v1().jobs().inNamespace(n).withName("rel-live-migrate-" + second.substring(0, 12)).get())
        .as("the release command did not run behind a Backup that is not its own").isNull();

    // A retry backs up under a name of its own, then releases.
    annotate(client, n, "rel-live", Annotations.RETRY_RELEASE, "1");
    String retried = preName + "-2";
    await().atMost(WAIT).until(() -> backup(client, n, retried) != null);
    succeedBackup(client, n, retried);
    String liveMigrate2 = "rel-live-migrate-" + second.substring(0, 8) + "-2";
    awaitJob(client, n, liveMigrate2);
    kubelet.succeedBuild(n, liveMigrate2, "migrated");
    awaitImage(client, n, "rel-live", digest('b'));
  }

  // --- items 5 and 6: writers stop first; the safety Backup has every write ---------------------

  @Test
  void theSafetyBackupIsTakenOnlyOnceNoPodOfTheTargetRunsTerminatingOnesIncluded(KubernetesClient client, TestNamespace ns) {
    String n = ns.name();
    serve(client, n, "late", List.of(entry("test", "develop", true)));
    createBackup(client, n, "late-dump", "late-test", Map.of());
    succeedBackup(client, n, "late-dump");
    // The web pod takes a while to stop (a finalizer stands for a slow shutdown).
    Pod web = webPods(client, n, "late", "test").get(0);
    setFinalizer(client, n, web.getMetadata().getName(), true);

    createRestore(client, n, "late-r", "late-test", null, "late-dump");
    await().atMost(WAIT).until(() -> replicas(client, n, "late-test") == 0);
    await().atMost(WAIT).until(() -> {
      Pod p = client.pods().inNamespace(n).withName(web.getMetadata().getName()).get();
      return p != null && p.getMetadata().getDeletionTimestamp() != null;
    });
    sleep(6000);
    assertThat(backup(client, n, "late-r-safety")).as("no safety Backup while a pod of late-test still runs").isNull();
    Restore stopping = client.resources(Restore.class).inNamespace(n).withName("late-r").get();
    assertThat(Conditions.find(stopping.getStatus().getConditions(), "Stopped")).hasValueSatisfying(c -> {
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getMessage()).contains(web.getMetadata().getName());
    });

    setFinalizer(client, n, web.getMetadata().getName(), false);
    await().atMost(WAIT).until(() -> backup(client, n, "late-r-safety") != null);
    assertThat(webPods(client, n, "late", "test")).as("the safety Backup starts once no pod runs").isEmpty();
    succeedBackup(client, n, "late-r-safety");
    Restore done = finishRestore(client, n, "late-r", "late-test", true);
    assertThat(done.getStatus().getPhase()).as(Serialization.asJson(done.getStatus())).isEqualTo(RestorePhase.Succeeded);
    for (String type : List.of("SafetyBackup", "Stopped", "Restored", "Migrated", "Sanitized", "Serving")) {
      assertThat(Conditions.isTrue(done.getStatus().getConditions(), type)).as(type).isTrue();
    }
  }

  @Test
  void aReleaseJobRunningWhenARestoreStartsIsStoppedAndItsReleaseRunsAgainAfterwards(KubernetesClient client, TestNamespace ns) {
    String n = ns.name();
    Served served = serve(client, n, "mig", List.of(entry("test", "develop", true)));
    createBackup(client, n, "mig-dump", "mig-test", Map.of());
    succeedBackup(client, n, "mig-dump");
    // A new commit: its release Job runs (and would finish during pg_restore).
    String second = served.remote().commit("develop", files("app.py", "two\n"), "two");
    annotate(client, n, "mig-test", Annotations.REFRESH, "2");
    kubelet.succeedBuild(n, BuildNames.jobName("mig", second), digest('b'));
    String migrate = "mig-test-migrate-" + second.substring(0, 12);
    awaitJob(client, n, migrate);
    kubelet.awaitJobPod(n, migrate);

    createRestore(client, n, "mig-r", "mig-test", null, "mig-dump");
    await("the running release Job is stopped before anything is restored").atMost(WAIT)
        .until(() -> client.batch().v1().jobs().inNamespace(n).withName(migrate).get() == null);
    await().atMost(WAIT).until(() -> backup(client, n, "mig-r-safety") != null);
    succeedBackup(client, n, "mig-r-safety");
    Restore done = finishRestore(client, n, "mig-r", "mig-test", true);
    assertThat(done.getStatus().getPhase()).as(Serialization.asJson(done.getStatus())).isEqualTo(RestorePhase.Succeeded);

    // The release decided before the Restore is decided again: its command runs on the restored data.
    String again = "mig-test-migrate-" + second.substring(0, 8) + "-2";
    awaitJob(client, n, again);
    assertThat(awaitImageNow(client, n, "mig-test")).as("nothing rolled out before the release command ran again").endsWith(digest('a'));
    kubelet.succeedBuild(n, again, "migrated");
    awaitImage(client, n, "mig-test", digest('b'));
  }

  // --- item 4: data from another environment is served only once sanitised ------------------

  @Test
  void aCopyIsRefusedWithoutADeclaredSanitizeCommandAndAFailedReleaseKeepsTheTargetStopped(KubernetesClient client, TestNamespace ns) {
    String n = ns.name();
    EnvironmentTemplate qa = entry("qa", "develop", true);
    qa.setStage(Stage.TEST);
    serve(client, n, "copy", List.of(entry("test", "develop", true), qa));
    createBackup(client, n, "qa-dump", "copy-qa", Map.of());
    succeedBackup(client, n, "qa-dump");

    // The Project says nothing about sanitising: the copy is refused before anything changed.
    createRestore(client, n, "copy-undeclared", "copy-test", null, "qa-dump");
    Restore refused = awaitRestore(client, n, "copy-undeclared", r -> phase(r) != null && phase(r).done());
    assertThat(refused.getStatus().getPhase()).as(Serialization.asJson(refused.getStatus())).isEqualTo(RestorePhase.Failed);
    assertThat(refused.getStatus().getReason()).isEqualTo("SanitizeNotDeclared");
    assertThat(refused.getStatus().getMessage()).contains("spec.data.sanitize", "[]");
    assertThat(backup(client, n, "copy-undeclared-safety")).isNull();
    assertThat(hold(client, n, "copy-test")).isNull();

    // With a sanitize command, a release command that fails after the load keeps test stopped.
    Environments.retryOnConflict(() -> {
      Project p = client.resources(Project.class).inNamespace(n).withName("copy").get();
      p.getSpec().setData(new DataSpec());
      p.getSpec().getData().setSanitize(List.of("python", "manage.py", "anonymise"));
      return client.resource(p).update();
    });
    createRestore(client, n, "copy-qa", "copy-test", null, "qa-dump");
    await().atMost(WAIT).until(() -> backup(client, n, "copy-qa-safety") != null);
    succeedBackup(client, n, "copy-qa-safety");
    Restore copy = awaitRestore(client, n, "copy-qa", r -> r.getMetadata().getUid() != null);
    String restoreJob = RestoreJobs.name(copy, RestoreJobs.RESTORE);
    awaitJob(client, n, restoreJob);
    kubelet.succeedBuild(n, restoreJob, "restored");
    String releaseJob = RestoreJobs.name(copy, RestoreJobs.RELEASE);
    awaitJob(client, n, releaseJob);
    kubelet.failBuild(n, releaseJob, 1, "django.db.utils.ProgrammingError: boom");
    Restore failed = awaitRestore(client, n, "copy-qa", r -> phase(r) != null && phase(r).done());
    assertThat(failed.getStatus().getPhase()).isEqualTo(RestorePhase.Failed);
    assertThat(failed.getStatus().getReason()).isEqualTo("MigrationFailed");
    assertThat(failed.getStatus().getMessage()).contains("stays stopped", "copy-qa-safety");
    sleep(5000);
    assertThat(replicas(client, n, "copy-test")).as("copy-test serves nothing: its data from copy-qa is not sanitised").isZero();
    Environment stopped = Environments.await(client, n, "copy-test", WAIT,
        Environments.conditionIs(ConditionTypes.READY, "False", "UnsanitizedData"));
    assertThat(stopped.getMetadata().getAnnotations()).containsEntry(UNSANITIZED, "copy-qa");

    // The way back: a Restore of the safety Backup (copy-test's own data) serves again.
    createRestore(client, n, "copy-back", "copy-test", null, "copy-qa-safety");
    await("a Backup of data that was not sanitised says whose data it holds").atMost(WAIT).until(() -> {
      Backup b = backup(client, n, "copy-back-safety");
      return b != null && b.getMetadata().getLabels() != null && "copy-qa".equals(b.getMetadata().getLabels().get(UNSANITIZED));
    });
    succeedBackup(client, n, "copy-back-safety");
    Restore back = finishRestore(client, n, "copy-back", "copy-test", true);
    assertThat(back.getStatus().getPhase()).as(Serialization.asJson(back.getStatus())).isEqualTo(RestorePhase.Succeeded);
    assertThat(Environments.get(client, n, "copy-test").getMetadata().getAnnotations()).doesNotContainKey(UNSANITIZED);
  }

  @Test
  void anEmptySanitizeCommandIsKeptByTheApiServer(KubernetesClient client, TestNamespace ns) {
    Project project = Environments.project(ns.name(), "nosan", "https://git.invalid/nosan.git", List.of(entry("test", "develop", true)));
    project.getSpec().setData(new DataSpec(List.of()));
    client.resource(project).create();
    Project read = client.resources(Project.class).inNamespace(ns.name()).withName("nosan").get();
    assertThat(read.getSpec().getData().getSanitize()).as("[]: no sanitising, on purpose").isNotNull().isEmpty();
    client.resource(read).delete();
  }

  // --- item 11: a deleted target, a deleted Restore ----------------------------------------

  @Test
  void aRestoreWhoseTargetIsDeletedFailsAndNoLongerHoldsItsSourceBackup(KubernetesClient client, TestNamespace ns) {
    String n = ns.name();
    EnvironmentTemplate qa = entry("qa", "develop", true);
    qa.setStage(Stage.TEST);
    serve(client, n, "gone", List.of(entry("test", "develop", true), qa));
    createBackup(client, n, "gone-dump", "gone-qa", Map.of());
    succeedBackup(client, n, "gone-dump");
    createRestore(client, n, "gone-r", "gone-qa", null, "gone-dump");
    // Started: it waits for its safety Backup, which never finishes here.
    await().atMost(WAIT).until(() -> backup(client, n, "gone-r-safety") != null);

    Environments.retryOnConflict(() -> {
      Project p = client.resources(Project.class).inNamespace(n).withName("gone").get();
      p.getSpec().setEnvironments(new ArrayList<>(List.of(entry("test", "develop", true))));
      return client.resource(p).update();
    });
    await().atMost(WAIT).until(() -> Environments.get(client, n, "gone-qa") == null);
    Restore failed = awaitRestore(client, n, "gone-r", r -> phase(r) != null && phase(r).done());
    assertThat(failed.getStatus().getPhase()).isEqualTo(RestorePhase.Failed);
    assertThat(failed.getStatus().getReason()).isEqualTo("EnvironmentDeleted");

    client.resources(Backup.class).inNamespace(n).withName("gone-dump").delete();
    await("the source Backup is no longer held by a Restore that can never finish").atMost(WAIT)
        .until(() -> backup(client, n, "gone-dump") == null);
  }

  @Test
  void deletingARestoreWhilePgRestoreRunsLiftsTheHoldOnlyOnceTheRestoreJobHasStopped(KubernetesClient client, TestNamespace ns) {
    String n = ns.name();
    serve(client, n, "mid", List.of(entry("test", "develop", true)));
    createBackup(client, n, "mid-dump", "mid-test", Map.of());
    succeedBackup(client, n, "mid-dump");
    createRestore(client, n, "mid-r", "mid-test", null, "mid-dump");
    await().atMost(WAIT).until(() -> backup(client, n, "mid-r-safety") != null);
    succeedBackup(client, n, "mid-r-safety");
    Restore running = awaitRestore(client, n, "mid-r", r -> r.getMetadata().getUid() != null);
    String restoreJob = RestoreJobs.name(running, RestoreJobs.RESTORE);
    awaitJob(client, n, restoreJob);
    // pg_restore takes a while to stop (a finalizer on its pod stands for that).
    Pod pod = kubelet.awaitJobPod(n, restoreJob);
    setFinalizer(client, n, pod.getMetadata().getName(), true);

    client.resources(Restore.class).inNamespace(n).withName("mid-r").delete();
    await().atMost(WAIT).until(() -> {
      Pod p = client.pods().inNamespace(n).withName(pod.getMetadata().getName()).get();
      return p != null && p.getMetadata().getDeletionTimestamp() != null;
    });
    sleep(5000);
    assertThat(hold(client, n, "mid-test")).as("held while pg_restore may still write").isEqualTo("mid-r");
    assertThat(replicas(client, n, "mid-test")).isZero();

    setFinalizer(client, n, pod.getMetadata().getName(), false);
    await().atMost(WAIT).until(() -> hold(client, n, "mid-test") == null);
    await().atMost(WAIT).until(() -> client.resources(Restore.class).inNamespace(n).withName("mid-r").get() == null);
    await().atMost(WAIT).until(() -> replicas(client, n, "mid-test") == 1);
  }

  // --- helpers --------------------------------------------------------------------------------

  record Served(GitRemote remote, String commit) {}

  /** A Project on a shared database whose environments all build develop, each migrated and Ready at the first commit. */
  private static Served serve(KubernetesClient client, String n, String name, List<EnvironmentTemplate> mapping) {
    GitRemote remote = new GitRemote(name);
    String commit = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    Project project = Environments.project(n, name, daemon.url(remote), mapping);
    DatabaseSpec db = new DatabaseSpec();
    db.setMode(DatabaseMode.SHARED);
    project.getSpec().setDatabase(db);
    client.resource(project).create();
    boolean built = false;
    for (EnvironmentTemplate e : mapping) {
      if (e.getPromoteFrom() == null) {
        readyAt(client, n, name, e.getName(), commit, 'a', !built);
        built = true;
      }
    }
    return new Served(remote, commit);
  }

  private static void readyAt(KubernetesClient client, String n, String project, String environment, String commit, char digest,
      boolean build) {
    if (build) {
      kubelet.succeedBuild(n, BuildNames.jobName(project, commit), digest(digest));
    }
    String env = project + "-" + environment;
    String migrate = env + "-migrate-" + commit.substring(0, 12);
    awaitJob(client, n, migrate);
    kubelet.succeedBuild(n, migrate, "migrated");
    awaitImage(client, n, env, digest(digest));
    kubelet.runDeployment(n, env);
    Environments.await(client, n, env, WAIT, e -> e.getStatus().getPhase() == Phase.Ready && commit.equals(e.getStatus().getDeployedCommit()));
  }

  /** Drives a Restore whose safety Backup succeeded to its end: the restore, release and (when wanted) serving again. */
  private static Restore finishRestore(KubernetesClient client, String n, String name, String target, boolean runsReleaseCommand) {
    Restore restore = awaitRestore(client, n, name, r -> r.getMetadata().getUid() != null);
    String restoreJob = RestoreJobs.name(restore, RestoreJobs.RESTORE);
    awaitJob(client, n, restoreJob);
    kubelet.succeedBuild(n, restoreJob, "restored");
    if (runsReleaseCommand) {
      String release = RestoreJobs.name(restore, RestoreJobs.RELEASE);
      awaitJob(client, n, release);
      kubelet.succeedBuild(n, release, "migrated");
    }
    await().atMost(WAIT).until(() -> replicas(client, n, target) > 0);
    kubelet.runDeployment(n, target);
    return awaitRestore(client, n, name, r -> phase(r) != null && phase(r).done());
  }

  private static void createBackup(KubernetesClient client, String n, String name, String environment, Map<String, String> labels) {
    Backup backup = new Backup();
    backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(n).withLabels(labels.isEmpty() ? null : labels).build());
    backup.setSpec(new BackupSpec());
    backup.getSpec().setEnvironment(environment);
    client.resource(backup).create();
  }

  /** Plays the dump Job: the dump is "uploaded" (an object at the Backup's key) and the pod succeeds. */
  private static void succeedBackup(KubernetesClient client, String n, String name) {
    Backup running = await().atMost(WAIT).until(() -> backup(client, n, name),
        b -> b != null && b.getStatus() != null && b.getStatus().getJob() != null);
    s3.putObject(p -> p.bucket(BUCKET).key(DumpJob.objectKey(running)), RequestBody.fromString("PGDMP a dump of " + name));
    kubelet.succeedBuild(n, running.getStatus().getJob(), "stored");
    await().atMost(WAIT).until(() -> backup(client, n, name),
        b -> b.getStatus() != null && b.getStatus().getPhase() == BackupPhase.Succeeded);
  }

  private static void createRestore(KubernetesClient client, String n, String name, String target, String fromEnvironment,
      String fromBackup) {
    Restore restore = new Restore();
    restore.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(n).build());
    restore.setSpec(new RestoreSpec());
    restore.getSpec().setEnvironment(target);
    restore.getSpec().setFrom(new RestoreSource());
    restore.getSpec().getFrom().setEnvironment(fromEnvironment);
    restore.getSpec().getFrom().setBackup(fromBackup);
    client.resource(restore).create();
  }

  private static Restore awaitRestore(KubernetesClient client, String n, String name, Predicate<Restore> done) {
    AtomicReference<Restore> last = new AtomicReference<>();
    try {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
        Restore r = client.resources(Restore.class).inNamespace(n).withName(name).get();
        last.set(r);
        return r != null && done.test(r);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("Restore " + name + " did not get there within " + WAIT + "; last: "
          + (last.get() == null ? "none" : Serialization.asJson(last.get().getStatus())), e);
    }
    return last.get();
  }

  private static RestorePhase phase(Restore r) {
    return r.getStatus() == null ? null : r.getStatus().getPhase();
  }

  private static Backup backup(KubernetesClient client, String n, String name) {
    return client.resources(Backup.class).inNamespace(n).withName(name).get();
  }

  private static String hold(KubernetesClient client, String n, String environment) {
    Map<String, String> a = Environments.get(client, n, environment).getMetadata().getAnnotations();
    return a == null ? null : a.get(Annotations.RESTORING);
  }

  private static int replicas(KubernetesClient client, String n, String deployment) {
    Deployment d = client.apps().deployments().inNamespace(n).withName(deployment).get();
    return d == null || d.getSpec().getReplicas() == null ? -1 : d.getSpec().getReplicas();
  }

  private static List<Pod> webPods(KubernetesClient client, String n, String project, String environment) {
    return client.pods().inNamespace(n).withLabel(Labels.PROJECT, project).withLabel(Labels.ENVIRONMENT, environment)
        .withLabel(Labels.COMPONENT, Labels.WEB).list().getItems();
  }

  private static void setFinalizer(KubernetesClient client, String n, String pod, boolean on) {
    client.pods().inNamespace(n).withName(pod).edit(p -> {
      p.getMetadata().setFinalizers(on ? List.of("slipway.test/slow-stop") : List.of());
      return p;
    });
  }

  private static void awaitJob(KubernetesClient client, String n, String name) {
    await().atMost(WAIT).until(() -> client.batch().v1().jobs().inNamespace(n).withName(name).get() != null);
  }

  private static void awaitImage(KubernetesClient client, String n, String deployment, String digest) {
    await().atMost(WAIT).until(() -> {
      String image = awaitImageNow(client, n, deployment);
      return image != null && image.endsWith(digest);
    });
  }

  private static String awaitImageNow(KubernetesClient client, String n, String deployment) {
    Deployment d = client.apps().deployments().inNamespace(n).withName(deployment).get();
    return d == null ? null : d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  private static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
