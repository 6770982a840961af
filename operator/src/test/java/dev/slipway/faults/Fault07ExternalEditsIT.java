package dev.slipway.faults;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildNames;
import dev.slipway.database.CredentialsSecret;
import dev.slipway.database.rds.RdsProvisioner;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.AuditLog;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * Scenario 7, external edits: with an Environment Ready (RDS database, build, release, rollout),
 * someone scales its Deployment, edits its image, deletes its Service and deletes its credentials
 * Secret. Each is put back by the operator (the Secret with a new password that the instance is
 * given before it is used; Secrets are not watched, so that one at the database recheck,
 * SLIPWAY_DATABASE_RECHECK, here 15 s; the others at once), all with no help; afterwards the operator is quiet
 * (its writes in the API server's audit log over a window) and never logged a 409 conflict as an
 * error.
 */
@FaultTest
@org.junit.jupiter.api.Tag("faults-slow")
class Fault07ExternalEditsIT {

  private static final String REGISTRY = "registry.test.invalid:5000/slipway";

  @Test
  @Scenario(value = 7, name = "external edits (scale, image, Service, Secret)")
  void convergesBackWithoutAHotLoop(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    FakeKubelet kubelet = new FakeKubelet(client);
    try (MotoServer moto = MotoServer.start(); AwsProxy proxy = AwsProxy.in(moto.endpoint());
        RdsClient rds = RdsProvisioner.client(moto.settings()); var daemon = new dev.slipway.testing.git.GitDaemon();
        GitRemote remote = new GitRemote("edits")) {
      Canary.searchAlso(moto.log());
      String commit = remote.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
      Map<String, String> env = FaultRig.rdsEnv(cp, ns, proxy);
      env.put("SLIPWAY_REGISTRY", REGISTRY);
      env.put("SLIPWAY_DATABASE_RECHECK", "15s"); // how soon a deleted credentials Secret is found
      try (OperatorJar operator = OperatorJar.start(cp, "faults-7", env, log)) {
        client.resource(FaultRig.rdsProject(ns, "edits", daemon.url(remote), List.of(entry("test", "develop", true)))).create();
        Environments.await(client, n, "edits-test", Duration.ofSeconds(120), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
        kubelet.succeedBuild(n, BuildNames.jobName("edits", commit), "sha256:" + "7".repeat(64));
        kubelet.succeedBuild(n, "edits-test-migrate-" + commit.substring(0, 12), "migrated");
        await().atMost(Duration.ofSeconds(60)).until(() -> client.apps().deployments().inNamespace(n).withName("edits-test").get() != null);
        kubelet.runDeployment(n, "edits-test");
        Environments.await(client, n, "edits-test", Duration.ofSeconds(60), e -> e.getStatus().getPhase() == Phase.Ready);
        Deployment original = client.apps().deployments().inNamespace(n).withName("edits-test").get();
        String image = original.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        int replicas = original.getSpec().getReplicas();
        String password = FaultRig.secretValue(client, n, "edits-test-database", "password");
        Canary.secret(password);

        Map<String, Long> took = new LinkedHashMap<>();
        // kubectl scale
        assertThat(cp.kubectl("scale", "deployment/edits-test", "-n", n, "--replicas=" + (replicas + 4)).exitCode()).isZero();
        took.put("scale", converge(() -> replicasOf(client, n) == replicas));
        // kubectl edit of the image (set image is the same patch)
        assertThat(cp.kubectl("set", "image", "deployment/edits-test", "-n", n,
            original.getSpec().getTemplate().getSpec().getContainers().get(0).getName() + "=docker.io/library/busybox:latest").exitCode()).isZero();
        took.put("image", converge(() -> image.equals(imageOf(client, n))));
        // Service deleted
        String uid = client.services().inNamespace(n).withName("edits-test").get().getMetadata().getUid();
        client.services().inNamespace(n).withName("edits-test").delete();
        took.put("service", converge(() -> {
          var s = client.services().inNamespace(n).withName("edits-test").get();
          return s != null && !uid.equals(s.getMetadata().getUid());
        }));
        // credentials Secret deleted: a new password, given to the instance, then marked applied
        // Secrets are not watched (the operator may not list or watch Secrets: least privilege), so
        // a lost Secret is found at the next reconcile: at the latest the database recheck. No nudge.
        int modifiesBefore = proxy.calls("ModifyDBInstance").size();
        client.secrets().inNamespace(n).withName("edits-test-database").delete();
        took.put("secret", converge(() -> {
          var s = client.secrets().inNamespace(n).withName("edits-test-database").get();
          return s != null && s.getMetadata().getAnnotations() != null
              && "applied".equals(s.getMetadata().getAnnotations().get(CredentialsSecret.PASSWORD_STATE))
              && s.getData() != null && s.getData().containsKey("DATABASE_URL");
        }));
        String newPassword = FaultRig.secretValue(client, n, "edits-test-database", "password");
        Canary.secret(newPassword);
        assertThat(newPassword).isNotEqualTo(password);
        List<String> sent = proxy.calls("ModifyDBInstance").stream().skip(modifiesBefore)
            .map(c -> c.param("MasterUserPassword")).filter(p -> p != null).toList();
        assertThat(sent).as("the instance was given the new password").isNotEmpty().allMatch(newPassword::equals);
        Environments.await(client, n, "edits-test", Duration.ofSeconds(60), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
        kubelet.runDeployment(n, "edits-test"); // pods restart for the new credentials
        Environments.await(client, n, "edits-test", Duration.ofSeconds(60), e -> e.getStatus().getPhase() == Phase.Ready);
        long max = took.values().stream().mapToLong(Long::longValue).max().orElse(0);
        FaultReport.recovered(Duration.ofMillis(max), "(max; " + took.entrySet().stream()
            .map(e -> e.getKey() + " " + String.format("%.1f", e.getValue() / 1000.0)).reduce((a, b) -> a + ", " + b).orElse("") + " s)");

        // Quiet afterwards: few writes over a window (a hot loop writes many times a second).
        Thread.sleep(3000);
        AuditLog audit = new AuditLog(cp.auditLog());
        long mark = audit.mark();
        Thread.sleep(20_000);
        List<AuditLog.Write> writes = audit.writesSince(mark, LocalControlPlane.operatorUser()).stream()
            .filter(w -> n.equals(w.namespace())).toList();
        FaultReport.note(writes.size() + " operator writes in 20 s once converged; converge ms " + took);
        assertThat(writes).as("operator writes in 20 s once converged").hasSizeLessThanOrEqualTo(4);
        List<String> conflicts = Files.readAllLines(log).stream()
            .filter(l -> l.matches("^\\S+ ERROR .*") && (l.contains("409") || l.contains("Conflict"))).toList();
        assertThat(conflicts).as("409 conflicts logged as errors").isEmpty();
        assertThat(Environments.get(client, n, "edits-test").getStatus().getPhase()).isEqualTo(Phase.Ready);

        Canary.secretsOf(client, n);
        Canary.dump(client, n);
        client.resources(Project.class).inNamespace(n).withName("edits").delete();
        await().atMost(Duration.ofSeconds(90)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> FaultRig.instancesOf(rds, ns).isEmpty());
        FaultReport.leftovers(FaultRig.instancesOf(rds, ns).size());
      }
    }
  }

  /** Waits (up to 60 s) until the edit is undone; the milliseconds it took. */
  private static long converge(BooleanSupplier done) {
    Instant start = Instant.now();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(done::getAsBoolean);
    return Duration.between(start, Instant.now()).toMillis();
  }

  private static int replicasOf(KubernetesClient client, String n) {
    Integer r = client.apps().deployments().inNamespace(n).withName("edits-test").get().getSpec().getReplicas();
    return r == null ? 1 : r;
  }

  private static String imageOf(KubernetesClient client, String n) {
    return client.apps().deployments().inNamespace(n).withName("edits-test").get().getSpec().getTemplate().getSpec()
        .getContainers().get(0).getImage();
  }
}
