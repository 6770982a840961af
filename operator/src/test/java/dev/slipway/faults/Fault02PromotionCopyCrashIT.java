package dev.slipway.faults;

import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildNames;
import dev.slipway.promote.ImageReference;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalRegistry;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 2, the promotion copy's crash point (per-stage layout): live is asked to deploy what
 * test runs; the registry takes the copy's connection and never answers (a TCP proxy holds it);
 * the operator is SIGKILLed mid-copy. After a restart with the registry back, live gets its copy,
 * uploaded once, and rolls out once, with the deploy request answered.
 */
@FaultTest
@Tag("faults-slow")
class Fault02PromotionCopyCrashIT {

  @Test
  @Scenario(value = 2, name = "crash points: role, build Job, release Job, promotion copy")
  void aCopyCutShortByACrashIsMadeOnceAfterTheRestart(LocalControlPlane cp, TestNamespace ns, KubernetesClient client)
      throws Exception {
    String n = ns.name();
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    FakeKubelet kubelet = new FakeKubelet(client);
    try (LocalRegistry registry = LocalRegistry.start(); TcpProxy proxy = new TcpProxy(Integer.parseInt(registry.host().split(":")[1]));
        GitDaemon daemon = new GitDaemon(); GitRemote remote = new GitRemote("copy")) {
      String via = "127.0.0.1:" + proxy.port();
      Map<String, String> env = FaultRig.perStageRegistryEnv(cp, ns, via);
      String one = remote.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "one");
      ImageReference v1 = registry.pushTestImage("slipway/" + n + "/copy", one);
      try (OperatorJar first = OperatorJar.start(cp, "faults-2-copy-a", env, log)) {
        EnvironmentTemplate live = entry("live", null, false);
        live.setPromoteFrom("test");
        client.resource(Environments.project(n, "copy", daemon.url(remote), List.of(entry("test", "develop", true), live))).create();
        Environments.await(client, n, "copy-test", Duration.ofSeconds(60), e -> e.getStatus() != null && e.getStatus().getPhase() == Phase.Building);
        kubelet.succeedBuild(n, BuildNames.jobName("copy", one), v1.digest());
        await().atMost(Duration.ofSeconds(60)).until(() -> client.apps().deployments().inNamespace(n).withName("copy-test").get() != null);
        kubelet.runDeployment(n, "copy-test");
        Environments.await(client, n, "copy-test", Duration.ofSeconds(60), e -> e.getStatus().getPhase() == Phase.Ready);

        // The copy starts and hangs; the operator dies in the middle of it.
        proxy.mode(TcpProxy.Mode.HANG);
        int before = proxy.connections();
        Environments.annotate(client, n, "copy-live", Annotations.DEPLOY, "one");
        await("the copy reaches the registry").atMost(Duration.ofSeconds(60)).until(() -> proxy.connections() > before);
        Thread.sleep(500);
        first.kill();
        assertThat(registry.hasManifest("slipway/" + n + "/copy-live", one)).as("nothing copied before the crash").isFalse();
        assertThat(client.apps().deployments().inNamespace(n).withName("copy-live").get()).as("no rollout before the copy").isNull();
      }

      proxy.mode(TcpProxy.Mode.PASS);
      Instant restart = Instant.now();
      try (OperatorJar second = OperatorJar.start(cp, "faults-2-copy-b", env, log)) {
        await("live rolls out its copy").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
            .until(() -> client.apps().deployments().inNamespace(n).withName("copy-live").get() != null);
        kubelet.runDeployment(n, "copy-live");
        Environment ready = Environments.await(client, n, "copy-live", Duration.ofSeconds(60), e -> e.getStatus().getPhase() == Phase.Ready);
        FaultReport.recovered(Duration.between(restart, Instant.now()), "(from the restart)");
        ImageReference copied = ImageReference.parse(ready.getStatus().getImage());
        assertThat(copied.repositoryReference()).isEqualTo(via + "/slipway/" + n + "/copy-live");
        assertThat(copied.digest()).isEqualTo(registry.manifestDigest("slipway/" + n + "/copy-live", one));
        assertThat(ready.getStatus().getSourceImage()).endsWith(v1.digest());
        assertThat(ready.getStatus().getObservedDeployRequest()).isEqualTo("one");
        long puts = Files.readAllLines(registry.directory().resolve("registry.log")).stream()
            .filter(l -> l.contains("http.request.method=PUT") && l.contains("/v2/slipway/" + n + "/copy-live/manifests/")).count();
        assertThat(puts).as("manifest uploads to live's repository").isEqualTo(1);
        assertThat(client.apps().replicaSets().inNamespace(n).withLabel(dev.slipway.Labels.PROJECT, "copy").withLabel(dev.slipway.Labels.ENVIRONMENT, "live").list().getItems())
            .as("one rollout of live").hasSize(1);
        FaultReport.note("SIGKILL mid-copy (registry holding the connection); 1 copy after the restart, 1 rollout");
        Canary.dump(client, n);
        client.resources(Project.class).inNamespace(n).withName("copy").delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty());
        FaultReport.leftovers(0);
      }
    }
  }
}
