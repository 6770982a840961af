package dev.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.api.v1alpha1.ComputeResources;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectResources;
import dev.slipway.api.v1alpha1.ResourceAmounts;
import dev.slipway.config.OperatorConfig;
import dev.slipway.git.SourceCredentialsPolicy;
import dev.slipway.resources.Evictions;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.Environments;
import dev.slipway.testing.RealNode;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.git.GitHttpServer;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On the real node: a Dockerfile that writes more to local disk than the build may (its
 * ephemeral-storage limit, here a Project's own 512Mi) is stopped by the kubelet, and the build
 * fails as DiskLimitExceeded saying so, while the node has no disk pressure and keeps running the
 * others' pods, instead of the build filling the node.
 */
class RealNodeBuildDiskLimitIT {

  private static RealNode node;
  private static KubernetesClient client;
  private static String n;
  private static GitHttpServer git;
  private static RunningOperator operator;

  @BeforeAll
  static void start() {
    node = RealNode.get();
    client = node.client();
    n = "disk-" + UUID.randomUUID().toString().substring(0, 6);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(n).endMetadata().build()).create();
    await().atMost(Duration.ofSeconds(30)).until(() -> client.serviceAccounts().inNamespace(n).withName("default").get() != null);
    git = GitHttpServer.https("builder", "git-password-" + UUID.randomUUID(), node.nodeIp(), node.testCaCertificate(), node.testCaKey());
    OperatorConfig config = OperatorConfig.defaults().toBuilder()
        .watchNamespaces(Set.of(n))
        .httpPort(0)
        .leaderElection(false)
        .leaseNamespace(n)
        .registry(node.registryFromPods() + "/slipway")
        .registryInsecure(true)
        .kanikoImage(node.kanikoImage())
        .gitImage(node.gitImage())
        .gitCaFile(node.testCaCertificate().toString())
        .databaseMode(DatabaseMode.NONE)
        .pollInterval(Duration.ofSeconds(5))
        .build();
    operator = RunningOperator.start(config, node);
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (client != null && n != null) {
      client.namespaces().withName(n).delete();
    }
    if (git != null) {
      git.close();
    }
  }

  /** The environment's status and the build pods' states and end of output, for a failure message. */
  private static String describe() {
    StringBuilder sb = new StringBuilder();
    Environment e = Environments.get(client, n, "filler-test");
    sb.append("\nenvironment: ").append(e == null ? null : io.fabric8.kubernetes.client.utils.Serialization.asJson(e.getStatus()));
    for (Pod p : client.pods().inNamespace(n).list().getItems()) {
      sb.append("\npod ").append(p.getMetadata().getName()).append(": ").append(io.fabric8.kubernetes.client.utils.Serialization.asJson(p.getStatus()));
      try {
        String log = client.pods().inNamespace(n).withName(p.getMetadata().getName()).inContainer("kaniko").tailingLines(20).getLog();
        sb.append("\nkaniko log: ").append(log);
      } catch (RuntimeException ex) {
        sb.append("\n(no kaniko log: ").append(ex.getMessage()).append(")");
      }
    }
    sb.append("\nnode: ").append(io.fabric8.kubernetes.client.utils.Serialization.asJson(client.nodes().withName(node.nodeName()).get().getStatus()
        .getConditions()));
    return sb.toString();
  }

  @Test
  void aDockerfileThatWritesMoreThanTheBuildMayIsStoppedAndTheNodeGoesOn() {
    GitRemote remote = new GitRemote("filler");
    // 1 GiB written by a RUN step, and kept there: far past the 512Mi the project gives its builds.
    remote.commit("develop", Environments.files("Dockerfile", "FROM " + node.gitImage() + "\n"
        + "USER root\nRUN dd if=/dev/zero of=/filler bs=1M count=1024 && sleep 300\n"), "a runaway RUN step");
    client.resource(new SecretBuilder().withNewMetadata().withName("filler-git").withNamespace(n)
        .addToLabels(SourceCredentialsPolicy.LABEL, "true").endMetadata()
        .addToStringData("username", git.username()).addToStringData("password", git.password()).build()).create();
    Project project = Environments.project(n, "filler", git.url(remote), List.of(Environments.entry("test", "develop", true)));
    project.getSpec().getSource().setCredentialsSecret("filler-git");
    ProjectResources resources = new ProjectResources();
    resources.setBuild(new ComputeResources(new ResourceAmounts(null, null, "256Mi"), new ResourceAmounts(null, null, "512Mi")));
    project.getSpec().setResources(resources);
    Instant started = Instant.now();
    client.resource(project).create();

    Environment failed;
    try {
      failed = Environments.await(client, n, "filler-test", Duration.ofMinutes(4),
          Environments.conditionIs(ConditionTypes.BUILT, "False", Evictions.DISK_LIMIT_EXCEEDED));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("the build was not stopped for its disk use: " + describe(), e);
    }
    String message = Environments.condition(failed, ConditionTypes.BUILT).orElseThrow().getMessage();
    System.out.println("disk limit: the build was stopped " + Duration.between(started, Instant.now()).toSeconds() + " s after the Project"
        + " was applied: " + message);
    assertThat(message).contains("the build wrote more to local disk than it may (ephemeral-storage limit 512Mi), so the kubelet stopped it")
        .contains("spec.resources.build.limits.ephemeral-storage");

    Pod pod = client.pods().inNamespace(n).withLabel("slipway.dev/component", "build").list().getItems().get(0);
    assertThat(pod.getStatus().getReason()).isEqualTo("Evicted");
    assertThat(pod.getStatus().getMessage()).containsIgnoringCase("ephemeral");
    // The node itself never ran short of disk, and is still Ready for everyone else.
    var conditions = client.nodes().withName(node.nodeName()).get().getStatus().getConditions();
    assertThat(conditions).filteredOn(c -> "DiskPressure".equals(c.getType())).extracting(NodeCondition::getStatus).containsExactly("False");
    assertThat(conditions).filteredOn(c -> "Ready".equals(c.getType())).extracting(NodeCondition::getStatus).containsExactly("True");
    assertThat(failed.getStatus().getBuilds()).singleElement().satisfies(b -> assertThat(b.getReason()).isEqualTo("DiskLimitExceeded"));
  }
}
