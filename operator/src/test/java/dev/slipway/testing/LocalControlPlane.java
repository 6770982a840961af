package dev.slipway.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real control plane (etcd, kube-apiserver, kube-controller-manager) the integration tests
 * run against: built by e2e/build-controlplane.sh, started once per JVM by e2e/harness with the
 * CRDs from crds/ installed, and stopped when the JVM ends (the harness also stops when its
 * standard input closes, so a killed JVM does not leave it behind).
 *
 * <p>Nothing here skips: if the control plane cannot be built or started, every test using it
 * fails with the reason.
 */
public final class LocalControlPlane {

  private static LocalControlPlane instance;
  private static RuntimeException startFailure;

  private final Path repoRoot;
  private final Path binDir;
  private final Path stateDir;
  private final Path kubeconfig;
  private final Process harness;
  private final KubernetesClient client;
  private final SecretWatch secretWatch;

  private LocalControlPlane(Path repoRoot, Path binDir, Path stateDir, Path kubeconfig, Process harness) {
    this.repoRoot = repoRoot;
    this.binDir = binDir;
    this.stateDir = stateDir;
    this.kubeconfig = kubeconfig;
    this.harness = harness;
    this.client = newClient();
    this.secretWatch = new SecretWatch(client, () -> SecretWatch.filesBelow(stateDir.resolve("audit.log"), stateDir.resolve("logs")));
  }

  /** Generated passwords seen during the run, and where they must never appear. */
  public SecretWatch secretWatch() {
    return secretWatch;
  }

  /** The shared control plane, started on first use. */
  public static synchronized LocalControlPlane get() {
    if (startFailure != null) {
      throw startFailure;
    }
    if (instance == null) {
      try {
        instance = start();
      } catch (Exception e) {
        startFailure = new IllegalStateException("the local control plane could not be started: " + e.getMessage(), e);
        throw startFailure;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "control-plane-stop"));
    }
    return instance;
  }

  private static LocalControlPlane start() throws Exception {
    Path root = repoRoot();
    Path bin = binDir(root);
    Path state = root.resolve("operator/target/controlplane");
    deleteRecursively(state);
    Files.createDirectories(state);
    List<String> command = List.of(
        bin.resolve("harness").toString(),
        "-bin", bin.toString(),
        "-dir", state.toString(),
        "-crds", root.resolve("crds").toString(),
        "-exit-on-stdin-close");
    Process process = HarnessProcess.start(command, "control-plane", Duration.ofMinutes(5)).process();
    return new LocalControlPlane(root, bin, state, state.resolve("kubeconfig"), process);
  }

  /** The repository root, without starting anything. */
  public static Path repoRootPathStatic() {
    return repoRoot();
  }

  static Path repoRoot() {
    String configured = System.getProperty("slipway.repoRoot");
    Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
    for (Path p = start.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("e2e/build-controlplane.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the repository root (e2e/build-controlplane.sh) from " + start);
  }

  /** SLIPWAY_BIN_DIR when the Makefile built it already, otherwise build (or reuse the cache) now. */
  private static Path binDir(Path root) throws IOException, InterruptedException {
    String fromEnv = System.getenv("SLIPWAY_BIN_DIR");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    return HarnessProcess.built(root.resolve("e2e/build-controlplane.sh"), Duration.ofMinutes(60));
  }

  public KubernetesClient client() {
    return client;
  }

  /** A new client of its own, as the test's administrator. */
  public KubernetesClient newClient() {
    return clientFor(kubeconfig);
  }

  /**
   * A client with the operator's own identity (user slipway-operator), so that the API server's
   * audit log tells the operator's requests apart from the test's.
   */
  public KubernetesClient newOperatorClient() {
    return clientFor(stateDir.resolve("operator.kubeconfig"));
  }

  /** The user name the operator's client authenticates as. */
  public static String operatorUser() {
    return "slipway-operator";
  }

  private static KubernetesClient clientFor(Path kubeconfigFile) {
    return HarnessProcess.clientFor(kubeconfigFile);
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  public Path binDir() {
    return binDir;
  }

  public Path stateDir() {
    return stateDir;
  }

  public Path repoRootPath() {
    return repoRoot;
  }

  /**
   * Stops kube-apiserver (the harness's SIGUSR1; etcd and the controller manager keep running) and
   * waits until it no longer answers.
   */
  public void stopApiServer() {
    signalHarness("USR1");
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    while (Instant.now().isBefore(deadline)) {
      if (!apiServerAnswers()) {
        return;
      }
      sleep(100);
    }
    throw new IllegalStateException("kube-apiserver still answers 30 s after the harness was asked to stop it");
  }

  /** Starts kube-apiserver again with the same flags and etcd (SIGUSR2) and waits until it answers. */
  public void startApiServer() {
    signalHarness("USR2");
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    while (Instant.now().isBefore(deadline)) {
      if (apiServerAnswers()) {
        return;
      }
      sleep(200);
    }
    throw new IllegalStateException("kube-apiserver did not come back within 120 s");
  }

  private boolean apiServerAnswers() {
    try (KubernetesClient probe = newClient()) {
      probe.namespaces().withName("default").get();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void signalHarness(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(harness.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + harness.pid() + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** etcd's client URL (the harness writes it to its state directory). */
  public String etcdUrl() {
    try {
      return Files.readString(stateDir.resolve("etcd-url")).trim();
    } catch (IOException e) {
      throw new IllegalStateException("no etcd-url in " + stateDir + " (a harness from before SIGUSR1/SIGUSR2?)", e);
    }
  }

  /** The API server's audit log of write requests (metadata only). */
  public Path auditLog() {
    return stateDir.resolve("audit.log");
  }

  /** Runs the control plane's kubectl against it; returns exit code and combined output. */
  public CommandResult kubectl(String... args) {
    return HarnessProcess.kubectl(binDir.resolve("kubectl"), kubeconfig, repoRoot, args);
  }

  public record CommandResult(int exitCode, String output) {}

  private void stop() {
    secretWatch.close();
    client.close();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    try {
      harness.getOutputStream().close();
    } catch (IOException ignored) {
      // closing stdin is the polite request; destroy below is the firm one
    }
    harness.destroy();
    try {
      if (!harness.waitFor(Duration.between(Instant.now(), deadline).toMillis(), TimeUnit.MILLISECONDS)) {
        harness.destroyForcibly();
      }
    } catch (InterruptedException e) {
      harness.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
