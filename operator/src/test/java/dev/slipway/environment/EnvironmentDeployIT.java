package dev.slipway.environment;

import static dev.slipway.testing.Environments.annotate;
import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static dev.slipway.testing.Environments.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.EnvVarSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.CronSpec;
import dev.slipway.api.v1alpha1.CronStatus;
import dev.slipway.api.v1alpha1.ProcessSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.AuditLog;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.EnvVar;
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
 * From a push to serving pods, against the real API server and controller manager, a real Git
 * remote (git daemon on loopback) and the test playing the kubelet.
 */
@ControlPlaneTest
class EnvironmentDeployIT {

  static final String REGISTRY = "registry.test.invalid:5000/slipway";
  private static RunningOperator operator;
  private static GitDaemon daemon;
  private static FakeKubelet kubelet;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) throws Exception {
    daemon = new GitDaemon();
    kubelet = new FakeKubelet(cp.client());
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("SLIPWAY_DATABASE_MODE", "none"),
        Map.entry("SLIPWAY_WATCH_NAMESPACES", ns.name()),
        Map.entry("SLIPWAY_HTTP_PORT", "0"),
        Map.entry("SLIPWAY_LEADER_ELECTION", "false"),
        Map.entry("SLIPWAY_REGISTRY", REGISTRY),
        Map.entry("SLIPWAY_BASE_DOMAIN", "apps.test"),
        Map.entry("SLIPWAY_INGRESS_CLASS", "nginx"),
        Map.entry("SLIPWAY_TLS_ISSUER", "letsencrypt"),
        Map.entry("SLIPWAY_POLL_INTERVAL", "5s")));
    operator = RunningOperator.start(config, cp);
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  @Test
  void pushBuildsDeploysAndAFailedBuildKeepsThePreviousVersion(KubernetesClient client, TestNamespace ns, LocalControlPlane cp)
      throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("shop");
    String first = remote.commit("develop", files("Dockerfile", "FROM scratch\n", "app.py", "print(1)\n"), "first");
    client.resource(Environments.project(n, "shop", daemon.url(remote), List.of(entry("test", "develop", true)))).create();

    // Source resolved to exactly the pushed commit, and one uncached Kaniko build of it.
    Environments.await(client, n, "shop-test", Duration.ofSeconds(30), e -> first.equals(e.getStatus() == null ? null : e.getStatus().getResolvedCommit()));
    String job = BuildNames.jobName("shop", first);
    Environment building = Environments.await(client, n, "shop-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Building);
    assertThat(Environments.condition(building, ConditionTypes.SOURCE_RESOLVED).orElseThrow().getStatus()).isEqualTo("True");
    Job build = client.batch().v1().jobs().inNamespace(n).withName(job).get();
    var kaniko = build.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(kaniko.getArgs())
        .contains("--cache=false", "--digest-file=/dev/termination-log", "--destination=" + REGISTRY + "/" + n + "/shop:" + first)
        .noneMatch(a -> a.startsWith("--cache-repo"));
    assertThat(build.getSpec().getTemplate().getSpec().getInitContainers().get(0).getEnv())
        .anyMatch(v -> v.getName().equals("SOURCE_COMMIT") && first.equals(v.getValue()));
    assertThat(build.getSpec().getBackoffLimit()).isZero();
    assertThat(build.getSpec().getActiveDeadlineSeconds()).isEqualTo(1800L);
    assertThat(build.getSpec().getTtlSecondsAfterFinished()).isPositive();
    assertThat(build.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(kaniko.getSecurityContext().getPrivileged()).isFalse();
    assertThat(kaniko.getResources().getRequests()).containsKeys("cpu", "memory");

    // The build succeeds: the Deployment runs the image by digest, and the environment gets Ready.
    kubelet.succeedBuild(n, job, digest('a'));
    String image = REGISTRY + "/" + n + "/shop@" + digest('a');
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Deployment d = client.apps().deployments().inNamespace(n).withName("shop-test").get();
      assertThat(d).isNotNull();
      assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(image);
    });
    Environments.await(client, n, "shop-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Deploying);
    kubelet.runDeployment(n, "shop-test");
    Environment ready = Environments.await(client, n, "shop-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
    assertThat(ready.getStatus().getDeployedCommit()).isEqualTo(first);
    assertThat(ready.getStatus().getShortCommit()).isEqualTo(first.substring(0, 7));
    assertThat(ready.getStatus().getImage()).isEqualTo(image);
    assertThat(ready.getStatus().getUrl()).isEqualTo("https://shop-test.apps.test");
    assertThat(Environments.condition(ready, ConditionTypes.BUILT).orElseThrow().getStatus()).isEqualTo("True");
    assertThat(Environments.condition(ready, ConditionTypes.DEPLOYED).orElseThrow().getStatus()).isEqualTo("True");
    assertThat(Environments.condition(ready, ConditionTypes.READY).orElseThrow().getStatus()).isEqualTo("True");
    assertThat(ready.getStatus().getBuilds()).singleElement().satisfies(b -> {
      assertThat(b.getCommit()).isEqualTo(first);
      assertThat(b.getImage()).isEqualTo(image);
      assertThat(b.getJob()).isEqualTo(job);
      assertThat(b.getResult()).isEqualTo("Succeeded");
      assertThat(b.getStartedAt()).isNotBlank();
      assertThat(b.getFinishedAt()).isNotBlank();
    });
    String table = cp.kubectl("get", "env", "shop-test", "-n", n).output();
    assertThat(table).contains("PROJECT", "STAGE", "BRANCH", "COMMIT", "PHASE", "URL");
    assertThat(table.lines().skip(1).findFirst().orElseThrow().split("\\s+"))
        .startsWith("shop-test", "shop", "test", "develop", first.substring(0, 7), "Ready", "https://shop-test.apps.test");

    // Reconciling again with nothing changed writes nothing: the API server's audit log says so.
    Thread.sleep(2000);
    AuditLog audit = new AuditLog(cp.auditLog());
    long mark = audit.mark();
    long before = operator.reconciles("environment");
    dev.slipway.testing.Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(n).withName("shop").edit(p -> {
      p.getMetadata().setLabels(new java.util.HashMap<>(java.util.Map.of("touched", "yes"))); // no spec change
      return p;
    }));
    await().atMost(Duration.ofSeconds(10)).until(() -> operator.reconciles("environment") > before);
    Thread.sleep(2000);
    assertThat(audit.writesSince(mark, LocalControlPlane.operatorUser()))
        .as("write requests by the operator after an idle reconcile").isEmpty();

    // The web objects: restricted pods on the uWSGI port, a Service, an Ingress with TLS.
    Deployment d = client.apps().deployments().inNamespace(n).withName("shop-test").get();
    var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getCommand()).as("the base image's entrypoint decides how to serve").isEmpty();
    assertThat(container.getEnv()).extracting(EnvVar::getName)
        .contains("DJANGO_SETTINGS_MODULE", "DOMAIN", "DOMAIN_ALIASES", "SLIPWAY_STAGE");
    assertThat(container.getEnv()).anyMatch(v -> v.getName().equals("DOMAIN") && "shop-test.apps.test".equals(v.getValue()));
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(container.getLivenessProbe()).isNotNull();
    assertThat(client.services().inNamespace(n).withName("shop-test").get()).isNotNull();
    var ingress = client.network().v1().ingresses().inNamespace(n).withName("shop-test").get();
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(ingress.getSpec().getRules()).extracting("host").containsExactly("shop-test.apps.test");
    assertThat(ingress.getSpec().getTls()).singleElement().satisfies(t -> assertThat(t.getHosts()).containsExactly("shop-test.apps.test"));
    assertThat(ingress.getMetadata().getAnnotations()).containsEntry("cert-manager.io/cluster-issuer", "letsencrypt");
    assertThat(client.policy().v1().podDisruptionBudget().inNamespace(n).withName("shop-test").get())
        .as("test runs one replica: no PodDisruptionBudget").isNull();

    // A later push whose build fails: reported, and the previous version keeps running.
    String second = remote.commit("develop", files("Dockerfile", "FROM scratch\nRUN false\n"), "second");
    annotate(client, n, "shop-test", Annotations.REFRESH, "1");
    String secondJob = BuildNames.jobName("shop", second);
    Environments.await(client, n, "shop-test", Duration.ofSeconds(30), e -> second.equals(e.getStatus().getResolvedCommit()));
    kubelet.failBuild(n, secondJob, 1,
        "error building image: error resolving dockerfile path: stat /workspace/Dockerfile: no such file or directory");
    Environment failed = Environments.await(client, n, "shop-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.BUILT, "False", "DockerfileNotFound"));
    assertThat(failed.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(failed.getStatus().getImage()).isEqualTo(image);
    assertThat(failed.getStatus().getDeployedCommit()).isEqualTo(first);
    assertThat(Environments.condition(failed, ConditionTypes.READY).orElseThrow().getStatus()).isEqualTo("True");
    assertThat(failed.getStatus().getBuilds()).extracting("commit").containsExactly(second, first);
    assertThat(failed.getStatus().getBuilds().get(0).getReason()).isEqualTo("DockerfileNotFound");
    assertThat(client.apps().deployments().inNamespace(n).withName("shop-test").get()
        .getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(image);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(client.v1().events().inNamespace(n).list().getItems())
            .extracting(e -> e.getReason())
            .contains("BuildStarted", "BuildSucceeded", "RolloutStarted", "RolloutFinished", "BuildFailed"));

    // Changing a project variable rolls the Deployment.
    long generation = client.apps().deployments().inNamespace(n).withName("shop-test").get().getMetadata().getGeneration();
    dev.slipway.testing.Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(n).withName("shop").edit(p -> {
      p.getSpec().getEnv().add(new EnvVarSpec("FEATURE_FLAG", "on"));
      return p;
    }));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Deployment rolled = client.apps().deployments().inNamespace(n).withName("shop-test").get();
      assertThat(rolled.getMetadata().getGeneration()).isGreaterThan(generation);
      assertThat(rolled.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
          .anyMatch(v -> v.getName().equals("FEATURE_FLAG") && "on".equals(v.getValue()));
    });
  }

  @Test
  void environmentsOnTheSameCommitShareOneBuild(KubernetesClient client, TestNamespace ns) throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("twin");
    String commit = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "only");
    EnvironmentTemplate staging = entry("staging", "develop", true);
    staging.setStage(Stage.TEST);
    client.resource(Environments.project(n, "twin", daemon.url(remote), List.of(entry("test", "develop", true), staging))).create();

    for (String env : List.of("twin-test", "twin-staging")) {
      Environments.await(client, n, env, Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Building);
    }
    // Give both environments time to reconcile a few more times: still one Job.
    Thread.sleep(3000);
    List<Job> jobs = client.batch().v1().jobs().inNamespace(n).withLabel(Labels.PROJECT, "twin").list().getItems();
    assertThat(jobs).singleElement().satisfies(j -> assertThat(j.getMetadata().getLabels()).containsEntry(Labels.COMMIT, commit));

    kubelet.succeedBuild(n, BuildNames.jobName("twin", commit), digest('b'));
    for (String env : List.of("twin-test", "twin-staging")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName(env).get() != null);
      kubelet.runDeployment(n, env);
      Environment ready = Environments.await(client, n, env, Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
      assertThat(ready.getStatus().getImage()).endsWith("@" + digest('b'));
    }
  }

  @Test
  void anEnvironmentAddedWhileItsCommitBuildsFindsTheBuildJob(KubernetesClient client, TestNamespace ns, LocalControlPlane cp)
      throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("late");
    String commit = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "only");
    client.resource(Environments.project(n, "late", daemon.url(remote), List.of(entry("test", "develop", true)))).create();
    Environments.await(client, n, "late-test", Duration.ofSeconds(30), e -> e.getStatus() != null && e.getStatus().getPhase() == Phase.Building);
    String job = BuildNames.jobName("late", commit);

    // A second environment on the same commit joins while the build runs: it must find the Job,
    // not try to create it again (the Job event that could map it there happened before it existed).
    AuditLog audit = new AuditLog(cp.auditLog());
    long mark = audit.mark();
    EnvironmentTemplate staging = entry("staging", "develop", true);
    staging.setStage(Stage.TEST);
    dev.slipway.testing.Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(n).withName("late").edit(p -> {
      p.getSpec().getEnvironments().add(staging);
      return p;
    }));
    Environment joined = Environments.await(client, n, "late-staging", Duration.ofSeconds(30),
        e -> e.getStatus() != null && e.getStatus().getPhase() == Phase.Building);
    assertThat(joined.getStatus().getBuilds()).singleElement().satisfies(b -> assertThat(b.getJob()).isEqualTo(job));
    String startedAt = joined.getStatus().getBuilds().get(0).getStartedAt();
    Thread.sleep(3000); // several reconciles of both environments
    assertThat(audit.writesSince(mark, LocalControlPlane.operatorUser()))
        .as("Job creates (each would be a rejected 409) after the environment was added")
        .noneMatch(w -> w.resource().equals("jobs") && w.verb().equals("create"));
    assertThat(Environments.get(client, n, "late-staging").getStatus().getBuilds().get(0).getStartedAt())
        .as("the build's start time is the Job's, not a new one per reconcile").isEqualTo(startedAt);

    kubelet.succeedBuild(n, job, digest('d'));
    for (String env : List.of("late-test", "late-staging")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName(env).get() != null);
      kubelet.runDeployment(n, env);
      Environments.await(client, n, env, Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
    }
    assertThat(client.batch().v1().jobs().inNamespace(n).withLabel(Labels.PROJECT, "late").list().getItems()).hasSize(1);
  }

  /**
   * A worker process: its Deployment runs the web pods' image, variables and pod security, with
   * its own command and no port; the release is Ready only once the worker runs it too; an entry
   * overrides its replicas; dropping it from the Project deletes its Deployment.
   */
  @Test
  void aWorkerRollsOutWithTheWebPodsAndTheReleaseWaitsForIt(KubernetesClient client, TestNamespace ns) throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("jobs");
    String commit = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    EnvironmentTemplate test = entry("test", "develop", true);
    ProcessSpec twoHere = new ProcessSpec();
    twoHere.setName("worker");
    twoHere.setReplicas(2);
    test.setProcesses(List.of(twoHere));
    Project project = Environments.project(n, "jobs", daemon.url(remote), List.of(test));
    ProcessSpec worker = new ProcessSpec();
    worker.setName("worker");
    worker.setCommand(List.of("python", "manage.py", "consume"));
    worker.setTerminationGracePeriodSeconds(120);
    project.getSpec().setProcesses(List.of(worker));
    client.resource(project).create();

    kubelet.succeedBuild(n, BuildNames.jobName("jobs", commit), digest('e'));
    String image = REGISTRY + "/" + n + "/jobs@" + digest('e');
    await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName("jobs-test-worker").get() != null);
    Deployment web = client.apps().deployments().inNamespace(n).withName("jobs-test").get();
    Deployment workers = client.apps().deployments().inNamespace(n).withName("jobs-test-worker").get();
    var w = workers.getSpec().getTemplate().getSpec();
    var webPod = web.getSpec().getTemplate().getSpec();
    assertThat(w.getContainers().get(0).getImage()).isEqualTo(image);
    assertThat(w.getContainers().get(0).getArgs()).containsExactly("python", "manage.py", "consume");
    assertThat(w.getContainers().get(0).getEnv()).isEqualTo(webPod.getContainers().get(0).getEnv());
    assertThat(w.getContainers().get(0).getPorts()).isEmpty();
    assertThat(w.getContainers().get(0).getSecurityContext()).isEqualTo(webPod.getContainers().get(0).getSecurityContext());
    assertThat(w.getSecurityContext()).isEqualTo(webPod.getSecurityContext());
    assertThat(w.getAutomountServiceAccountToken()).isFalse();
    assertThat(w.getTerminationGracePeriodSeconds()).isEqualTo(120L);
    assertThat(workers.getSpec().getReplicas()).as("the entry's override").isEqualTo(2);
    assertThat(workers.getMetadata().getLabels()).containsEntry(Labels.COMPONENT, Labels.PROCESS).containsEntry(Labels.PROCESS_NAME, "worker");
    assertThat(client.services().inNamespace(n).withName("jobs-test-worker").get()).isNull();

    // The web pods run, the worker's do not yet: the release is not Ready, and says why.
    kubelet.runDeployment(n, "jobs-test");
    Environment rolling = Environments.await(client, n, "jobs-test", Duration.ofSeconds(30),
        e -> e.getStatus() != null && Environments.condition(e, ConditionTypes.READY).map(c -> c.getMessage().contains("worker:")).orElse(false));
    assertThat(rolling.getStatus().getPhase()).isEqualTo(Phase.Deploying);
    kubelet.runDeployment(n, "jobs-test-worker");
    Environment ready = Environments.await(client, n, "jobs-test", Duration.ofSeconds(45), e -> e.getStatus().getPhase() == Phase.Ready);
    assertThat(ready.getStatus().getImage()).isEqualTo(image);
    assertThat(ready.getStatus().getProcesses()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("worker");
      assertThat(p.getReplicas()).isEqualTo(2);
      assertThat(p.getAvailable()).isEqualTo(2);
      assertThat(p.getReady()).isTrue();
    });
    assertThat(rolling.getStatus().getProcesses()).singleElement().satisfies(p -> assertThat(p.getReady()).isFalse());

    // The process leaves the Project: its Deployment goes, the web pods stay.
    dev.slipway.testing.Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(n).withName("jobs").edit(p -> {
      p.getSpec().setProcesses(List.of());
      p.getSpec().getEnvironments().get(0).setProcesses(List.of());
      return p;
    }));
    await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName("jobs-test-worker").get() == null);
    assertThat(client.apps().deployments().inNamespace(n).withName("jobs-test").get()).isNotNull();
  }

  /**
   * Scheduled jobs: no CronJob before the release's image passed its gate; then one per job on the
   * released image, the web pods' variables and pod security, Forbid and no retry by default, the
   * time zone kept; suspended where web runs none; a job with an invalid schedule gets none and its
   * status says why; dropping the jobs deletes the CronJobs.
   */
  @Test
  void scheduledJobsRunTheReleasedImageAndStopWhereWebRunsNone(KubernetesClient client, TestNamespace ns) throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("tasks");
    String commit = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    EnvironmentTemplate test = entry("test", "develop", true);
    EnvironmentTemplate zero = entry("zero", "develop", true);
    zero.setStage(dev.slipway.api.v1alpha1.Stage.TEST);
    zero.setReplicas(0);
    Project project = Environments.project(n, "tasks", daemon.url(remote), List.of(test, zero));
    CronSpec tidy = new CronSpec();
    tidy.setName("tidy");
    tidy.setSchedule("30 3 * * *");
    tidy.setTimeZone("Europe/Zurich");
    tidy.setCommand(List.of("python", "manage.py", "clearsessions"));
    CronSpec broken = new CronSpec();
    broken.setName("broken");
    broken.setSchedule("61 * * * *");
    broken.setCommand(List.of("true"));
    project.getSpec().setCron(List.of(tidy, broken));
    client.resource(project).create();

    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(n).withName(BuildNames.jobName("tasks", commit)).get() != null);
    assertThat(client.batch().v1().cronjobs().inNamespace(n).list().getItems()).as("no CronJob before a release passed its gate").isEmpty();
    kubelet.succeedBuild(n, BuildNames.jobName("tasks", commit), digest('c'));
    String image = REGISTRY + "/" + n + "/tasks@" + digest('c');
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().cronjobs().inNamespace(n).withName("tasks-test-tidy").get() != null
        && client.batch().v1().cronjobs().inNamespace(n).withName("tasks-zero-tidy").get() != null);
    CronJob cron = client.batch().v1().cronjobs().inNamespace(n).withName("tasks-test-tidy").get();
    Deployment web = client.apps().deployments().inNamespace(n).withName("tasks-test").get();
    var pod = cron.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    var webPod = web.getSpec().getTemplate().getSpec();
    assertThat(cron.getSpec().getSchedule()).isEqualTo("30 3 * * *");
    assertThat(cron.getSpec().getTimeZone()).isEqualTo("Europe/Zurich");
    assertThat(cron.getSpec().getSuspend()).isFalse();
    assertThat(cron.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(cron.getSpec().getJobTemplate().getSpec().getBackoffLimit()).isZero();
    assertThat(pod.getContainers().get(0).getImage()).isEqualTo(image);
    assertThat(pod.getContainers().get(0).getArgs()).containsExactly("python", "manage.py", "clearsessions");
    assertThat(pod.getContainers().get(0).getEnv()).isEqualTo(webPod.getContainers().get(0).getEnv());
    assertThat(pod.getContainers().get(0).getSecurityContext()).isEqualTo(webPod.getContainers().get(0).getSecurityContext());
    assertThat(pod.getSecurityContext()).isEqualTo(webPod.getSecurityContext());
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(cron.getMetadata().getLabels()).containsEntry(Labels.COMPONENT, Labels.CRON).containsEntry(Labels.CRON_NAME, "tidy");
    assertThat(client.batch().v1().cronjobs().inNamespace(n).withName("tasks-zero-tidy").get().getSpec().getSuspend())
        .as("no run where no web pod runs").isTrue();
    assertThat(client.batch().v1().cronjobs().inNamespace(n).list().getItems()).extracting(c -> c.getMetadata().getName())
        .as("none for the job whose schedule is invalid").containsExactlyInAnyOrder("tasks-test-tidy", "tasks-zero-tidy");

    kubelet.runDeployment(n, "tasks-test");
    Environment ready = Environments.await(client, n, "tasks-test", Duration.ofSeconds(45),
        e -> e.getStatus().getPhase() == Phase.Ready && e.getStatus().getCron().size() == 2);
    assertThat(ready.getStatus().getCron().get(0)).satisfies(c -> {
      assertThat(c.getName()).isEqualTo("tidy");
      assertThat(c.getSchedule()).isEqualTo("30 3 * * * (Europe/Zurich)");
      assertThat(c.getImage()).isEqualTo(image);
      assertThat(c.getSuspended()).isFalse();
      assertThat(c.getLastResult()).isEqualTo(CronStatus.Result.None);
      ZonedDateTime next = Instant.parse(c.getNextRun()).atZone(ZoneId.of("Europe/Zurich"));
      assertThat(next.getHour() * 60 + next.getMinute()).as("03:30 in Zurich").isEqualTo(3 * 60 + 30);
    });
    assertThat(ready.getStatus().getCron().get(1)).satisfies(c -> {
      assertThat(c.getName()).isEqualTo("broken");
      assertThat(c.getMessage()).contains("61");
      assertThat(c.getNextRun()).isNull();
    });

    // The jobs leave the Project: their CronJobs go, the web pods stay.
    dev.slipway.testing.Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(n).withName("tasks").edit(p -> {
      p.getSpec().setCron(List.of());
      return p;
    }));
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().cronjobs().inNamespace(n).list().getItems().isEmpty());
    assertThat(client.apps().deployments().inNamespace(n).withName("tasks-test").get()).isNotNull();
  }

  @Test
  void livePromotedFromTestDeploysOnlyOnRequestAndOnlyWhatTestHasReady(KubernetesClient client, TestNamespace ns) throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("blog");
    String commit = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    EnvironmentTemplate live = entry("live", null, false);
    live.setPromoteFrom("test");
    live.setDomains(List.of("blog.example.com"));
    client.resource(Environments.project(n, "blog", daemon.url(remote), List.of(entry("test", "develop", true), live))).create();

    kubelet.succeedBuild(n, BuildNames.jobName("blog", commit), digest('c'));
    await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName("blog-test").get() != null);
    kubelet.runDeployment(n, "blog-test");
    Environment test = Environments.await(client, n, "blog-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);

    // Test is Ready, but live waits for a request: nothing of it runs.
    Environment waiting = Environments.await(client, n, "blog-live", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.DEPLOYED, "False", "AwaitingDeployRequest"));
    assertThat(waiting.getStatus().getImage()).isNull();
    Thread.sleep(2000);
    assertThat(client.apps().deployments().inNamespace(n).withName("blog-live").get()).isNull();

    annotate(client, n, "blog-live", Annotations.DEPLOY, "release-1");
    await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName("blog-live").get() != null);
    Deployment d = client.apps().deployments().inNamespace(n).withName("blog-live").get();
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(test.getStatus().getImage());
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(client.policy().v1().podDisruptionBudget().inNamespace(n).withName("blog-live").get()).isNotNull();
    kubelet.runDeployment(n, "blog-live");
    Environment ready = Environments.await(client, n, "blog-live", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
    assertThat(ready.getStatus().getImage()).isEqualTo(test.getStatus().getImage());
    assertThat(ready.getStatus().getDeployedCommit()).isEqualTo(commit);
    assertThat(ready.getStatus().getObservedDeployRequest()).isEqualTo("release-1");
    assertThat(ready.getStatus().getUrl()).isEqualTo("https://blog-live.apps.test");
    assertThat(client.network().v1().ingresses().inNamespace(n).withName("blog-live").get().getSpec().getRules())
        .extracting("host").containsExactly("blog-live.apps.test", "blog.example.com");

    // Live never built anything: the only Job of the project is test's build of that commit.
    assertThat(client.batch().v1().jobs().inNamespace(n).withLabel(Labels.PROJECT, "blog").list().getItems())
        .extracting(j -> j.getMetadata().getName())
        .containsExactly(BuildNames.jobName("blog", commit));
    assertThat(ready.getStatus().getBuilds()).isNullOrEmpty();
  }
}
