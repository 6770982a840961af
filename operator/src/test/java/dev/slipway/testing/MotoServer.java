package dev.slipway.testing;

import dev.slipway.database.rds.RdsSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * moto's server (a fake of the AWS APIs, RDS included) on 127.0.0.1:&lt;free port&gt;, for
 * integration tests that go through the real AWS SDK. Usage:
 *
 * <pre>{@code
 * try (MotoServer moto = MotoServer.start()) {
 *   RdsClient rds = RdsProvisioner.client(moto.settings());
 *   ...
 *   moto.reset();   // forget every resource
 * }
 * }</pre>
 *
 * <p>moto is installed once into a Python virtualenv ({@code
 * ~/.cache/slipway/moto-venv}) by {@code e2e/moto-venv.sh}, which {@link #start()} runs (it is
 * idempotent and quick when the venv is there; the first install takes a few seconds to a minute
 * and prints its duration). The server's log is {@code target/moto/moto-<port>.log}. The process is
 * stopped on {@link #close()} and, failing that, when the JVM exits. Nothing skips: when moto
 * cannot be installed or does not answer, {@link #start()} fails with the reason and the log.
 */
public final class MotoServer implements AutoCloseable {

  public static final String VERSION = "5.2.5";
  public static final String REGION = "us-east-1";
  public static final String ACCESS_KEY = "testing";
  public static final String SECRET_KEY = "testing";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final URI endpoint;
  private final Path log;
  private final Thread shutdownHook;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private MotoServer(Process process, URI endpoint, Path log) {
    this.process = process;
    this.endpoint = endpoint;
    this.log = log;
    this.shutdownHook = new Thread(this::stop, "moto-server-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Installs moto if needed, starts it on a free loopback port and waits until it answers. */
  public static MotoServer start() {
    return start("127.0.0.1");
  }

  /** As {@link #start()}, listening on {@code host} (the node's address, for pods to reach it). */
  public static MotoServer start(String host) {
    Path venv = venv();
    Path dir = (Files.isDirectory(Path.of("target")) ? Path.of("target", "moto") : tempDir()).toAbsolutePath();
    int port = freePort();
    Path log = dir.resolve("moto-" + port + ".log");
    try {
      Files.createDirectories(dir);
      ProcessBuilder pb = new ProcessBuilder(venv.resolve("bin/moto_server").toString(), "-H", host, "-p", String.valueOf(port))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().put("PYTHONUNBUFFERED", "1");
      Process process = pb.start();
      MotoServer server = new MotoServer(process, URI.create("http://" + host + ":" + port), log);
      server.awaitUp();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start moto_server from " + venv + " (log " + log + ")", e);
    }
  }

  /** Runs {@code e2e/moto-venv.sh} (installs moto once) and returns the virtualenv. */
  static Path venv() {
    Path script = repoRoot().resolve("e2e/moto-venv.sh");
    Path venv = Path.of(System.getProperty("user.home"), ".cache", "slipway", "moto-venv");
    Instant start = Instant.now();
    try {
      ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(false)
          .redirectError(ProcessBuilder.Redirect.INHERIT);
      pb.environment().put("SLIPWAY_MOTO_VENV", venv.toString());
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(script + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue())
            + "); it installs moto[server]==" + VERSION + " with python3 -m venv and pip: " + out);
      }
      long seconds = Duration.between(start, Instant.now()).toSeconds();
      if (seconds >= 2) {
        System.out.println("MotoServer: " + script + " took " + seconds + " s");
      }
      List<String> lines = out.lines().toList();
      Path printed = Path.of(lines.get(lines.size() - 1));
      if (!Files.isExecutable(printed.resolve("bin/moto_server"))) {
        throw new IllegalStateException(script + " printed " + printed + " but it has no bin/moto_server");
      }
      return printed;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted installing moto", e);
    }
  }

  private static Path repoRoot() {
    String property = System.getProperty("slipway.repoRoot");
    if (property != null && Files.isRegularFile(Path.of(property, "e2e", "moto-venv.sh"))) {
      return Path.of(property);
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("e2e/moto-venv.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find e2e/moto-venv.sh above " + Path.of("").toAbsolutePath());
  }

  private void awaitUp() {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    IOException last = null;
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("moto_server exited with " + process.exitValue() + "; log " + log + ":\n" + tail());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/data.json"))
            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop();
        throw new IllegalStateException("interrupted waiting for moto_server", e);
      }
      sleep(100);
    }
    stop();
    throw new IllegalStateException("moto_server did not answer on " + endpoint + " within " + START_TIMEOUT.toSeconds()
        + " s (" + last + "); log " + log + ":\n" + tail());
  }

  public URI endpoint() {
    return endpoint;
  }

  /** Settings for an {@code RdsProvisioner} against this server: us-east-1, fake static keys. */
  public RdsSettings settings() {
    return new RdsSettings(REGION, endpoint, ACCESS_KEY, SECRET_KEY, null, List.of(), null, null,
        RdsSettings.DEFAULT_INSTANCE_CLASS, RdsSettings.DEFAULT_STORAGE_GIB,
        RdsSettings.DEFAULT_BACKUP_RETENTION_LIVE, RdsSettings.DEFAULT_BACKUP_RETENTION_OTHER);
  }

  /**
   * moto names the automated snapshot it takes at creation {@code rds:<id>-<minute>} and keeps it
   * after the instance is gone, so creating the same identifier again within a minute fails there
   * (RDS itself takes no such snapshot at once). Tests that make an instance again drop it first.
   */
  public static void forgetAutomatedSnapshots(software.amazon.awssdk.services.rds.RdsClient rds, String id) {
    rds.describeDBSnapshots(b -> b.snapshotType("automated")).dbSnapshots().stream()
        .filter(s -> s.dbSnapshotIdentifier().startsWith("rds:" + id + "-"))
        .forEach(s -> rds.deleteDBSnapshot(b -> b.dbSnapshotIdentifier(s.dbSnapshotIdentifier())));
  }

  /** Forgets every resource (POST /moto-api/reset). */
  public void reset() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
          .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("moto reset answered " + r.statusCode() + ": " + r.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("moto reset failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Path log() {
    return log;
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  private void stop() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path tempDir() {
    return Path.of(System.getProperty("java.io.tmpdir"), "slipway-moto");
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
