package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.config.LeaseSettings;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Leader election with two real operator processes ({@code java -jar slipway-operator.jar}) on the
 * local control plane, judged by the API server's audit log, where every request carries the
 * user agent {@code slipway-operator/<version> (<identity>)}:
 *
 * <ol>
 *   <li>while A leads, every write to Environments, Project status, Jobs and Events comes from A;
 *       B, the standby, writes nothing;
 *   <li>after SIGKILL of A, B takes the Lease within the lease duration (plus one acquire retry),
 *       never before A's last renewal has expired, and from then on only B writes;
 *   <li>when another holder is written into the Lease, B notices it at its next renewal, writes
 *       nothing more and exits with a non-zero code.
 * </ol>
 *
 * The test keeps the operators busy throughout: it changes the {@code slipway.dev/refresh}
 * annotation of an Environment every few hundred milliseconds, and every new value makes the
 * leader write the Environment's status.
 */
@ControlPlaneTest
class LeaderElectionIT {

  private static final Duration LEASE_DURATION = Duration.ofSeconds(8);
  private static final Duration RENEW_DEADLINE = Duration.ofSeconds(6);
  private static final Duration RETRY_PERIOD = Duration.ofSeconds(1);
  /** A standby polls every retry period plus up to 1.2 times it (fabric8's jitter). */
  private static final Duration ACQUIRE_RETRY = Duration.ofMillis((long) (RETRY_PERIOD.toMillis() * 2.2));
  /** Scheduling, JVM and API latency on a busy two-core machine. */
  private static final Duration SLACK = Duration.ofSeconds(2);
  private static final String LEASE = "slipway-operator";
  private static final String PROJECT = "elect";

  @Test
  void oneWriterAtATimeFailoverAfterSigkillAndALeaderThatLosesTheLeaseExits(LocalControlPlane cp, TestNamespace ns,
      KubernetesClient client) throws Exception {
    Path jar = cp.repoRootPath().resolve("operator/target/slipway-operator.jar");
    assertThat(jar).as("the operator jar (mvn package builds it before the integration tests)").exists();
    Path logs = cp.repoRootPath().resolve("operator/target/leader-election");
    Files.createDirectories(logs);
    Audit audit = new Audit(cp.auditLog(), ns.name());

    GitRemote remote = new GitRemote(PROJECT);
    remote.commit("develop", Map.of("Dockerfile", "FROM scratch\n"), "first");
    client.resource(Serialization.unmarshal("""
        apiVersion: slipway.dev/v1alpha1
        kind: Project
        metadata: {name: %s}
        spec:
          source: {url: "%s"}
          database: {mode: none}
          environments:
          - {name: test, branch: develop, autoDeploy: true}
          - {name: qa, stage: test, branch: develop, autoDeploy: true}
        """.formatted(PROJECT, remote.fileUrl()), GenericKubernetesResource.class)).inNamespace(ns.name()).create();

    OperatorProcess a = null;
    OperatorProcess b = null;
    Nudger nudger = null;
    try {
      // --- A leads, B stands by ----------------------------------------------------------------
      a = OperatorProcess.start(jar, "slipway-a", cp, ns, logs);
      OperatorProcess first = a;
      await("A takes the Lease").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
          .untilAsserted(() -> assertThat(holder(client, ns)).as(first.tail()).isEqualTo("slipway-a"));
      b = OperatorProcess.start(jar, "slipway-b", cp, ns, logs);
      OperatorProcess second = b;
      await("B runs and sees A lead").atMost(Duration.ofSeconds(90))
          .untilAsserted(() -> assertThat(second.log()).as(second.tail()).contains("current leader: slipway-a"));

      nudger = new Nudger(client, ns.name(), PROJECT + "-test");
      nudger.start();
      await("A builds and writes status").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        List<Write> byA = audit.writes().stream().filter(w -> w.by("slipway-a")).toList();
        assertThat(byA).as("writes by A").anyMatch(w -> w.is("environments", "status"))
            .anyMatch(w -> w.is("projects", "status")).anyMatch(w -> w.is("jobs", null)).anyMatch(w -> w.is("events", null));
      });
      Thread.sleep(3000); // some more nudges while both run
      assertThat(audit.writes()).as("while A leads, B (the standby) writes nothing").noneMatch(w -> w.by("slipway-b"));

