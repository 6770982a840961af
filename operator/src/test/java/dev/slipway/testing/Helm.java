package dev.slipway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The helm command, built from its Go module by e2e/build-helm.sh (cached), against the real
 * node's cluster as its administrator, run from the repository root (so {@code helm/slipway} is
 * the chart), with its cache, config and data below the node's state directory.
 */
public final class Helm {

  private final Path binary;
  private final Path kubeconfig;
  private final Path repoRoot;
  private final Path home;

  private Helm(Path binary, Path kubeconfig, Path repoRoot, Path home) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    this.repoRoot = repoRoot;
    this.home = home;
  }

  public static Helm on(RealNode node) {
    try {
      Path binary = HarnessProcess.built(node.repoRootPath().resolve("e2e/build-helm.sh"), Duration.ofMinutes(30));
      return new Helm(binary, node.kubeconfig(), node.repoRootPath(), node.stateDir().resolve("helm"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code helm ARGS...}, bounded to ten minutes; its exit code and combined output. */
  public LocalControlPlane.CommandResult run(String... args) {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(command).directory(repoRoot.toFile()).redirectErrorStream(true);
      pb.environment().put("HELM_CACHE_HOME", home.resolve("cache").toString());
      pb.environment().put("HELM_CONFIG_HOME", home.resolve("config").toString());
      pb.environment().put("HELM_DATA_HOME", home.resolve("data").toString());
      Process p = pb.start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("helm timed out: " + command);
      }
      return new LocalControlPlane.CommandResult(p.exitValue(), output);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code helm ARGS...}; fails the test with helm's output unless it exits 0. */
  public String ok(String... args) {
    LocalControlPlane.CommandResult r = run(args);
    if (r.exitCode() != 0) {
      throw new AssertionError("helm " + String.join(" ", args) + " exited " + r.exitCode() + ":\n" + r.output());
    }
    return r.output();
  }

  /** Writes a values file below the helm state directory and returns its path. */
  public Path valuesFile(String name, String yaml) {
    try {
      Files.createDirectories(home);
      Path file = home.resolve(name);
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
