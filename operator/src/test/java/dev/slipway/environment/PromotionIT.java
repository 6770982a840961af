package dev.slipway.environment;

import static dev.slipway.testing.Environments.annotate;
import static dev.slipway.testing.Environments.entry;
import static dev.slipway.testing.Environments.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.promote.ImageReference;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalRegistry;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Promotion when each stage keeps its own repository: live runs a copy of exactly the image
 * Ready on test, made with jib-core in a real OCI registry on loopback, by the digest the copy
 * returned. Nothing is rebuilt.
 */
@ControlPlaneTest
class PromotionIT {

  private static RunningOperator operator;
  private static OperatorConfig config;
  private static GitDaemon daemon;
  private static LocalRegistry registry;
  private static FakeKubelet kubelet;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) {
    daemon = new GitDaemon();
    registry = LocalRegistry.start();
    kubelet = new FakeKubelet(cp.client());
    config = OperatorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("SLIPWAY_DATABASE_MODE", "none"),
        Map.entry("SLIPWAY_WATCH_NAMESPACES", ns.name()),
        Map.entry("SLIPWAY_HTTP_PORT", "0"),
        Map.entry("SLIPWAY_LEADER_ELECTION", "false"),
        Map.entry("SLIPWAY_REGISTRY", registry.host() + "/slipway"),
        Map.entry("SLIPWAY_REGISTRY_INSECURE", "true"),
        Map.entry("SLIPWAY_REGISTRY_LAYOUT", "per-stage"),
        Map.entry("SLIPWAY_POLL_INTERVAL", "5s")));
    operator = RunningOperator.start(config, cp);
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  /** Manifest uploads into a repository, as the registry logged them. */
  private static long manifestPuts(String repository) throws java.io.IOException {
    java.nio.file.Path log = registry.directory().resolve("registry.log");
    return java.nio.file.Files.readAllLines(log).stream()
        .filter(l -> l.contains("http.request.method=PUT") && l.contains("/v2/" + repository + "/manifests/")).count();
  }

  @Test
  void liveRunsACopyOfTheImageReadyOnTest(KubernetesClient client, TestNamespace ns, LocalControlPlane cp) throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("news");
    String commit = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    EnvironmentTemplate live = entry("live", null, false);
    live.setPromoteFrom("test");
    client.resource(Environments.project(n, "news", daemon.url(remote), List.of(entry("test", "develop", true), live))).create();

    // The "build": an image really pushed where Kaniko would have pushed it, its digest reported.
    ImageReference built = registry.pushTestImage("slipway/" + n + "/news", commit);
    Environments.await(client, n, "news-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Building);
    kubelet.succeedBuild(n, BuildNames.jobName("news", commit), built.digest());
    await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName("news-test").get() != null);
    kubelet.runDeployment(n, "news-test");
    Environment test = Environments.await(client, n, "news-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
    assertThat(test.getStatus().getImage()).isEqualTo(built.byDigest());

    // Test is Ready, but nothing is decided for live: nothing is copied, and live is not "building".
    Environments.await(client, n, "news-live", Duration.ofSeconds(30),
        Environments.conditionIs("Deployed", "False", "AwaitingDeployRequest"));
    Thread.sleep(3000);
    assertThat(registry.hasManifest("slipway/" + n + "/news-live", commit)).as("copied before a release was decided").isFalse();
    assertThat(Environments.get(client, n, "news-live").getStatus().getPhase()).isEqualTo(Phase.Pending);

    annotate(client, n, "news-live", Annotations.DEPLOY, "go");
    await().atMost(Duration.ofSeconds(60)).until(() -> client.apps().deployments().inNamespace(n).withName("news-live").get() != null);
    String liveImage = client.apps().deployments().inNamespace(n).withName("news-live").get()
        .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    ImageReference copied = ImageReference.parse(liveImage);
    assertThat(copied.repositoryReference()).isEqualTo(registry.host() + "/slipway/" + n + "/news-live");
    assertThat(copied.digest()).isEqualTo(registry.manifestDigest("slipway/" + n + "/news-live", commit));
    assertThat(registry.imageConfig("slipway/" + n + "/news-live", copied.digest()).path("config"))
        .isEqualTo(registry.imageConfig("slipway/" + n + "/news", built.digest()).path("config"));

    kubelet.runDeployment(n, "news-live");
    Environment ready = Environments.await(client, n, "news-live", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
    assertThat(ready.getStatus().getImage()).isEqualTo(liveImage);
    assertThat(ready.getStatus().getDeployedCommit()).isEqualTo(commit);
    assertThat(Environments.condition(ready, "Built").orElseThrow().getReason()).isEqualTo("Promoted");
    assertThat(client.batch().v1().jobs().inNamespace(n).list().getItems()).hasSize(1);
    // What was copied is kept in the status, not in the operator's memory.
    assertThat(ready.getStatus().getSourceImage()).isEqualTo(built.byDigest());
    assertThat(ready.getStatus().getReleases()).first().satisfies(r -> {
      assertThat(r.getImage()).isEqualTo(liveImage);
      assertThat(r.getPromotedFrom()).isEqualTo(built.byDigest());
    });
    long copies = manifestPuts("slipway/" + n + "/news-live");
    assertThat(copies).isEqualTo(1);

    // A restart copies nothing again and shows nothing new: no status write for live at all.
    operator.close();
    dev.slipway.testing.AuditLog audit = new dev.slipway.testing.AuditLog(cp.auditLog());
    long mark = audit.mark();
    operator = RunningOperator.start(config, cp);
    await().atMost(Duration.ofSeconds(30)).until(() -> operator.reconciles("environment") >= 2);
    Thread.sleep(3000);
    assertThat(manifestPuts("slipway/" + n + "/news-live")).as("copies after a restart").isEqualTo(copies);
    assertThat(audit.writesSince(mark, LocalControlPlane.operatorUser()))
        .as("writes after a restart").noneMatch(w -> "news-live".equals(w.name()));
    assertThat(Environments.get(client, n, "news-live").getStatus().getPhase()).isEqualTo(Phase.Ready);
  }
}
