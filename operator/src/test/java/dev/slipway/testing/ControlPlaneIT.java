package dev.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The harness itself: a real API server at the pinned release, and a controller manager that
 * turns Deployments and Jobs into Pods (no kubelet runs them, so they stay Pending).
 */
@ControlPlaneTest
class ControlPlaneIT {

  @Test
  void apiServerIsTheBuiltRelease(KubernetesClient client) {
    var version = client.getKubernetesVersion();
    assertThat(version.getMajor()).isEqualTo("1");
    assertThat(version.getGitVersion()).matches("v1\\.\\d+\\.\\d+");
  }

  @Test
  void controllerManagerMakesPodsForDeploymentsAndJobs(KubernetesClient client, TestNamespace ns) {
    Deployment deployment = new DeploymentBuilder()
        .withNewMetadata().withName("web").withNamespace(ns.name()).endMetadata()
        .withNewSpec().withReplicas(2)
        .withNewSelector().addToMatchLabels("app", "web").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("registry.invalid/web:1").endContainer().endSpec()
        .endTemplate().endSpec().build();
    client.resource(deployment).create();
    Job job = new JobBuilder()
        .withNewMetadata().withName("once").withNamespace(ns.name()).endMetadata()
        .withNewSpec().withBackoffLimit(0)
        .withNewTemplate().withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("once").withImage("registry.invalid/once:1").endContainer().endSpec()
        .endTemplate().endSpec().build();
    client.resource(job).create();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(client.apps().replicaSets().inNamespace(ns.name()).list().getItems()).hasSize(1);
      assertThat(client.pods().inNamespace(ns.name()).withLabel("app", "web").list().getItems()).hasSize(2);
      assertThat(client.pods().inNamespace(ns.name()).withLabel("job-name", "once").list().getItems()).hasSize(1);
    });
  }

  @Test
  void deletingAnOwnerCollectsItsDependents(KubernetesClient client, TestNamespace ns) {
    Deployment deployment = new DeploymentBuilder()
        .withNewMetadata().withName("gc").withNamespace(ns.name()).endMetadata()
        .withNewSpec().withReplicas(1)
        .withNewSelector().addToMatchLabels("app", "gc").endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", "gc").endMetadata()
        .withNewSpec().addNewContainer().withName("gc").withImage("registry.invalid/gc:1").endContainer().endSpec()
        .endTemplate().endSpec().build();
    client.resource(deployment).create();
    await().atMost(Duration.ofSeconds(30)).until(() ->
        !client.pods().inNamespace(ns.name()).withLabel("app", "gc").list().getItems().isEmpty());

    client.apps().deployments().inNamespace(ns.name()).withName("gc").delete();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(client.apps().replicaSets().inNamespace(ns.name()).withLabel("app", "gc").list().getItems()).isEmpty();
      assertThat(client.pods().inNamespace(ns.name()).withLabel("app", "gc").list().getItems()).isEmpty();
    });
  }
}
