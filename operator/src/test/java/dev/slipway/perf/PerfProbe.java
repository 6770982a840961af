package dev.slipway.perf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small, repeatable measurement of the operator at scale (not the full {@code make bench}):
 * starts the local control plane, starts the real jar (leader election on, {@code -Xmx512m}, JFR
 * on), applies N Projects × 2 Environments (database none, sources in a few bare repositories on
 * disk, no kubelet so builds never finish) and prints: time to every Environment having a status
 * (phase Building or later for autoDeploy, any phase for promoted ones) and to the operator's
 * last write (steady), operator writes per Environment by verb and resource from the audit log,
 * heap after a full GC before and after, CPU seconds, and the writes of a restarted operator on
 * the converged system (a quiet resync must write nothing).
 *
 * <p>Usage: {@code e2e/perf-probe.sh [projects=500] [namespaces=5] [repos=10]}.
 */
public final class PerfProbe {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  public static void main(String[] args) throws Exception {
    int projects = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int namespaces = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int repos = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int environments = projects * 2;
    LocalControlPlane cp = LocalControlPlane.get();
    KubernetesClient client = cp.client();
    Path jar = cp.repoRootPath().resolve("operator/target/slipway-operator.jar");
    Path out = cp.repoRootPath().resolve("operator/target/perf");
    Files.createDirectories(out);
    Path audit = cp.auditLog();