      // --- SIGKILL of the leader: B takes over -------------------------------------------------
      Instant killed = Instant.now();
      a.kill();
      assertThat(a.exitCode(Duration.ofSeconds(10))).as("A was killed").isEqualTo(137);
      // Requests A sent just before it died may still be arriving.
      Instant lastPossibleForA = Instant.now().plusMillis(100);
      await("B takes the Lease").atMost(LEASE_DURATION.plus(ACQUIRE_RETRY).plus(Duration.ofSeconds(20)))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> "slipway-b".equals(holder(client, ns)));
      List<Write> leaseWrites = audit.leaseWrites();
      Instant lastRenewalByA = leaseWrites.stream().filter(w -> w.by("slipway-a") && w.ok()).map(Write::received)
          .max(Instant::compareTo).orElseThrow();
      Instant takeover = leaseWrites.stream().filter(w -> w.by("slipway-b") && w.ok()).map(Write::received)
          .min(Instant::compareTo).orElseThrow();
      Duration failover = Duration.between(killed, takeover);
      Duration expiry = Duration.between(lastRenewalByA, takeover);
      System.out.printf("leader election: failover %d ms after SIGKILL of the leader (lease duration %d ms, retry period %d ms);"
              + " B took the Lease %d ms after A's last renewal%n",
          failover.toMillis(), LEASE_DURATION.toMillis(), RETRY_PERIOD.toMillis(), expiry.toMillis());
      assertThat(failover).as("failover after SIGKILL within the lease duration plus one acquire retry")
          .isLessThanOrEqualTo(LEASE_DURATION.plus(ACQUIRE_RETRY).plus(SLACK));
      assertThat(expiry).as("B takes the Lease only once A's last renewal has expired")
          .isGreaterThanOrEqualTo(LEASE_DURATION.minusMillis(200));
      await("B writes status").atMost(Duration.ofSeconds(60))
          .until(() -> audit.writes().stream().anyMatch(w -> w.by("slipway-b") && w.is("environments", "status")));

      // --- the Lease taken from B: it stops writing and exits ----------------------------------
      Instant takenBefore = Instant.now();
      // B renews every retry period, so the edit may meet a newer Lease (409): read it again and retry.
      for (int attempt = 1; ; attempt++) {
        try {
          client.leases().inNamespace(ns.name()).withName(LEASE).edit(l -> {
            ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
            l.getSpec().setHolderIdentity("usurper");
            l.getSpec().setAcquireTime(now);
            l.getSpec().setRenewTime(now);
            l.getSpec().setLeaseDurationSeconds(3600);
            l.getSpec().setLeaseTransitions(Optional.ofNullable(l.getSpec().getLeaseTransitions()).orElse(0) + 1);
            return l;
          });
          break;
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
          if (e.getCode() != 409 || attempt == 5) {
            throw e;
          }
        }
      }
      Instant taken = Instant.now();
      int exit = b.exitCode(RETRY_PERIOD.plus(Duration.ofSeconds(20)));
      Instant exited = Instant.now();
      assertThat(exit).as("B exits with a non-zero code when it loses the Lease\n" + b.tail()).isNotZero();
      Instant noticed = b.lostLeaseAt().orElseThrow(() -> new AssertionError("B did not log the loss\n" + second.tail()));
      System.out.printf("leader election: B noticed the Lease was taken %d ms after it was, and exited with code %d within %d ms%n",
          Duration.between(taken, noticed).toMillis(), exit, Duration.between(taken, exited).toMillis());
      assertThat(Duration.between(taken, noticed)).as("B notices the loss at its next renewal")
          .isLessThanOrEqualTo(RETRY_PERIOD.plus(SLACK));
      Thread.sleep(3000); // nudges go on: nobody may answer them now
      nudger.close();

      // --- the whole run, from the API server's point of view ----------------------------------
      List<Write> writes = audit.writes();
      List<Write> all = new ArrayList<>(writes);
      all.addAll(audit.leaseWrites());
      // In-flight requests sent before the loss may arrive a moment after it.
      Instant lastAllowedForB = noticed.plusMillis(100);
      assertThat(all).as("B writes nothing (not even the Lease) after it noticed the loss")
          .noneMatch(w -> w.by("slipway-b") && w.received().isAfter(lastAllowedForB));
      assertThat(writes).as("nobody writes once B has gone").noneMatch(w -> w.received().isAfter(lastAllowedForB));
      assertThat(writes).as("every write comes from A or B").allMatch(w -> w.by("slipway-a") || w.by("slipway-b"));
      assertThat(writes).as("A writes only until it is killed").filteredOn(w -> w.by("slipway-a"))
          .allMatch(w -> w.received().isBefore(lastPossibleForA)).isNotEmpty();
      assertThat(writes).as("B writes only once it holds the Lease").filteredOn(w -> w.by("slipway-b"))
          .allMatch(w -> !w.received().isBefore(takeover)).isNotEmpty();
      long writesBetweenTakingAndNoticing = writes.stream()
          .filter(w -> w.by("slipway-b") && w.received().isAfter(takenBefore)).count();
      System.out.printf("leader election: %d writes by A, %d by B (%d of them after the Lease was taken, before B noticed), "
              + "none by anyone else; each in its own leadership interval%n",
          writes.stream().filter(w -> w.by("slipway-a")).count(), writes.stream().filter(w -> w.by("slipway-b")).count(),
          writesBetweenTakingAndNoticing);
    } finally {
      if (nudger != null) {
        nudger.close();
      }
      for (OperatorProcess p : new OperatorProcess[] {a, b}) {
        if (p != null) {
          p.kill();
        }
      }
    }
  }

  private static String holder(KubernetesClient client, TestNamespace ns) {
    Lease lease = client.leases().inNamespace(ns.name()).withName(LEASE).get();
    return lease == null || lease.getSpec() == null ? null : LeaseSettings.replicaOf(lease.getSpec().getHolderIdentity());
  }

  /** One `java -jar slipway-operator.jar` with leader election on, its output in a file. */
  static final class OperatorProcess {

    private static final Pattern LOST = Pattern.compile("lost the leader lease at (\\S+)");

    private final Process process;
    private final Path log;

    private OperatorProcess(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static OperatorProcess start(Path jar, String identity, LocalControlPlane cp, TestNamespace ns, Path logs) throws IOException {
      String java = ProcessHandle.current().info().command().orElse("java");
      Path log = logs.resolve(identity + ".log");
      ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      Map<String, String> env = pb.environment();
      env.put("KUBECONFIG", cp.stateDir().resolve("operator.kubeconfig").toString());
      env.put("POD_NAME", identity);
      env.put("SLIPWAY_WATCH_NAMESPACES", ns.name());
      env.put("SLIPWAY_LEADER_ELECTION", "true");
      env.put("SLIPWAY_LEASE_NAME", LEASE);
      env.put("SLIPWAY_LEASE_NAMESPACE", ns.name());
      env.put("SLIPWAY_LEASE_DURATION", LEASE_DURATION.toMillis() + "ms");
      env.put("SLIPWAY_LEASE_RENEW_DEADLINE", RENEW_DEADLINE.toMillis() + "ms");
      env.put("SLIPWAY_LEASE_RETRY_PERIOD", RETRY_PERIOD.toMillis() + "ms");
      env.put("SLIPWAY_HTTP_PORT", "0");
      env.put("SLIPWAY_REGISTRY", "registry.example.com/slipway");
      env.put("SLIPWAY_DATABASE_MODE", "none");
      env.put("SLIPWAY_POLL_INTERVAL", "5s");
      env.put("SLIPWAY_SHUTDOWN_TIMEOUT", "5s");
      return new OperatorProcess(pb.start(), log);
    }

    void kill() {
      process.destroyForcibly(); // SIGKILL
    }

    int exitCode(Duration within) throws InterruptedException {
      if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("process still running after " + within + "\n" + tail());
      }
      return process.exitValue();
    }

    String log() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** When the process says it noticed another holder in the Lease. */
    Optional<Instant> lostLeaseAt() throws IOException {
      Matcher m = LOST.matcher(log());
      return m.find() ? Optional.of(Instant.parse(m.group(1))) : Optional.empty();
    }

    String tail() {
      try {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return "--- " + log.getFileName() + " ---\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }
  }

  /** Keeps the leader busy: a new value of the refresh annotation every 300 ms. */
  static final class Nudger extends Thread implements AutoCloseable {

    private final KubernetesClient client;
    private final String namespace;
    private final String environment;
    private final AtomicBoolean running = new AtomicBoolean(true);

    Nudger(KubernetesClient client, String namespace, String environment) {
      super("nudger");
      setDaemon(true);
      this.client = client;
      this.namespace = namespace;
      this.environment = environment;
    }

    @Override
    public void run() {
      int n = 0;
      while (running.get()) {
        String value = Integer.toString(++n);
        try {
          client.resources(Environment.class).inNamespace(namespace).withName(environment).edit(e -> {
            Map<String, String> annotations = e.getMetadata().getAnnotations() == null ? new HashMap<>()
                : new HashMap<>(e.getMetadata().getAnnotations());
            annotations.put(dev.slipway.Annotations.REFRESH, value);
            e.getMetadata().setAnnotations(annotations);
            return e;
          });
        } catch (RuntimeException e) {
          // not there yet, or a conflict: the next nudge comes soon
        }
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      join(5000);
    }
  }

  /** A write request as the API server logged it. */
  record Write(String identity, String verb, String resource, String subresource, String name, int code, Instant received) {
    boolean by(String id) {
      return id.equals(identity);
    }

    boolean is(String resource, String subresource) {
      return this.resource.equals(resource) && java.util.Objects.equals(this.subresource, subresource);
    }

    boolean ok() {
      return code >= 200 && code < 300;
    }

    @Override
    public String toString() {
      return received + " " + identity + " " + verb + " " + resource + (subresource == null ? "" : "/" + subresource) + " " + name
          + " -> " + code;
    }
  }

  /** The audit log's write requests in one namespace by operator processes (user agent slipway-operator/...). */
  record Audit(Path file, String namespace) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> WRITES = Set.of("create", "update", "patch", "delete", "deletecollection");
    private static final Pattern AGENT = Pattern.compile("^slipway-operator/\\S+ \\((.+)\\)$");

    /** Writes to what only the leader may write: Environments (and their status), Project status, Jobs, Events. */
    List<Write> writes() throws IOException {
      return read().stream().filter(w -> w.resource().equals("environments") || w.is("projects", "status")
          || w.resource().equals("jobs") || w.resource().equals("events")).toList();
    }

    List<Write> leaseWrites() throws IOException {
      return read().stream().filter(w -> w.resource().equals("leases") && w.name().equals(LEASE)).toList();
    }

    private List<Write> read() throws IOException {
      List<Write> writes = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode e = JSON.readTree(line);
        JsonNode ref = e.path("objectRef");
        Matcher agent = AGENT.matcher(e.path("userAgent").asText());
        if (!WRITES.contains(e.path("verb").asText()) || !namespace.equals(ref.path("namespace").asText())
            || !agent.matches() || !seen.add(e.path("auditID").asText())) {
          continue;
        }
        writes.add(new Write(agent.group(1), e.path("verb").asText(), ref.path("resource").asText(),
            ref.hasNonNull("subresource") ? ref.path("subresource").asText() : null, ref.path("name").asText(),
            e.path("responseStatus").path("code").asInt(), Instant.parse(e.path("requestReceivedTimestamp").asText())));
      }
      return writes;
    }
  }
}
