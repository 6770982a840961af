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
 * Scenario 10, registry down during a promotion copy (per-stage layout): live runs version one;
 * test gets version two; the registry goes away (a TCP proxy in front of it refuses connections)
 * and live is asked to deploy. The copy fails and is retried, live keeps running version one (its
 * Deployment untouched, nothing half-promoted in its status), and when the registry is back live
 * gets a copy of version two, copied once.
 */
@FaultTest
@Tag("faults-slow")
class Fault10RegistryDownIT {

  @Test
  @Scenario(value = 10, name = "registry down during promotion copy")
  void retriedNoHalfPromotionLiveKeepsServing(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    FakeKubelet kubelet = new FakeKubelet(client);
    try (LocalRegistry registry = LocalRegistry.start(); TcpProxy proxy = new TcpProxy(Integer.parseInt(registry.host().split(":")[1]));
        GitDaemon daemon = new GitDaemon(); GitRemote remote = new GitRemote("news")) {
      String via = "127.0.0.1:" + proxy.port();
      Map<String, String> env = FaultRig.perStageRegistryEnv(cp, ns, via);
      String one = remote.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "one");
      try (OperatorJar operator = OperatorJar.start(cp, "faults-10", env, log)) {
        EnvironmentTemplate live = entry("live", null, false);
        live.setPromoteFrom("test");
        client.resource(Environments.project(n, "news", daemon.url(remote), List.of(entry("test", "develop", true), live))).create();

        // Version one on test, then on live.
        ImageReference v1 = registry.pushTestImage("slipway/" + n + "/news", one);
        Environments.await(client, n, "news-test", Duration.ofSeconds(60), e -> e.getStatus() != null && e.getStatus().getPhase() == Phase.Building);
        kubelet.succeedBuild(n, BuildNames.jobName("news", one), v1.digest());
        await().atMost(Duration.ofSeconds(60)).until(() -> client.apps().deployments().inNamespace(n).withName("news-test").get() != null);
        kubelet.runDeployment(n, "news-test");
        Environments.await(client, n, "news-test", Duration.ofSeconds(60), e -> e.getStatus().getPhase() == Phase.Ready);
        Environments.annotate(client, n, "news-live", Annotations.DEPLOY, "one");
        await().atMost(Duration.ofSeconds(60)).until(() -> client.apps().deployments().inNamespace(n).withName("news-live").get() != null);
        kubelet.runDeployment(n, "news-live");
        Environment liveOne = Environments.await(client, n, "news-live", Duration.ofSeconds(60), e -> e.getStatus().getPhase() == Phase.Ready);
        String liveImage = liveImage(client, n);

        // Version two on test.
        String two = remote.commit("develop", Environments.files("Dockerfile", "FROM scratch\n", "v", "2\n"), "two");
        ImageReference v2 = registry.pushTestImage("slipway/" + n + "/news", two);
        Environments.annotate(client, n, "news-test", Annotations.REFRESH, "two");
        Environments.await(client, n, "news-test", Duration.ofSeconds(60), e -> two.equals(e.getStatus().getResolvedCommit()));
        kubelet.succeedBuild(n, BuildNames.jobName("news", two), v2.digest());
        await().atMost(Duration.ofSeconds(60)).until(() -> !kubelet.currentPods(n, "news-test").isEmpty()
            && client.apps().deployments().inNamespace(n).withName("news-test").get().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage().endsWith(v2.digest()));
        kubelet.runDeployment(n, "news-test");
        Environments.await(client, n, "news-test", Duration.ofSeconds(60), e -> e.getStatus().getPhase() == Phase.Ready
            && two.equals(e.getStatus().getDeployedCommit()));

        // The registry goes away; live is asked for version two.
        proxy.mode(TcpProxy.Mode.REFUSE);
        Environments.annotate(client, n, "news-live", Annotations.DEPLOY, "two");
        Thread.sleep(20_000);
        Environment during = Environments.get(client, n, "news-live");
        assertThat(liveImage(client, n)).as("live's Deployment keeps version one while the registry is down").isEqualTo(liveImage);
        assertThat(during.getStatus().getImage()).as("no half-promoted status").isEqualTo(liveOne.getStatus().getImage());
        assertThat(during.getStatus().getDeployedCommit()).isEqualTo(one);
        assertThat(registry.hasManifest("slipway/" + n + "/news-live", two)).as("nothing copied yet").isFalse();
        String says = String.valueOf(during.getStatus().getConditions().stream()
            .filter(c -> "False".equals(c.getStatus())).map(c -> c.getType() + "/" + c.getReason() + ": " + c.getMessage()).toList());
        int attempts = proxy.connections();
        System.out.println("scenario 10: while the registry is down live says " + says + "; " + attempts + " connections refused");
        assertThat(attempts).as("the copy was tried (and retried)").isGreaterThanOrEqualTo(1);

        Instant back = Instant.now();
        proxy.mode(TcpProxy.Mode.PASS);
        await("live gets version two").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
            .until(() -> !liveImage.equals(liveImage(client, n)));
        // A rolling update of live's two replicas: play the kubelet for each new pod as it comes.
        await("live Ready on version two").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
          kubelet.runDeployment(n, "news-live");
          Environment e = Environments.get(client, n, "news-live");
          return e.getStatus().getPhase() == Phase.Ready && two.equals(e.getStatus().getDeployedCommit());
        });
        Environment liveTwo = Environments.get(client, n, "news-live");
        FaultReport.recovered(Duration.between(back, Instant.now()), "(after the registry returned)");
        ImageReference copied = ImageReference.parse(liveImage(client, n));
        assertThat(copied.repositoryReference()).isEqualTo(via + "/slipway/" + n + "/news-live");
        assertThat(copied.digest()).isEqualTo(registry.manifestDigest("slipway/" + n + "/news-live", two));
        assertThat(liveTwo.getStatus().getSourceImage()).endsWith(v2.digest());
        long puts = Files.readAllLines(registry.directory().resolve("registry.log")).stream()
            .filter(l -> l.contains("http.request.method=PUT") && l.contains("/v2/slipway/" + n + "/news-live/manifests/")).count();
        assertThat(puts).as("manifest uploads to live's repository: one per version").isEqualTo(2);
        FaultReport.note(attempts + " refused connections while down; live stayed on version one; 1 copy of version two");
        Canary.dump(client, n);
        client.resources(Project.class).inNamespace(n).withName("news").delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty());
        FaultReport.leftovers(0);
      }
    }
  }

  private static String liveImage(KubernetesClient client, String n) {
    return client.apps().deployments().inNamespace(n).withName("news-live").get().getSpec().getTemplate().getSpec()
        .getContainers().get(0).getImage();
  }
}
