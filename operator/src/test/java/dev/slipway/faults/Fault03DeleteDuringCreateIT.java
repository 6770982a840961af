package dev.slipway.faults;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.database.rds.RdsProvisioner;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * Scenario 3, delete during create: moto makes instances available at once, so the proxy reports
 * them {@code creating} (and, as RDS does, refuses a delete with a final snapshot while creating)
 * until the test says creation is over. A Project with test (policy Delete) and live (policy
 * Snapshot) is deleted while both instances are creating: test's instance goes at once, live's
 * once it is available, with its final snapshot; no instance is left in moto and both finalizers
 * are removed.
 */
@FaultTest
@Tag("faults-slow")
class Fault03DeleteDuringCreateIT {

  @Test
  @Scenario(value = 3, name = "delete while the RDS instance is creating")
  void finalStatePerPolicyNoLeftovers(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    String testId = FaultRig.rdsId(ns, "early", "test");
    String liveId = FaultRig.rdsId(ns, "early", "live");
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    try (MotoServer moto = MotoServer.start(); AwsProxy proxy = AwsProxy.in(moto.endpoint());
        RdsClient rds = RdsProvisioner.client(moto.settings())) {
      Canary.searchAlso(moto.log());
      AtomicBoolean creating = new AtomicBoolean(true);
      proxy.rewrite((call, body) -> creating.get() && call.action().equals("DescribeDBInstances")
          ? body.replace("<DBInstanceStatus>available</DBInstanceStatus>", "<DBInstanceStatus>creating</DBInstanceStatus>")
          : body);
      proxy.rule(c -> creating.get() && c.action().equals("DeleteDBInstance") && !"true".equals(c.param("SkipFinalSnapshot"))
          ? AwsProxy.Fault.INVALID_STATE : AwsProxy.Fault.PASS);
      try (OperatorJar operator = OperatorJar.start(cp, "faults-3", FaultRig.rdsEnv(cp, ns, proxy), log)) {
        client.resource(FaultRig.rdsProject(ns, "early", "https://git.invalid/acme/early.git",
            List.of(entry("test", "develop", true), entry("live", "develop", false)))).create();
        for (String env : List.of("early-test", "early-live")) {
          Environments.await(client, n, env, Duration.ofSeconds(120), conditionIs(ConditionTypes.DATABASE_READY, "False", "Creating"));
        }
        assertThat(FaultRig.instances(rds, testId)).hasSize(1);
        assertThat(FaultRig.instances(rds, liveId)).hasSize(1);
        Canary.secretsOf(client, n);

        client.resources(Project.class).inNamespace(n).withName("early").delete();
        await("test's instance (policy Delete) goes while creating").atMost(Duration.ofSeconds(90))
            .until(() -> FaultRig.instances(rds, testId).isEmpty() && Environments.get(client, n, "early-test") == null);
        Thread.sleep(5000);
        Environment live = Environments.get(client, n, "early-live");
        assertThat(live).as("live waits: its final snapshot cannot be taken while creating").isNotNull();
        assertThat(live.getMetadata().getDeletionTimestamp()).isNotNull();
        assertThat(FaultRig.instances(rds, liveId)).hasSize(1);
        assertThat(proxy.calls("DeleteDBInstance")).anyMatch(c -> c.fault() == AwsProxy.Fault.INVALID_STATE);

        creating.set(false);
        Instant created = Instant.now();
        await("live's instance deleted with a final snapshot, finalizer removed").atMost(Duration.ofSeconds(150))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> FaultRig.instances(rds, liveId).isEmpty() && Environments.get(client, n, "early-live") == null);
        FaultReport.recovered(Duration.between(created, Instant.now()), "(after creation ended)");
        assertThat(rds.describeDBSnapshots().dbSnapshots()).extracting(s -> s.dbSnapshotIdentifier())
            .anyMatch(id -> id.startsWith(liveId + "-final-"))
            .noneMatch(id -> id.startsWith(testId + "-final-"));
        long deletes = proxy.calls("DeleteDBInstance").size();
        FaultReport.note(deletes + " DeleteDBInstance calls (" + proxy.calls("DeleteDBInstance").stream()
            .filter(c -> c.fault() == AwsProxy.Fault.INVALID_STATE).count() + " refused while creating)");
        assertThat(deletes).as("delete calls (no hot loop)").isLessThanOrEqualTo(8);
        Canary.dump(client, n);
        int leftovers = FaultRig.instancesOf(rds, ns).size()
            + client.resources(Environment.class).inNamespace(n).list().getItems().size()
            + client.secrets().inNamespace(n).withLabel(dev.slipway.Labels.PROJECT, "early").list().getItems().size();
        FaultReport.leftovers(leftovers);
        assertThat(leftovers).isZero();
      }
    }
  }
}
