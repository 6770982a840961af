package dev.slipway.faults;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.database.CredentialsSecret;
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
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * Scenario 1, crash between create and record: the operator (the real jar, its own process) sends
 * CreateDBInstance; the AWS proxy passes it to moto, which creates the instance, and holds the
 * answer; while it is held the operator is SIGKILLed, so it never learns the outcome and never
 * writes a status for it. After a restart: exactly one instance, adopted (owner tag, status), and
 * the instance's master password (the last one the proxy saw sent to it) is the one in the Secret,
 * which is the one it was created with.
 */
@FaultTest
class Fault01CrashAfterCreateIT {

  @Test
  @Scenario(value = 1, name = "crash between CreateDBInstance and status")
  void oneInstanceAdoptedWithThePasswordItWasCreatedWith(LocalControlPlane cp, TestNamespace ns, KubernetesClient client)
      throws Exception {
    String n = ns.name();
    String id = FaultRig.rdsId(ns, "crash", "test");
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    try (MotoServer moto = MotoServer.start(); AwsProxy proxy = AwsProxy.in(moto.endpoint());
        RdsClient rds = RdsProvisioner.client(moto.settings())) {
      Canary.searchAlso(moto.log());
      proxy.rule(c -> c.action().equals("CreateDBInstance") ? AwsProxy.Fault.HOLD_RESPONSE : AwsProxy.Fault.PASS);
      Map<String, String> env = FaultRig.rdsEnv(cp, ns, proxy);
      OperatorJar first = OperatorJar.start(cp, "faults-1a", env, log);
      Instant killed;
      try {
        client.resource(FaultRig.rdsProject(ns, "crash", "https://git.invalid/acme/crash.git", List.of(entry("test", "develop", true))))
            .create();
        assertThat(proxy.awaitHolding(Duration.ofSeconds(120))).as("CreateDBInstance reached moto\n" + first.tail()).isTrue();
        first.kill();
        killed = Instant.now();
      } finally {
        first.close();
      }
      proxy.release();
      proxy.rule(c -> AwsProxy.Fault.PASS);
      String createdWith = proxy.calls("CreateDBInstance").get(0).param("MasterUserPassword");
      Canary.secret(createdWith);
      assertThat(createdWith).isNotBlank();
      assertThat(FaultRig.instances(rds, id)).as("moto created the instance before the crash").hasSize(1);
      Environment before = Environments.get(client, n, "crash-test");
      assertThat(before.getStatus() == null || before.getStatus().getDatabase() == null
          || before.getStatus().getDatabase().getEndpoint() == null)
          .as("the crashed operator recorded no outcome of the create").isTrue();
      assertThat(FaultRig.secretValue(client, n, "crash-test-database", "password"))
          .as("the Secret was stored before the create call").isEqualTo(createdWith);

      try (OperatorJar second = OperatorJar.start(cp, "faults-1b", env, log)) {
        Environment ready = Environments.await(client, n, "crash-test", Duration.ofSeconds(120),
            conditionIs(ConditionTypes.DATABASE_READY, "True", null));
        Duration recovery = Duration.between(killed, Instant.now());
        FaultReport.recovered(recovery);
        assertThat(ready.getStatus().getDatabase().getIdentifier()).isEqualTo(id);
        assertThat(FaultRig.instances(rds, id)).as("exactly one instance").hasSize(1);
        assertThat(FaultRig.instancesOf(rds, ns)).as("no other instance of this namespace").hasSize(1);
        assertThat(proxy.calls("CreateDBInstance")).as("created once, adopted after the restart").hasSize(1);
        var instance = FaultRig.instances(rds, id).get(0);
        var tags = rds.listTagsForResource(r -> r.resourceName(instance.dbInstanceArn())).tagList();
        assertThat(tags).anyMatch(t -> t.key().equals(RdsProvisioner.TAG_OWNER_UID) && t.value().equals(ready.getMetadata().getUid()));

        String secretPassword = FaultRig.secretValue(client, n, "crash-test-database", "password");
        assertThat(secretPassword).as("the Secret keeps the password the instance was created with").isEqualTo(createdWith);
        // The instance's password is the last one sent to it (create, or a reset since).
        List<String> sent = proxy.calls().stream().filter(c -> c.param("MasterUserPassword") != null)
            .map(c -> c.param("MasterUserPassword")).toList();
        assertThat(sent).as("every password sent to the instance is the Secret's").containsOnly(secretPassword);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          var s = client.secrets().inNamespace(n).withName("crash-test-database").get();
          assertThat(s.getMetadata().getAnnotations()).containsEntry(CredentialsSecret.PASSWORD_STATE, "applied");
          assertThat(FaultRig.secretValue(client, n, "crash-test-database", "DATABASE_URL")).contains(":" + secretPassword + "@");
        });
        FaultReport.note(proxy.calls("CreateDBInstance").size() + " CreateDBInstance, "
            + proxy.calls("ModifyDBInstance").size() + " ModifyDBInstance");

        Canary.secretsOf(client, n);
        Canary.dump(client, n);

        // Cleanup through the operator: nothing may stay behind.
        client.resources(Project.class).inNamespace(n).withName("crash").delete();
        await().atMost(Duration.ofSeconds(90)).until(() -> Environments.get(client, n, "crash-test") == null
            && FaultRig.instances(rds, id).isEmpty());
        int leftovers = FaultRig.instancesOf(rds, ns).size()
            + client.secrets().inNamespace(n).withLabel(Labels.PROJECT, "crash").list().getItems().size()
            + client.resources(Environment.class).inNamespace(n).list().getItems().size();
        FaultReport.leftovers(leftovers);
        assertThat(leftovers).as("leftovers after deleting the project").isZero();
      }
    }
  }
}
