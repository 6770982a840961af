package dev.slipway.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as it runs in production: {@code java -jar operator/target/slipway-operator.jar} in
 * a process of its own, configured by SLIPWAY_* variables, its output in a file, so that a test
 * can SIGKILL it at any moment and start it again. Every start appends to the same log file (a
 * line {@code ==== start <n>} between runs).
 */
public final class OperatorJar implements AutoCloseable {

  private final Process process;
  private final Path log;
  private final String identity;

  private OperatorJar(Process process, Path log, String identity) {
    this.process = process;
    this.log = log;
    this.identity = identity;
  }

  /** The jar mvn package built; fails the test when it is missing. */
  public static Path jar(LocalControlPlane cp) {
    Path jar = cp.repoRootPath().resolve("operator/target/slipway-operator.jar");
    if (!Files.exists(jar)) {
      throw new AssertionError("the operator jar is missing (mvn package builds it before the integration tests): " + jar);
    }
    return jar;
  }

  /**
   * Settings every test process shares: the operator's own kubeconfig (user slipway-operator, so
   * the audit log tells its requests apart), one watched namespace, a free HTTP port, no leader
   * election, a short poll interval and shutdown.
   */
  public static Map<String, String> baseEnv(LocalControlPlane cp, String namespace) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KUBECONFIG", cp.stateDir().resolve("operator.kubeconfig").toString());
    env.put("SLIPWAY_WATCH_NAMESPACES", namespace);
    env.put("SLIPWAY_LEADER_ELECTION", "false");
    env.put("SLIPWAY_HTTP_PORT", "0");
    env.put("SLIPWAY_REGISTRY", "registry.example.com/slipway");
    env.put("SLIPWAY_DATABASE_MODE", "none");
    env.put("SLIPWAY_POLL_INTERVAL", "5s");
    env.put("SLIPWAY_SHUTDOWN_TIMEOUT", "5s");
    return env;
  }

  /** Starts the jar with exactly these variables (plus PATH and JAVA_HOME), appending to {@code log}. */
  public static OperatorJar start(LocalControlPlane cp, String identity, Map<String, String> env, Path log, String... jvmArgs)
      throws IOException {
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    Files.createDirectories(log.getParent());
    List<String> command = new java.util.ArrayList<>(List.of(javaBin, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(List.of(jvmArgs));
    command.addAll(List.of("-jar", jar(cp).toString()));
    Files.writeString(log, "==== start " + identity + " " + java.time.Instant.now() + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("SLIPWAY_") || k.startsWith("AWS_") || k.equals("KUBECONFIG"));
    pb.environment().put("POD_NAME", identity);
    pb.environment().putAll(env);
    return new OperatorJar(pb.start(), log, identity);
  }

  public long pid() {
    return process.pid();
  }

  public String identity() {
    return identity;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no graceful stop. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM and wait for the graceful stop. */
  public void stop() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  public int exitCode(Duration within) throws InterruptedException {
    if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("process still running after " + within + "\n" + tail());
    }
    return process.exitValue();
  }

  public Path logFile() {
    return log;
  }

  public String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Lines logged at level ERROR (with the logback pattern {@code <time> ERROR [thread] ...}). */
  public static List<String> errorLines(Path log) {
    try {
      return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.matches("^\\S+ ERROR .*")).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "--- " + log.getFileName() + " ---\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
