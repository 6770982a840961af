package dev.slipway.faults;

import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.config.LeaseSettings;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 5, leader failover: two replicas of the jar with leader election; 25 Projects of two
 * environments each (50 Environments) are created, and the leader is SIGKILLed while it is still
 * working through them. The standby takes the Lease within the lease duration (plus its retry), no
 * object is written by both (the audit log: the old leader's writes all before its death, the new
 * one's all after its takeover), and every Environment converges (source resolved, build Job there).
 */
@FaultTest
@Tag("faults-slow")
class Fault05LeaderFailoverIT {

  private static final Duration LEASE_DURATION = Duration.ofSeconds(8);
  private static final int PROJECTS = 25;

  @Test
  @Scenario(value = 5, name = "leader failover with 50 Environments")
  void standbyTakesOverAndEverythingConverges(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    Path logA = FaultRig.log(ns, "operator-a");
    Path logB = FaultRig.log(ns, "operator-b");
    FaultReport.operatorLog(logA);
    FaultReport.operatorLog(logB);
    try (GitRemote remote = new GitRemote("fleet")) {
      remote.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
      Map<String, String> env = OperatorJar.baseEnv(cp, n);
      env.put("SLIPWAY_LEADER_ELECTION", "true");
      env.put("SLIPWAY_LEASE_NAMESPACE", n);
      env.put("SLIPWAY_LEASE_DURATION", LEASE_DURATION.toMillis() + "ms");
      env.put("SLIPWAY_LEASE_RENEW_DEADLINE", "6000ms");
      env.put("SLIPWAY_LEASE_RETRY_PERIOD", "1000ms");
      env.put("SLIPWAY_POLL_INTERVAL", "30s");
      try (OperatorJar a = OperatorJar.start(cp, "faults-5a", env, logA)) {
        await("A leads").atMost(Duration.ofSeconds(90)).until(() -> "faults-5a".equals(holder(client, n)));
        try (OperatorJar b = OperatorJar.start(cp, "faults-5b", env, logB)) {
          await("B stands by").atMost(Duration.ofSeconds(90)).until(() -> b.log().contains("current leader: faults-5a"));
          for (int i = 0; i < PROJECTS; i++) {
            var qa = entry("qa", "develop", true);
            qa.setStage(Stage.TEST);
            client.resource(Environments.project(n, "p" + i, remote.fileUrl(), List.of(entry("test", "develop", true), qa))).create();
          }
          await("A is half way").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
              .until(() -> converged(client, n) >= 5);
          int atKill = converged(client, n);
          a.kill();
          Instant killed = Instant.now();
          await("B takes the Lease").atMost(LEASE_DURATION.plusSeconds(30)).pollInterval(Duration.ofMillis(100))
              .until(() -> "faults-5b".equals(holder(client, n)));
          Instant tookOver = Instant.now();
          Duration failover = Duration.between(killed, tookOver);
          await("all 50 converge").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
              .until(() -> converged(client, n) == 2 * PROJECTS);
          Duration recovery = Duration.between(killed, Instant.now());
          FaultReport.recovered(recovery, "(failover " + String.format("%.1f", failover.toMillis() / 1000.0) + " s)");
          assertThat(failover).as("takeover within the lease duration plus retries").isLessThanOrEqualTo(LEASE_DURATION.plusSeconds(5));
          assertThat(client.batch().v1().jobs().inNamespace(n).list().getItems()).as("one build Job per project").hasSize(PROJECTS);

          List<Write> writes = writes(cp.auditLog(), n);
          Instant lastA = writes.stream().filter(w -> w.identity().equals("faults-5a")).map(Write::at).max(Instant::compareTo).orElseThrow();
          Instant firstB = writes.stream().filter(w -> w.identity().equals("faults-5b") && !w.resource().equals("leases"))
              .map(Write::at).min(Instant::compareTo).orElseThrow();
          assertThat(lastA).as("A writes nothing after its death").isBefore(killed.plusMillis(200));
          assertThat(firstB).as("B writes only after its takeover").isAfter(lastA);
          Set<String> byA = new HashSet<>();
          Set<String> byB = new HashSet<>();
          writes.stream().filter(w -> !w.resource().equals("leases") && !w.resource().equals("events")).forEach(w ->
              (w.identity().equals("faults-5a") ? byA : byB).add(w.resource() + "/" + w.name()));
          Set<String> both = new HashSet<>(byA);
          both.retainAll(byB);
          FaultReport.note(String.format("killed with %d/50 converged; %d writes by A, %d by B; %d objects written by each in turn, never at once",
              atKill, writes.stream().filter(w -> w.identity().equals("faults-5a")).count(),
              writes.stream().filter(w -> w.identity().equals("faults-5b")).count(), both.size()));
          System.out.println("scenario 5: failover " + failover.toMillis() + " ms");
          Canary.dump(client, n);
          client.resources(Project.class).inNamespace(n).delete();
          await().atMost(Duration.ofSeconds(90)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty());
          FaultReport.leftovers(client.resources(Environment.class).inNamespace(n).list().getItems().size());
          b.stop();
        }
      }
    }
  }

  private static int converged(KubernetesClient client, String n) {
    int done = 0;
    for (Environment e : client.resources(Environment.class).inNamespace(n).list().getItems()) {
      String project = e.getSpec().getProject();
      if (e.getStatus() != null && e.getStatus().getResolvedCommit() != null && e.getStatus().getBuilds() != null
          && !e.getStatus().getBuilds().isEmpty()
          && Long.valueOf(e.getMetadata().getGeneration()).equals(e.getStatus().getObservedGeneration())
          && project != null) {
        done++;
      }
    }
    return done;
  }

  private static String holder(KubernetesClient client, String n) {
    Lease lease = client.leases().inNamespace(n).withName("slipway-operator").get();
    return lease == null || lease.getSpec() == null ? null : LeaseSettings.replicaOf(lease.getSpec().getHolderIdentity());
  }

  record Write(String identity, String resource, String name, Instant at) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern AGENT = Pattern.compile("^slipway-operator/\\S+ \\((.+)\\)$");
  private static final Set<String> VERBS = Set.of("create", "update", "patch", "delete", "deletecollection");

  static List<Write> writes(Path audit, String namespace) throws Exception {
    List<Write> out = new ArrayList<>();
    for (String line : Files.readAllLines(audit, StandardCharsets.UTF_8)) {
      if (line.isBlank() || !line.contains(namespace)) {
        continue;
      }
      JsonNode e = JSON.readTree(line);
      Matcher m = AGENT.matcher(e.path("userAgent").asText());
      if (!m.matches() || !VERBS.contains(e.path("verb").asText()) || !namespace.equals(e.path("objectRef").path("namespace").asText())) {
        continue;
      }
      out.add(new Write(m.group(1), e.path("objectRef").path("resource").asText(), e.path("objectRef").path("name").asText(),
          Instant.parse(e.path("requestReceivedTimestamp").asText())));
    }
    return out;
  }
}
