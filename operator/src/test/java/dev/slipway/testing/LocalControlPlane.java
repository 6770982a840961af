package dev.slipway.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
    this.secretWatch = new SecretWatch(client);
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
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> ready = new CompletableFuture<>();
    List<String> transcript = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try {
        String line;
        while ((line = out.readLine()) != null) {
          System.out.println("[control-plane] " + line);
          synchronized (transcript) {
            transcript.add(line);
          }
          if (line.startsWith("READY ")) {
            ready.complete(line);
          }
        }
      } catch (IOException ignored) {
        // the harness went away; the wait below reports it
      }
      ready.completeExceptionally(new IllegalStateException("harness exited before it was ready"));
    }, "control-plane-output");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      process.destroy();
      synchronized (transcript) {
        throw new IllegalStateException("harness did not report READY: " + String.join("\n", transcript), e);
      }
    }
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
    Process build = new ProcessBuilder(root.resolve("e2e/build-controlplane.sh").toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (build.waitFor() != 0 || output.isEmpty()) {
      throw new IllegalStateException("e2e/build-controlplane.sh failed (exit " + build.exitValue() + ")");
    }
    String[] lines = output.split("\n");
    return Path.of(lines[lines.length - 1].trim());
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
    try {
      Config config = Config.fromKubeconfig(Files.readString(kubeconfigFile));
      config.setNamespace(null);
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
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

  /** The API server's audit log of write requests (metadata only). */
  public Path auditLog() {
    return stateDir.resolve("audit.log");
  }

  /** Runs the control plane's kubectl against it; returns exit code and combined output. */
  public CommandResult kubectl(String... args) {
    List<String> command = new ArrayList<>();
    command.add(binDir.resolve("kubectl").toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(repoRoot.toFile()).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("kubectl timed out: " + command);
      }
      return new CommandResult(p.exitValue(), output);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
