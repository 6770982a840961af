package dev.slipway.environment;

import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.deploy.WebPlan;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The minimal boilerplate, pushed as it is to a bare Git repository, deploys through the usual
 * path, and what the operator runs follows the base image's convention: no command of its own
 * (the image's ENTRYPOINT decides between uWSGI and runserver), port 8000, SLIPWAY_STAGE set.
 */
@ControlPlaneTest
class BoilerplateDeployIT {

  @Test
  void theMinimalBoilerplateDeploysWithTheBaseImageConvention(KubernetesClient client, TestNamespace ns, LocalControlPlane cp)
      throws Exception {
    Path root = cp.repoRootPath();
    Path boilerplate = root.resolve("base-images/boilerplates/minimal");
    Map<String, String> files = new LinkedHashMap<>();
    try (Stream<Path> walk = Files.walk(boilerplate)) {
      for (Path p : walk.filter(Files::isRegularFile).filter(p -> !p.toString().contains("__pycache__")).toList()) {
        files.put(boilerplate.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8));
      }
    }
    assertThat(files).containsKeys("Dockerfile", "manage.py", "templates/base.html");

    // The convention the Deployment relies on is the one the runtime image defines.
    String runtime = Files.readString(root.resolve("base-images/runtime/Dockerfile"));
    assertThat(runtime).contains("ENTRYPOINT [\"/usr/local/bin/slipway-entrypoint\"]").contains("EXPOSE " + WebPlan.HTTP_PORT);
    assertThat(Files.readString(root.resolve("base-images/runtime/entrypoint.sh"))).contains("SLIPWAY_STAGE");
    assertThat(files.get("Dockerfile")).doesNotContain("\nCMD").doesNotContain("\nENTRYPOINT");

    try (GitDaemon daemon = new GitDaemon(); GitRemote remote = new GitRemote("site")) {
      String commit = remote.commit("develop", files, "start from the minimal boilerplate");
      OperatorConfig config = OperatorConfig.fromEnvironment(Map.ofEntries(
          Map.entry("SLIPWAY_WATCH_NAMESPACES", ns.name()),
          Map.entry("SLIPWAY_HTTP_PORT", "0"),
          Map.entry("SLIPWAY_LEADER_ELECTION", "false"),
          Map.entry("SLIPWAY_REGISTRY", "registry.test.invalid/slipway"),
          Map.entry("SLIPWAY_DATABASE_MODE", "none"),
          Map.entry("SLIPWAY_BASE_DOMAIN", "apps.test")));
      try (RunningOperator operator = RunningOperator.start(config, cp)) {
        String n = ns.name();
        client.resource(Environments.project(n, "site", daemon.url(remote), List.of(entry("test", "develop", true)))).create();
        Environments.await(client, n, "site-test", Duration.ofSeconds(30), e -> commit.equals(e.getStatus().getResolvedCommit()));
        var job = client.batch().v1().jobs().inNamespace(n).withName(BuildNames.jobName("site", commit)).get();
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).contains("--dockerfile=Dockerfile");
        FakeKubelet kubelet = new FakeKubelet(client);
        kubelet.succeedBuild(n, job.getMetadata().getName(), "sha256:" + "f".repeat(64));
        await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName("site-test").get() != null);
        var container = client.apps().deployments().inNamespace(n).withName("site-test").get()
            .getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getCommand()).isEmpty();
        assertThat(container.getArgs()).isEmpty();
        assertThat(container.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8000));
        assertThat(container.getEnv()).filteredOn(v -> v.getName().equals("SLIPWAY_STAGE")).singleElement()
            .extracting(EnvVar::getValue).isEqualTo("test");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        kubelet.runDeployment(n, "site-test");
        Environment ready = Environments.await(client, n, "site-test", Duration.ofSeconds(30), e -> e.getStatus().getPhase() == Phase.Ready);
        assertThat(ready.getStatus().getDeployedCommit()).isEqualTo(commit);
      }
    }
  }
}
