package dev.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real node works: a pod runs and answers HTTP by pod IP and by ClusterIP, cluster DNS
 * resolves a Service's name inside a pod, and a Kaniko Job shaped like the operator's build Job
 * (non-root git init container fetching one commit from a Git server the pods reach, Kaniko as
 * uid 0 without privileges, --cache=false, digest to the termination log) builds FROM the local
 * Debian image and pushes to the local registry, whose digest for the tag is the one reported.
 * Every wait is bounded in attempts and time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeSmokeIT {

  private static final String NS = "real-node-smoke";
  private static RealNode node;
  private static KubernetesClient client;
  private static Process gitDaemon;
  private static Path gitRoot;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @BeforeAll
  static void startNode() {
    Instant t = Instant.now();
    node = RealNode.get();
    client = node.client();
    System.out.printf("[smoke] real node ready after %ds in this JVM (node %s, registry %s)%n",
        Duration.between(t, Instant.now()).toSeconds(), node.nodeName(), node.registryFromPods());
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).serverSideApply();
    await("the default ServiceAccount in " + NS, Duration.ofSeconds(60),
        () -> client.serviceAccounts().inNamespace(NS).withName("default").get() != null);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gitDaemon != null) {
      gitDaemon.destroy();
      gitDaemon.waitFor(10, TimeUnit.SECONDS);
    }
    if (client != null) {
      client.namespaces().withName(NS).delete();
    }
  }

  @Test
  @Order(1)
  void aPodAnswersHttpByPodIpAndByClusterIp() throws Exception {
    Instant t = Instant.now();
    Pod web = new PodBuilder()
        .withNewMetadata().withName("web").withNamespace(NS).addToLabels("app", "web").endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .addNewContainer().withName("web").withImage(node.osBaseImage())
        .withCommand("/bin/sh", "-c", "mkdir -p /tmp/www && echo \"hello from $HOSTNAME\" > /tmp/www/hello "
            + "&& exec python3 -m http.server 8080 --directory /tmp/www")
        .addNewPort().withContainerPort(8080).endPort()
        .withNewReadinessProbe().withNewHttpGet().withPath("/hello").withPort(new IntOrString(8080)).endHttpGet()
        .withPeriodSeconds(1).endReadinessProbe()
        .withNewSecurityContext().withRunAsUser(1000L).withRunAsNonRoot(true).withAllowPrivilegeEscalation(false).endSecurityContext()
        .endContainer()
        .endSpec().build();
    client.pods().inNamespace(NS).resource(web).create();
    Service service = new ServiceBuilder()
        .withNewMetadata().withName("web").withNamespace(NS).endMetadata()
        .withNewSpec().addToSelector("app", "web")
        .addNewPort().withPort(80).withTargetPort(new IntOrString(8080)).endPort()
        .endSpec().build();
    client.services().inNamespace(NS).resource(service).create();

    Pod ready = client.pods().inNamespace(NS).withName("web").waitUntilReady(3, TimeUnit.MINUTES);
    String podIp = ready.getStatus().getPodIP();
    assertThat(podIp).startsWith(node.podCidr().substring(0, node.podCidr().lastIndexOf('.')));
    String byPodIp = get("http://" + podIp + ":8080/hello", 5).orElseThrow();
    assertThat(byPodIp).isEqualTo("hello from web\n");

    String clusterIp = client.services().inNamespace(NS).withName("web").get().getSpec().getClusterIP();
    // kube-proxy programs the Service about a second after the pod is Ready
    String byClusterIp = get("http://" + clusterIp + "/hello", 40).orElseThrow(
        () -> new AssertionError("no answer from ClusterIP " + clusterIp));
    assertThat(byClusterIp).isEqualTo("hello from web\n");
    System.out.printf("[smoke] pod %s and ClusterIP %s answered in %dms%n", podIp, clusterIp,
        Duration.between(t, Instant.now()).toMillis());
  }

  @Test
  @Order(2)
  void clusterDnsResolvesAServiceNameInAPod() {
    String script = String.join("; ",
        "import socket, urllib.request",
        "print(socket.gethostbyname('web'), socket.gethostbyname('web." + NS + ".svc.cluster.local'))",
        "print(urllib.request.urlopen('http://web." + NS + ".svc/hello', timeout=5).read().decode().strip())");
    Pod probe = new PodBuilder()
        .withNewMetadata().withName("dns").withNamespace(NS).endMetadata()
        .withNewSpec().withRestartPolicy("Never").withAutomountServiceAccountToken(false)
        .addNewContainer().withName("dns").withImage(node.osBaseImage()).withCommand("python3", "-c", script)
        .withNewSecurityContext().withRunAsUser(1000L).withRunAsNonRoot(true).withAllowPrivilegeEscalation(false).endSecurityContext()
        .endContainer().endSpec().build();
    client.pods().inNamespace(NS).resource(probe).create();
    ContainerStateTerminated done = awaitTerminated("dns", "dns", Duration.ofMinutes(2));
    String log = client.pods().inNamespace(NS).withName("dns").getLog();
    assertThat(done.getExitCode()).as("dns pod log:\n%s", log).isZero();
    String clusterIp = client.services().inNamespace(NS).withName("web").get().getSpec().getClusterIP();
    assertThat(log).contains(clusterIp + " " + clusterIp).contains("hello from web");
    System.out.printf("[smoke] in-pod DNS: %s", log);
  }

  @Test
  @Order(3)
  void kanikoBuildsACommitFromGitAndPushesTheDigestItReports() throws Exception {
    Instant t = Instant.now();
    String commit = gitRepositoryWithDockerfile("FROM " + node.osBaseImage() + "\n"
        + "RUN echo built-by-kaniko > /built.txt && python3 -c 'print(\"python works\")'\n"
        + "COPY hello.txt /hello.txt\n");
    String sourceUrl = "git://" + node.nodeIp() + ":" + gitPort + "/smoke.git";
    String destination = node.registryFromPods() + "/smoke/app:" + commit;

    Job job = kanikoJob("build-" + commit.substring(0, 12), sourceUrl, commit, destination);
    client.batch().v1().jobs().inNamespace(NS).resource(job).create();
    String jobName = job.getMetadata().getName();
    boolean complete = awaitOrFalse("Job " + jobName + " to finish", Duration.ofMinutes(5), () -> {
      Job j = client.batch().v1().jobs().inNamespace(NS).withName(jobName).get();
      return j.getStatus() != null && ((j.getStatus().getSucceeded() != null && j.getStatus().getSucceeded() > 0)
          || (j.getStatus().getFailed() != null && j.getStatus().getFailed() > 0));
    });
    Pod pod = client.pods().inNamespace(NS).withLabel("job-name", jobName).list().getItems().get(0);
    String podName = pod.getMetadata().getName();
    String sourceLog = log(podName, "source");
    String kanikoLog = log(podName, "kaniko");
    Job finished = client.batch().v1().jobs().inNamespace(NS).withName(jobName).get();
    assertThat(complete && finished.getStatus().getSucceeded() != null && finished.getStatus().getSucceeded() == 1)
        .as("build Job succeeded; source log:\n%s\nkaniko log (tail):\n%s", sourceLog, tail(kanikoLog, 30)).isTrue();
    assertThat(sourceLog).contains("fetched " + commit);

    Pod after = client.pods().inNamespace(NS).withName(podName).get();
    ContainerStateTerminated kaniko = after.getStatus().getContainerStatuses().stream()
        .filter(s -> s.getName().equals("kaniko")).findFirst().orElseThrow().getState().getTerminated();
    String reported = kaniko.getMessage().trim();
    String served = node.registryDigest("smoke/app", commit).orElseThrow(() -> new AssertionError("registry has no tag " + commit));
    System.out.printf("[smoke] kaniko built %s in %ds: termination message %s, registry digest %s%n",
        destination, Duration.between(t, Instant.now()).toSeconds(), reported, served);
    assertThat(reported).matches("sha256:[0-9a-f]{64}").isEqualTo(served);
  }

  @Test
  @Order(4)
  void thePostgresImageHonoursTheOfficialContractAsTheLocalStageRunsIt() throws Exception {
    Instant t = Instant.now();
    // the shape of dev.slipway.database.LocalDatabase's StatefulSet: uid 999, PGDATA below the
    // data volume, which a PersistentVolumeClaim gets from the node's default StorageClass
    io.fabric8.kubernetes.api.model.apps.StatefulSet sts = new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder()
        .withNewMetadata().withName("postgres").withNamespace(NS).endMetadata()
        .withNewSpec().withReplicas(1).withServiceName("postgres")
        .withNewSelector().addToMatchLabels("app", "postgres").endSelector()
        .withNewPersistentVolumeClaimRetentionPolicy().withWhenDeleted("Delete").withWhenScaled("Retain").endPersistentVolumeClaimRetentionPolicy()
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", "postgres").endMetadata()
        .withNewSpec().withAutomountServiceAccountToken(false).withEnableServiceLinks(false)
        .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(999L).withRunAsGroup(999L).withFsGroup(999L)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .addNewContainer().withName("postgres").withImage(node.postgresImage())
        .addNewPort().withName("postgres").withContainerPort(5432).endPort()
        .addNewEnv().withName("POSTGRES_USER").withValue("app").endEnv()
        .addNewEnv().withName("POSTGRES_DB").withValue("appdb").endEnv()
        .addNewEnv().withName("PGDATA").withValue("/var/lib/postgresql/data/pgdata").endEnv()
        .addNewEnv().withName("POSTGRES_PASSWORD").withValue("smoke-password").endEnv()
        .addNewVolumeMount().withName("data").withMountPath("/var/lib/postgresql/data").endVolumeMount()
        .addNewVolumeMount().withName("run").withMountPath("/var/run/postgresql").endVolumeMount()
        .withNewReadinessProbe().withNewExec().withCommand("pg_isready", "-U", "app", "-d", "appdb").endExec()
        .withPeriodSeconds(1).endReadinessProbe()
        .withNewSecurityContext().withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .endContainer()
        .addNewVolume().withName("run").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec()
        .endTemplate()
        .addNewVolumeClaimTemplate()
        .withNewMetadata().withName("data").endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources().endSpec()
        .endVolumeClaimTemplate()
        .endSpec().build();
    client.apps().statefulSets().inNamespace(NS).resource(sts).create();
    await("pod postgres-0", Duration.ofSeconds(60), () -> client.pods().inNamespace(NS).withName("postgres-0").get() != null);
    Pod ready = client.pods().inNamespace(NS).withName("postgres-0").waitUntilReady(2, TimeUnit.MINUTES);
    assertThat(client.persistentVolumeClaims().inNamespace(NS).withName("data-postgres-0").get().getStatus().getPhase())
        .isEqualTo("Bound");
    String url = "jdbc:postgresql://" + ready.getStatus().getPodIP() + ":5432/appdb?connectTimeout=5&socketTimeout=10";
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "app", "smoke-password");
        java.sql.ResultSet rs = c.createStatement().executeQuery("select current_user, current_database(), current_setting('data_directory')")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("app");
      assertThat(rs.getString(2)).isEqualTo("appdb");
      assertThat(rs.getString(3)).isEqualTo("/var/lib/postgresql/data/pgdata");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(url, "app", "wrong").close())
        .hasMessageContaining("password authentication failed");
    System.out.printf("[smoke] postgres StatefulSet (uid 999, PGDATA on a bound PersistentVolume) answered over the pod network in %dms%n",
        Duration.between(t, Instant.now()).toMillis());
  }

  // ---- the build Job, shaped like dev.slipway.build.KanikoJob -----------------------------

  /**
   * KanikoJob.FETCH_SCRIPT, plus one line: on a real node the emptyDir /workspace belongs to root
   * (group 65532 through fsGroup), and git refuses a repository owned by another user ("detected
   * dubious ownership") unless it is marked safe. The operator's script needs the same line.
   */
  private static final String FETCH_SCRIPT = String.join("\n",
      "set -eu",
      "git config --global --add safe.directory /workspace",
      "cd /workspace",
      "git init -q .",
      "git remote add origin \"$SOURCE_URL\"",
      "if [ -f /etc/slipway/git/ssh-privatekey ]; then",
      "  cp /etc/slipway/git/ssh-privatekey /tmp/id && chmod 600 /tmp/id",
      "  export GIT_SSH_COMMAND=\"ssh -i /tmp/id -o IdentitiesOnly=yes -o UserKnownHostsFile=/etc/slipway/git/known_hosts -o StrictHostKeyChecking=yes\"",
      "fi",
      "if [ -n \"${GIT_PASSWORD:-}${GIT_TOKEN:-}\" ]; then",
      "  git config credential.helper '!f() { echo \"username=${GIT_USERNAME:-x-access-token}\"; echo \"password=${GIT_PASSWORD:-$GIT_TOKEN}\"; }; f'",
      "fi",
      "git fetch -q --depth=1 origin \"$SOURCE_COMMIT\" 2>/dev/null || git fetch -q origin",
      "git -c advice.detachedHead=false checkout -q \"$SOURCE_COMMIT\"",
      "test \"$(git rev-parse HEAD)\" = \"$SOURCE_COMMIT\"",
      "rm -rf .git",
      "echo \"fetched $SOURCE_COMMIT\"");

  private static Job kanikoJob(String name, String sourceUrl, String commit, String destination) {
    return new JobBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewSpec().withBackoffLimit(0).withActiveDeadlineSeconds(600L)
        .withNewTemplate()
        .withNewSpec()
        .withRestartPolicy("Never").withAutomountServiceAccountToken(false).withEnableServiceLinks(false)
        .withNewSecurityContext().withFsGroup(65532L).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .addNewInitContainer()
        .withName("source").withImage(node.gitImage()).withCommand("/bin/sh", "-c", FETCH_SCRIPT)
        .addNewEnv().withName("SOURCE_URL").withValue(sourceUrl).endEnv()
        .addNewEnv().withName("SOURCE_COMMIT").withValue(commit).endEnv()
        .addNewEnv().withName("HOME").withValue("/tmp").endEnv()
        .addNewVolumeMount().withName("workspace").withMountPath("/workspace").endVolumeMount()
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withNewResources().addToRequests("cpu", new Quantity("50m")).addToRequests("memory", new Quantity("64Mi"))
        .addToLimits("memory", new Quantity("512Mi")).endResources()
        .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(65532L).withRunAsGroup(65532L)
        .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .endInitContainer()
        .addNewContainer()
        .withName("kaniko").withImage(node.kanikoImage())
        .withArgs("--context=dir:///workspace", "--dockerfile=Dockerfile", "--destination=" + destination,
            "--cache=false", "--digest-file=/dev/termination-log",
            "--label=org.opencontainers.image.revision=" + commit, "--label=org.opencontainers.image.source=" + sourceUrl,
            "--insecure", "--skip-tls-verify")
        .addNewVolumeMount().withName("workspace").withMountPath("/workspace").endVolumeMount()
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withNewResources().addToRequests("cpu", new Quantity("250m")).addToRequests("memory", new Quantity("1Gi"))
        .addToLimits("memory", new Quantity("1Gi")).endResources()
        .withNewSecurityContext().withPrivileged(false).withAllowPrivilegeEscalation(false).endSecurityContext()
        .endContainer()
        .addNewVolume().withName("workspace").withNewEmptyDir().endEmptyDir().endVolume()
        .addNewVolume().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("64Mi")).endEmptyDir().endVolume()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  // ---- a Git server the pods reach: git daemon on the node IP ----------------------------

  private static int gitPort;

  private static String gitRepositoryWithDockerfile(String dockerfile) throws Exception {
    gitRoot = Files.createTempDirectory(node.stateDir().getParent(), "smoke-git");
    Path work = gitRoot.resolve("work");
    Path bare = gitRoot.resolve("smoke.git");
    Files.createDirectories(work);
    Files.writeString(work.resolve("Dockerfile"), dockerfile);
    Files.writeString(work.resolve("hello.txt"), "hello\n");
    run(work, "git", "init", "-q", "-b", "develop");
    run(work, "git", "add", ".");
    run(work, "git", "-c", "user.name=smoke", "-c", "user.email=smoke@example.invalid", "commit", "-q", "-m", "smoke");
    String commit = run(work, "git", "rev-parse", "HEAD").trim();
    run(gitRoot, "git", "clone", "-q", "--bare", work.toString(), bare.toString());
    run(bare, "git", "config", "uploadpack.allowAnySHA1InWant", "true");
    // the init container runs as 65532 and reads the repository through git daemon (uid of this JVM)
    for (int attempt = 0; attempt < 5 && gitDaemon == null; attempt++) {
      int port = 9418 + 100 + (int) (Math.random() * 1000);
      // bounded: a JVM that dies without @AfterAll leaves no daemon for longer than 20 minutes
      Process p = new ProcessBuilder("timeout", "1200", "git", "daemon", "--reuseaddr", "--export-all", "--listen=" + node.nodeIp(),
          "--port=" + port, "--base-path=" + gitRoot, gitRoot.toString())
          .redirectErrorStream(true).redirectOutput(gitRoot.resolve("daemon-" + port + ".log").toFile()).start();
      boolean up = awaitOrFalse("git daemon on port " + port, Duration.ofSeconds(10), () -> {
        try {
          run(gitRoot, "git", "ls-remote", "git://" + node.nodeIp() + ":" + port + "/smoke.git");
          return true;
        } catch (IllegalStateException e) {
          return !p.isAlive(); // stop waiting for a daemon that died (port taken): next port
        }
      });
      if (up && p.isAlive()) {
        gitDaemon = p;
        gitPort = port;
      } else {
        p.destroy();
      }
    }
    assertThat(gitDaemon).as("git daemon on " + node.nodeIp()).isNotNull();
    return commit;
  }

  private static String run(Path dir, String... command) {
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---- bounded waits ----------------------------------------------------------------------

  /** GET with at most {@code attempts} tries, 0.5 s apart, 3 s each. */
  private static Optional<String> get(String url, int attempts) throws InterruptedException {
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < attempts; i++) {
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return Optional.of(r.body());
        }
        errors.add("HTTP " + r.statusCode());
      } catch (IOException e) {
        errors.add(e.toString());
      }
      Thread.sleep(500);
    }
    System.out.printf("[smoke] %s: no answer in %d attempts: %s%n", url, attempts, errors);
    return Optional.empty();
  }

  private ContainerStateTerminated awaitTerminated(String pod, String container, Duration timeout) {
    ContainerStateTerminated[] found = new ContainerStateTerminated[1];
    await(pod + "/" + container + " to terminate", timeout, () -> {
      Pod p = client.pods().inNamespace(NS).withName(pod).get();
      if (p == null || p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
        return false;
      }
      return p.getStatus().getContainerStatuses().stream()
          .filter(s -> s.getName().equals(container) && s.getState() != null && s.getState().getTerminated() != null)
          .peek(s -> found[0] = s.getState().getTerminated())
          .findFirst().isPresent();
    });
    return found[0];
  }

  private static void await(String what, Duration timeout, Supplier<Boolean> condition) {
    if (!awaitOrFalse(what, timeout, condition)) {
      throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what);
    }
  }

  /** Polls every 0.5 s, at most timeout / 0.5 s times. */
  private static boolean awaitOrFalse(String what, Duration timeout, Supplier<Boolean> condition) {
    long attempts = Math.max(1, timeout.toMillis() / 500);
    for (long i = 0; i < attempts; i++) {
      if (Boolean.TRUE.equals(condition.get())) {
        return true;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private static String log(String pod, String container) {
    try {
      return client.pods().inNamespace(NS).withName(pod).inContainer(container).getLog();
    } catch (RuntimeException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static String tail(String text, int lines) {
    if (text == null) {
      return "";
    }
    String[] all = text.split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
  }
}
