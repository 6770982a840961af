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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What LocalControlPlane and RealNode share about the e2e/harness process: building its binaries
 * with a script that prints their directory, starting it and reading its READY line, kubectl
 * against it, and clients from its kubeconfigs.
 */
final class HarnessProcess {

  /** A started harness and the key=value fields of its READY line. */
  record Started(Process process, Map<String, String> ready) {}

  private HarnessProcess() {}

  /**
   * Starts the harness, echoes its output with {@code prefix}, and waits up to {@code timeout} for
   * its READY line; on failure it is stopped and its whole output is in the exception.
   */
  static Started start(List<String> command, String prefix, Duration timeout) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> readyLine = new CompletableFuture<>();
    List<String> transcript = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try {
        String line;
        while ((line = out.readLine()) != null) {
          System.out.println("[" + prefix + "] " + line);
          synchronized (transcript) {
            transcript.add(line);
          }
          if (line.startsWith("READY ")) {
            readyLine.complete(line);
          }
        }
      } catch (IOException ignored) {
        // the harness went away; the wait below reports it
      }
      readyLine.completeExceptionally(new IllegalStateException("harness exited before it was ready"));
    }, prefix + "-output");
    reader.setDaemon(true);
    reader.start();
    String line;
    try {
      line = readyLine.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      process.destroy();
      process.waitFor(2, TimeUnit.MINUTES);
      synchronized (transcript) {
        throw new IllegalStateException("harness did not report READY:\n" + String.join("\n", transcript), e);
      }
    }
    Map<String, String> fields = new HashMap<>();
    for (String field : line.substring("READY ".length()).split(" ")) {
      int eq = field.indexOf('=');
      if (eq > 0) {
        fields.put(field.substring(0, eq), field.substring(eq + 1));
      }
    }
    return new Started(process, fields);
  }

  /** Runs a build script (its log to this JVM's stderr) and returns the directory its last output line names. */
  static Path built(Path script, Duration timeout) throws IOException, InterruptedException {
    Process build = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String output = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!build.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      build.destroyForcibly();
      throw new IllegalStateException(script.getFileName() + " did not finish within " + timeout);
    }
    if (build.exitValue() != 0 || output.isEmpty()) {
      throw new IllegalStateException(script.getFileName() + " failed (exit " + build.exitValue() + "; see its output above)");
    }
    String[] lines = output.split("\n");
    return Path.of(lines[lines.length - 1].trim());
  }

  /** kubectl against the harness's cluster; exit code and combined output, bounded to two minutes. */
  static LocalControlPlane.CommandResult kubectl(Path kubectl, Path kubeconfig, Path workDir, String... args) {
    List<String> command = new ArrayList<>();
    command.add(kubectl.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("kubectl timed out: " + command);
      }
      return new LocalControlPlane.CommandResult(p.exitValue(), output);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A client from a kubeconfig the harness wrote (no default namespace). */
  static KubernetesClient clientFor(Path kubeconfig) {
    try {
      Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
      config.setNamespace(null);
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
