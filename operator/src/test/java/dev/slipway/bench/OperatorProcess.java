package dev.slipway.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real operator jar in a JVM of its own, with production settings: leader election on, the
 * default reconcile threads, heap capped at 512 MiB, a JFR recording kept beside its log.
 */
final class OperatorProcess implements AutoCloseable {

  static final String WEBHOOK_TOKEN = "bench-webhook-token";
  static final String NAMESPACE = "slipway-system";
  static final String SHARED_DB_SECRET = "slipway-shared-database";

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final Process process;
  final int httpPort;
  final Path log;
  final Path jfr;

  private OperatorProcess(Process process, int httpPort, Path log, Path jfr) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
    this.jfr = jfr;
  }

  static OperatorProcess start(Path jar, Path kubeconfig, Path dir, String name) throws IOException {
    int port = Procs.freePort();
    Path log = dir.resolve(name + ".log");
    Path jfr = dir.resolve(name + ".jfr");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m",
        "-XX:StartFlightRecording=filename=" + jfr + ",dumponexit=true,settings=profile",
        "-jar", jar.toString()));
    ProcessBuilder pb = Procs.logged(command, log);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("SLIPWAY_"));
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("POD_NAME", name);
    env.put("POD_NAMESPACE", NAMESPACE);
    env.put("SLIPWAY_LEADER_ELECTION", "true");
    env.put("SLIPWAY_HTTP_PORT", Integer.toString(port));
    env.put("SLIPWAY_PROBE_PORT", "0");
    env.put("SLIPWAY_WEBHOOK_TOKEN", WEBHOOK_TOKEN);
    env.put("SLIPWAY_REGISTRY", "registry.bench.invalid/slipway");
    env.put("SLIPWAY_BASE_DOMAIN", "apps.bench.invalid");
    env.put("SLIPWAY_DATABASE_MODE", "none");
    env.put("SLIPWAY_SHARED_DATABASE_SECRET", SHARED_DB_SECRET);
    return new OperatorProcess(Procs.start(pb), port, log, jfr);
  }

  long pid() {
    return process.pid();
  }

  /** Waits until /readyz answers 200 (the operator leads and its controllers run). */
  void awaitReady(Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the operator exited (" + process.exitValue() + "); see " + log + "\n" + tail());
      }
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the operator was not ready within " + timeout + "\n" + tail());
  }

  String metrics() throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** The push announcement a Git server sends; returns the HTTP status. */
  int announcePush(String namespace, String project) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/hooks/git/" + namespace + "/" + project))
        .header("X-Slipway-Token", WEBHOOK_TOKEN).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGTERM: the graceful stop (the JFR recording is written on exit). */
  @Override
  public void close() {
    Procs.stop(process, 60);
  }
}