    List<String> urls = new ArrayList<>();
    for (int i = 0; i < repos; i++) {
      GitRemote remote = new GitRemote("perf-" + i);
      remote.commit("develop", Map.of("Dockerfile", "FROM scratch\n"), "first");
      urls.add(remote.fileUrl());
    }
    for (int i = 0; i < namespaces; i++) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("perf-" + i).endMetadata().build())
          .serverSideApply();
    }
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("perf-system").endMetadata().build())
        .serverSideApply();

    Operator op = Operator.start(jar, cp, out.resolve("operator-1"));
    op.awaitLeading(Duration.ofSeconds(120));
    Thread.sleep(3000);
    long heapIdle = op.heapAfterGc();
    double cpuIdle = op.cpuSeconds();

    // --- apply -------------------------------------------------------------------------------
    long mark = Files.size(audit);
    Instant t0 = Instant.now();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> created = new ArrayList<>();
    for (int i = 0; i < projects; i++) {
      int n = i;
      created.add(pool.submit(() -> client.resource(Serialization.unmarshal("""
          apiVersion: slipway.dev/v1alpha1
          kind: Project
          metadata: {name: p%d}
          spec:
            source: {url: "%s"}
            database: {mode: none}
            environments:
            - {name: test, branch: develop, autoDeploy: true}
            - {name: live, promoteFrom: test}
          """.formatted(n, urls.get(n % repos)), GenericKubernetesResource.class)).inNamespace("perf-" + (n % namespaces)).create()));
    }
    for (Future<?> f : created) {
      f.get();
    }
    pool.shutdown();
    Duration applied = Duration.between(t0, Instant.now());
    Duration allStatus = null;
    while (true) {
      List<Environment> envs = client.resources(Environment.class).inAnyNamespace().list().getItems();
      long withStatus = envs.stream().filter(e -> e.getStatus() != null && e.getStatus().getPhase() != null
          && (e.getSpec().getPromoteFrom() != null || !"Pending".equals(e.getStatus().getPhase().toString()))).count();
      long projectsDone = client.resources(Project.class).inAnyNamespace().list().getItems().stream()
          .filter(p -> p.getStatus() != null && p.getStatus().getEnvironments() != null
              && p.getStatus().getEnvironments().stream().allMatch(s -> s.getPhase() != null
                  && (s.getName().equals("live") || !"Pending".equals(s.getPhase().toString()))))
          .count();
      if (withStatus == environments && projectsDone == projects) {
        allStatus = Duration.between(t0, Instant.now());
        break;
      }
      if (Duration.between(t0, Instant.now()).toSeconds() > 600) {
        System.out.printf("TIMEOUT: %d/%d environments with status, %d/%d projects%n", withStatus, environments, projectsDone, projects);
        break;
      }
      Thread.sleep(250);
    }
    // Quiet: no operator write (other than the Lease) for 5 s.
    Instant lastWrite = awaitQuiet(audit, mark, Duration.ofSeconds(5));
    double cpuApply = op.cpuSeconds() - cpuIdle;
    List<Write> writes = writes(audit, mark);
    long heapFull = op.heapAfterGc();
    Files.writeString(out.resolve("histogram.txt"), op.jcmd("GC.class_histogram"));
    op.dumpJfr(out.resolve("apply.jfr"));

    System.out.printf("%n== Slipway perf probe: %d projects, %d environments, %d namespaces, %d repositories ==%n",
        projects, environments, namespaces, repos);
    System.out.printf("apply (client creates)        %6.1f s%n", applied.toMillis() / 1000.0);
    System.out.printf("every Environment has status  %6.1f s%n", allStatus == null ? -1 : allStatus.toMillis() / 1000.0);
    System.out.printf("steady (last operator write)  %6.1f s%n", Duration.between(t0, lastWrite).toMillis() / 1000.0);
    System.out.printf("operator CPU during apply     %6.1f s%n", cpuApply);
    System.out.printf("heap after full GC: idle %.1f MiB, with %d environments %.1f MiB, %.1f KiB per environment%n",
        heapIdle / 1048576.0, environments, heapFull / 1048576.0, (heapFull - heapIdle) / 1024.0 / environments);
    printWrites(writes, environments);

    // --- restart on the converged system: a quiet resync --------------------------------------
    op.stop();
    long restartMark = Files.size(audit);
    Instant r0 = Instant.now();
    Operator second = Operator.start(jar, cp, out.resolve("operator-2"));
    second.awaitLeading(Duration.ofSeconds(120));
    Duration leading = Duration.between(r0, Instant.now());
    Thread.sleep(20_000);
    List<Write> resync = writes(audit, restartMark);
    double cpuRestart = second.cpuSeconds();
    long heapRestart = second.heapAfterGc();
    second.dumpJfr(out.resolve("restart.jfr"));
    second.stop();
    System.out.printf("restart: leading after %.1f s; writes in the 20 s after: %d; CPU %.1f s; heap after full GC %.1f MiB%n",
        leading.toMillis() / 1000.0, resync.size(), cpuRestart, heapRestart / 1048576.0);
    if (!resync.isEmpty()) {
      printWrites(resync, environments);
    }
    System.out.println("JFR: " + out.resolve("apply.jfr") + " " + out.resolve("restart.jfr"));
    System.exit(0);
  }

  private static void printWrites(List<Write> writes, int environments) {
    Map<String, Integer> by = new TreeMap<>();
    for (Write w : writes) {
      by.merge(w.verb + " " + w.resource + (w.subresource == null ? "" : "/" + w.subresource), 1, Integer::sum);
    }
    System.out.printf("operator writes: %d = %.2f per environment%n", writes.size(), writes.size() / (double) environments);
    by.forEach((k, v) -> System.out.printf("  %-36s %6d  %.2f/env%n", k, v, v / (double) environments));
  }

  /** Waits until the operator has written nothing but the Lease for {@code quiet}; returns its last write's time. */
  private static Instant awaitQuiet(Path audit, long mark, Duration quiet) throws Exception {
    while (true) {
      List<Write> w = writes(audit, mark);
      Instant last = w.isEmpty() ? Instant.EPOCH : w.get(w.size() - 1).received;
      for (Write x : w) {
        if (x.received.isAfter(last)) {
          last = x.received;
        }
      }
      if (Duration.between(last, Instant.now()).compareTo(quiet) > 0) {
        return last;
      }
      Thread.sleep(1000);
    }
  }

  record Write(String verb, String resource, String subresource, Instant received) {}

  /** The operator's writes after the mark, without Lease renewals. */
  static List<Write> writes(Path audit, long mark) throws IOException {
    List<Write> writes = new ArrayList<>();
    byte[] rest;
    try (RandomAccessFile f = new RandomAccessFile(audit.toFile(), "r")) {
      f.seek(mark);
      rest = new byte[(int) (f.length() - mark)];
      f.readFully(rest);
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String line : new String(rest, StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank() || !line.endsWith("}")) {
        continue;
      }
      JsonNode e = JSON.readTree(line);
      String verb = e.path("verb").asText();
      if (!Set.WRITES.contains(verb) || !LocalControlPlane.operatorUser().equals(e.path("user").path("username").asText())
          || !seen.add(e.path("auditID").asText())) {
        continue;
      }
      JsonNode ref = e.path("objectRef");
      // Lease renewals and the RBAC self-check at start (a review, not a stored object) are no state.
      if (ref.path("resource").asText().equals("leases") || ref.path("resource").asText().equals("selfsubjectrulesreviews")) {
        continue;
      }
      writes.add(new Write(verb, ref.path("resource").asText(), ref.hasNonNull("subresource") ? ref.path("subresource").asText() : null,
          Instant.parse(e.path("requestReceivedTimestamp").asText())));
    }
    return writes;
  }

  private static final class Set {
    static final java.util.Set<String> WRITES = java.util.Set.of("create", "update", "patch", "delete", "deletecollection");
  }

  /** The real jar in a JVM of its own, as in production: leader election on, heap capped, JFR on. */
  static final class Operator {
    private final Process process;
    private final Path log;

    private Operator(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static Operator start(Path jar, LocalControlPlane cp, Path dir) throws IOException {
      Files.createDirectories(dir);
      String java = ProcessHandle.current().info().command().orElse("java");
      Path log = dir.resolve("operator.log");
      ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-XX:StartFlightRecording=name=probe,settings=profile",
          "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
      Map<String, String> env = pb.environment();
      env.put("KUBECONFIG", cp.stateDir().resolve("operator.kubeconfig").toString());
      env.put("POD_NAME", "slipway-perf");
      env.put("SLIPWAY_LEADER_ELECTION", "true");
      env.put("SLIPWAY_LEASE_NAMESPACE", "perf-system");
      env.put("SLIPWAY_HTTP_PORT", "0");
      env.put("SLIPWAY_REGISTRY", "registry.example.com/slipway");
      env.put("SLIPWAY_DATABASE_MODE", "none");
      env.put("SLIPWAY_SHUTDOWN_TIMEOUT", "5s");
      env.remove("SLIPWAY_WATCH_NAMESPACES");
      Process process = pb.start();
      // Never leave an operator behind, whatever happens to the probe.
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      return new Operator(process, log);
    }

    void awaitLeading(Duration within) throws Exception {
      Instant deadline = Instant.now().plus(within);
      while (Instant.now().isBefore(deadline)) {
        if (Files.exists(log) && Files.readString(log).contains("leading as")) {
          return;
        }
        if (!process.isAlive()) {
          throw new IllegalStateException("operator exited\n" + Files.readString(log));
        }
        Thread.sleep(200);
      }
      throw new IllegalStateException("operator not leading after " + within + "\n" + Files.readString(log));
    }

    long heapAfterGc() throws Exception {
      jcmd("GC.run");
      String info = jcmd("GC.heap_info");
      Matcher m = HEAP_USED.matcher(info);
      if (!m.find()) {
        throw new IllegalStateException("no heap figure in " + info);
      }
      return Long.parseLong(m.group(1)) * 1024;
    }

    double cpuSeconds() throws IOException {
      String[] f = Files.readString(Path.of("/proc/" + process.pid() + "/stat")).replaceAll(".*\\) ", "").split(" ");
      // fields after the command: state is [0]; utime [11], stime [12] (clock ticks, 100 per second)
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    void dumpJfr(Path file) throws Exception {
      jcmd("JFR.dump", "name=probe", "filename=" + file);
    }

    String jcmd(String... command) throws Exception {
      List<String> cmd = new ArrayList<>(List.of("jcmd", Long.toString(process.pid())));
      cmd.addAll(List.of(command));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return output;
    }

    void stop() throws Exception {
      process.destroy();
      if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
