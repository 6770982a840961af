package dev.slipway.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Flux's source-controller and kustomize-controller, built from their Go modules by
 * {@code e2e/flux/build.sh} (cached in ~/.cache/slipway/flux; {@code SLIPWAY_FLUX_DIR} names a
 * build made already), running as processes on this machine against the real node's cluster, as
 * they would in their pods: CRDs from the same module sources, each controller with a
 * ServiceAccount of its own in {@code flux-system} (bound to cluster-admin, as Flux's install
 * does), so the audit log tells their requests apart; source-controller's artifact server on
 * loopback, where kustomize-controller fetches from. No leader election, no notification
 * controller. Logs go to {@code <node state>/logs/flux-*.log}.
 */
public final class FluxControllers implements AutoCloseable {

  public static final String NAMESPACE = "flux-system";
  public static final String SOURCE = "source-controller";
  public static final String KUSTOMIZE = "kustomize-controller";
  private static final Duration READY = Duration.ofSeconds(60);

  private final Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final Path logs;

  private FluxControllers(Path dir, Path logs) {
    this.dir = dir;
    this.logs = logs;
  }

  /** Builds (or finds) Flux, installs its CRDs and starts both controllers; fails with the logs when one does not get healthy. */
  public static FluxControllers start(RealNode node) {
    Instant began = Instant.now();
    try {
      String fromEnv = System.getenv("SLIPWAY_FLUX_DIR");
      Path dir = fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv)
          : HarnessProcess.built(node.repoRootPath().resolve("e2e/flux/build.sh"), Duration.ofMinutes(45));
      Path logs = node.stateDir().resolve("logs");
      Files.createDirectories(logs);
      FluxControllers flux = new FluxControllers(dir, logs);
      Duration build = Duration.between(began, Instant.now());
      flux.install(node);
      flux.run(node, SOURCE, List.of("--storage-path=" + Files.createDirectories(node.stateDir().resolve("flux-storage")),
          "--storage-addr=127.0.0.1:" + flux.storagePort, "--storage-adv-addr=127.0.0.1:" + flux.storagePort));
      flux.run(node, KUSTOMIZE, List.of());
      System.out.printf("[flux] source-controller and kustomize-controller from %s (build or cache %ds), healthy after %ds%n",
          dir, build.toSeconds(), Duration.between(began, Instant.now()).toSeconds());
      return flux;
    } catch (IOException e) {
      throw new IllegalStateException("Flux could not be started: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private final int storagePort = freePort();

  /** CRDs (server-side, as Flux's install applies them), the namespace, one ServiceAccount per controller. */
  private void install(RealNode node) {
    LocalControlPlane.CommandResult crds = node.kubectl("apply", "--server-side", "--force-conflicts", "-f", dir.resolve("crds").toString());
    if (crds.exitCode() != 0) {
      throw new IllegalStateException("Flux's CRDs were refused:\n" + crds.output());
    }
    LocalControlPlane.CommandResult established = node.kubectl("wait", "--for=condition=Established", "--timeout=60s", "-f",
        dir.resolve("crds").toString());
    if (established.exitCode() != 0) {
      throw new IllegalStateException("Flux's CRDs did not get established:\n" + established.output());
    }
    KubernetesClient client = node.client();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).serverSideApply();
    for (String name : List.of(SOURCE, KUSTOMIZE)) {
      client.serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder().withNewMetadata().withName(name)
          .withNamespace(NAMESPACE).endMetadata().build()).serverSideApply();
      client.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName("flux-" + name).endMetadata()
          .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("cluster-admin").endRoleRef()
          .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(NAMESPACE).endSubject()
          .build()).serverSideApply();
    }
  }

  private void run(RealNode node, String name, List<String> extraArgs) throws IOException, InterruptedException {
    int health = freePort();
    List<String> command = new ArrayList<>(List.of(dir.resolve("bin/" + name).toString(),
        "--metrics-addr=127.0.0.1:" + freePort(), "--health-addr=127.0.0.1:" + health,
        "--enable-leader-election=false", "--watch-all-namespaces=true", "--events-addr=", "--log-level=info"));
    command.addAll(extraArgs);
    Path log = logs.resolve("flux-" + name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
    builder.environment().putAll(Map.of("KUBECONFIG", kubeconfigFor(node, name).toString(), "RUNTIME_NAMESPACE", NAMESPACE));
    Process process = builder.start();
    processes.add(process);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Instant deadline = Instant.now().plus(READY);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail(log));
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health + "/readyz"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(name + " not ready within " + READY.toSeconds() + "s:\n" + tail(log));
  }

  /** A kubeconfig with a token of the controller's ServiceAccount (two hours), the cluster as the admin's kubeconfig names it. */
  private static Path kubeconfigFor(RealNode node, String name) throws IOException {
    String token = node.client().serviceAccounts().inNamespace(NAMESPACE).withName(name)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(7200L).endSpec().build())
        .getStatus().getToken();
    String admin = Files.readString(node.kubeconfig());
    String clusters = admin.substring(admin.indexOf("clusters:"), admin.indexOf("users:"));
    String cluster = clusters.lines().filter(l -> l.trim().startsWith("- name:")).findFirst().orElseThrow().trim().substring("- name:".length()).trim();
    String config = "apiVersion: v1\nkind: Config\n" + clusters
        + "users:\n- name: " + name + "\n  user:\n    token: " + token + "\n"
        + "contexts:\n- name: flux\n  context:\n    cluster: " + cluster + "\n    user: " + name + "\n"
        + "current-context: flux\n";
    Path file = node.stateDir().resolve("flux-" + name + ".kubeconfig");
    Files.writeString(file, config, StandardCharsets.UTF_8);
    return file;
  }

  /** The audit log's user name of a controller's requests. */
  public static String user(String controller) {
    return "system:serviceaccount:" + NAMESPACE + ":" + controller;
  }

  /** A Flux object (GitRepository, Kustomization) in flux-system. */
  public static Resource<GenericKubernetesResource> object(KubernetesClient client, String apiVersion, String kind, String name) {
    return client.genericKubernetesResources(apiVersion, kind).inNamespace(NAMESPACE).withName(name);
  }

  public Path log(String controller) {
    return logs.resolve("flux-" + controller + ".log");
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SIGTERM to both controllers, SIGKILL after ten seconds. */
  @Override
  public void close() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
