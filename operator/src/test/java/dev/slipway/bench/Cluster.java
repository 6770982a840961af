package dev.slipway.bench;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The cluster a benchmark size runs on, all on loopback: the local control plane (e2e/harness:
 * etcd, kube-apiserver with the benchmark's audit policy, kube-controller-manager), kube-scheduler
 * and kwok playing the kubelet of a few fake nodes (e2e/bench/kwok-stages.yaml says what it does
 * to pods).
 */
final class Cluster implements AutoCloseable {

  static final int NODES = 4;

  private final Path dir;
  private final Process harness;
  private final Process scheduler;
  private final Process kwok;
  final Path kubeconfig;
  final Path operatorKubeconfig;
  final Path auditLog;
  final KubernetesClient client;

  private Cluster(Path dir, Process harness, Process scheduler, Process kwok, KubernetesClient client) {
    this.dir = dir;
    this.harness = harness;
    this.scheduler = scheduler;
    this.kwok = kwok;
    this.kubeconfig = dir.resolve("controlplane/kubeconfig");
    this.operatorKubeconfig = dir.resolve("controlplane/operator.kubeconfig");
    this.auditLog = dir.resolve("controlplane/audit.log");
    this.client = client;
  }

  static Cluster start(Path root, Path binDir, Path kwokBin, Path dir) throws Exception {
    Path cp = dir.resolve("controlplane");
    Files.createDirectories(dir);
    Path policy = dir.resolve("audit-policy.yaml");
    Files.writeString(policy, Audit.POLICY);
    Path harnessLog = dir.resolve("harness.log");
    // The controller manager's client defaults (20 requests/s) would make Jobs and ReplicaSets the
    // bottleneck at hundreds of environments; a platform's control plane is sized for its load.
    Process harness = Procs.start(new ProcessBuilder(List.of(
        binDir.resolve("harness").toString(), "-bin", binDir.toString(), "-dir", cp.toString(),
        "-crds", root.resolve("crds").toString(), "-audit-policy", policy.toString(), "-exit-on-stdin-close",
        "-controller-manager-arg=--kube-api-qps=300", "-controller-manager-arg=--kube-api-burst=600",
        "-controller-manager-arg=--concurrent-job-syncs=10", "-controller-manager-arg=--concurrent-deployment-syncs=10",
        "-controller-manager-arg=--concurrent-replicaset-syncs=10"))
        .redirectErrorStream(true));
    awaitReady(harness, harnessLog, Duration.ofMinutes(5));
    KubernetesClient client = clientFor(cp.resolve("kubeconfig"));

    Path schedConfig = dir.resolve("scheduler.yaml");
    Files.writeString(schedConfig, """
        apiVersion: kubescheduler.config.k8s.io/v1
        kind: KubeSchedulerConfiguration
        clientConnection:
          kubeconfig: %s
          qps: 300
          burst: 600
        leaderElection:
          leaderElect: false
        """.formatted(cp.resolve("kubeconfig")));
    Path kc = cp.resolve("kubeconfig");
    Process scheduler = Procs.start(Procs.logged(List.of(binDir.resolve("kube-scheduler").toString(),
        "--config=" + schedConfig, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
        "--bind-address=127.0.0.1", "--secure-port=" + Procs.freePort(), "--v=1"), dir.resolve("kube-scheduler.log")));

    Process kwok = Procs.start(Procs.logged(List.of(kwokBin.toString(), "--kubeconfig=" + kc,
        "--config=" + root.resolve("e2e/bench/kwok-stages.yaml"),
        "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        "--server-address=127.0.0.1:" + Procs.freePort(), "--node-lease-duration-seconds=40"), dir.resolve("kwok.log")));

    for (int i = 0; i < NODES; i++) {
      // Every pod the operator makes requests ephemeral storage too: a node without it schedules none.
      Map<String, Quantity> capacity = Map.of("cpu", new Quantity("1000"), "memory", new Quantity("4Ti"),
          "ephemeral-storage", new Quantity("64Ti"), "pods", new Quantity("3000"));
      client.nodes().resource(new NodeBuilder()
          .withNewMetadata().withName("kwok-node-" + i)
          .addToAnnotations("kwok.x-k8s.io/node", "fake")
          .addToLabels("type", "kwok").addToLabels("kubernetes.io/hostname", "kwok-node-" + i).endMetadata()
          .withNewStatus().withCapacity(capacity).withAllocatable(capacity).endStatus()
          .build()).create();
    }
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    while (client.nodes().list().getItems().stream().filter(n -> n.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))).count() < NODES) {
      if (Instant.now().isAfter(deadline) || !kwok.isAlive()) {
        throw new IllegalStateException("kwok did not make the fake nodes Ready; see " + dir.resolve("kwok.log"));
      }
      Thread.sleep(300);
    }
    return new Cluster(dir, harness, scheduler, kwok, client);
  }

  private static void awaitReady(Process harness, Path log, Duration timeout) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(harness.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          w.println(line);
          w.flush();
          if (line.startsWith("READY ")) {
            ready.complete(line);
          }
        }
      } catch (IOException ignored) {
        // the harness went away
      }
      ready.completeExceptionally(new IllegalStateException("the control plane harness exited; see " + log));
    }, "harness-output");
    t.setDaemon(true);
    t.start();
    ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  static KubernetesClient clientFor(Path kubeconfig) throws IOException {
    Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
    config.setNamespace(null);
    config.setMaxConcurrentRequests(256);
    config.setMaxConcurrentRequestsPerHost(256);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @Override
  public void close() {
    client.close();
    Procs.stop(kwok, 10);
    Procs.stop(scheduler, 10);
    try {
      harness.getOutputStream().close(); // -exit-on-stdin-close
    } catch (IOException ignored) {
      // destroy below
    }
    Procs.stop(harness, 60);
  }
}
