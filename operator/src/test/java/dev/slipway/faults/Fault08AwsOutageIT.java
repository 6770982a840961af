package dev.slipway.faults;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * Scenario 8, AWS throttling and outages: the proxy in front of moto answers every RDS call with,
 * in turn, no answer at all (a timeout), HTTP 503 and AWS's {@code Throttling} error, until the
 * operator has tried twice. Then: its calls were few and spaced (the SDK's retries with
 * exponential backoff inside one look, a minute between looks: no hot loop), the Environment's
 * status said why the database is not there, an Environment without a database was reconciled on
 * time all along (no reconcile thread waits for AWS), and once AWS answers again the database
 * gets ready without help.
 */
@FaultTest
@Tag("faults-slow")
class Fault08AwsOutageIT {

  @Test
  @Scenario(value = 8, name = "AWS throttling, 503 and timeouts")
  void backsOffSaysWhyAndRecovers(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    String id = FaultRig.rdsId(ns, "slow", "test");
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    try (MotoServer moto = MotoServer.start(); AwsProxy proxy = AwsProxy.in(moto.endpoint());
        RdsClient rds = RdsProvisioner.client(moto.settings())) {
      Canary.searchAlso(moto.log());
      AtomicBoolean outage = new AtomicBoolean(true);
      AtomicInteger index = new AtomicInteger();
      AwsProxy.Fault[] cycle = {AwsProxy.Fault.TIMEOUT, AwsProxy.Fault.UNAVAILABLE, AwsProxy.Fault.THROTTLE};
      proxy.timeout(Duration.ofSeconds(10));
      proxy.rule(c -> outage.get() ? cycle[index.getAndIncrement() % cycle.length] : AwsProxy.Fault.PASS);

      try (OperatorJar operator = OperatorJar.start(cp, "faults-8", FaultRig.rdsEnv(cp, ns, proxy), log)) {
        client.resource(FaultRig.rdsProject(ns, "slow", "https://git.invalid/acme/slow.git", List.of(entry("test", "develop", true))))
            .create();
        Project steady = Environments.project(n, "steady", "https://git.invalid/acme/steady.git", List.of(entry("test", "develop", true)));
        DatabaseSpec none = new DatabaseSpec();
        none.setMode(DatabaseMode.NONE);
        steady.getSpec().setDatabase(none);
        client.resource(steady).create();

        // The status says why, with AWS's own words.
        Environment failing = Environments.await(client, n, "slow-test", Duration.ofSeconds(120),
            conditionIs(ConditionTypes.DATABASE_READY, "False", "AwsError"));
        String said = Environments.condition(failing, ConditionTypes.DATABASE_READY).orElseThrow().getMessage();
        assertThat(said).as("the condition names the AWS error").containsAnyOf("Throttling", "ServiceUnavailable", "Timeout");
        Instant firstCall = proxy.calls().get(0).at();

        // While AWS fails, an Environment without a database is reconciled on time: refresh it a few times.
        List<Long> refreshMillis = new ArrayList<>();
        Environments.await(client, n, "steady-test", Duration.ofSeconds(60), e -> e.getStatus() != null);
        for (int i = 1; i <= 3; i++) {
          String value = "r" + i;
          Instant asked = Instant.now();
          Environments.annotate(client, n, "steady-test", Annotations.REFRESH, value);
          Environments.await(client, n, "steady-test", Duration.ofSeconds(15), e -> value.equals(e.getStatus().getObservedRefresh()));
          refreshMillis.add(Duration.between(asked, Instant.now()).toMillis());
          Thread.sleep(5000);
        }

        // The operator looks again (a second round of attempts, well after the first): then AWS comes back.
        await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
            .until(() -> proxy.calls().stream().anyMatch(c -> Duration.between(firstCall, c.at()).toSeconds() >= 30));
        Thread.sleep(25_000); // the whole second round (a timeout takes 8 s)
        outage.set(false);
        Instant back = Instant.now();
        List<AwsProxy.Call> during = proxy.calls().stream().filter(c -> c.at().isBefore(back)).toList();
        long windowSeconds = Duration.between(firstCall, back).toSeconds();
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < during.size(); i++) {
          gaps.add(Duration.between(during.get(i - 1).at(), during.get(i).at()).toMillis());
        }
        System.out.printf("scenario 8: %d RDS calls in %d s of outage, gaps %s ms; the status said: %s; refresh answered in %s ms%n",
            during.size(), windowSeconds, gaps, said, refreshMillis);
        assertThat(during.size()).as("calls during " + windowSeconds + " s of outage (gaps " + gaps + " ms)").isBetween(2, 10);
        assertThat(gaps.stream().mapToLong(Long::longValue).max().orElse(0)).as("a pause between rounds of attempts")
            .isGreaterThanOrEqualTo(30_000);
        assertThat(refreshMillis).as("an Environment without a database is reconciled on time during the outage")
            .allMatch(ms -> ms < 10_000);

        Environment ready = Environments.await(client, n, "slow-test", Duration.ofSeconds(120),
            conditionIs(ConditionTypes.DATABASE_READY, "True", null));
        Duration recovery = Duration.between(back, Instant.now());
        FaultReport.recovered(recovery);
        FaultReport.note(during.size() + " calls in " + windowSeconds + " s of outage; said \""
            + said.substring(0, Math.min(60, said.length())) + "\"");
        assertThat(recovery).as("recovery after AWS answers again").isLessThan(Duration.ofSeconds(90));
        assertThat(ready.getStatus().getDatabase().getIdentifier()).isEqualTo(id);
        assertThat(FaultRig.instances(rds, id)).hasSize(1);
        assertThat(proxy.calls("CreateDBInstance")).as("created once").hasSize(1);

        Canary.secretsOf(client, n);
        proxy.calls().forEach(c -> Canary.secret(c.param("MasterUserPassword")));
        Canary.dump(client, n);

        client.resources(Project.class).inNamespace(n).withName("slow").delete();
        client.resources(Project.class).inNamespace(n).withName("steady").delete();
        await().atMost(Duration.ofSeconds(90)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty()
            && FaultRig.instances(rds, id).isEmpty());
        int leftovers = FaultRig.instancesOf(rds, ns).size();
        FaultReport.leftovers(leftovers);
        assertThat(leftovers).isZero();
      }
    }
  }
}
