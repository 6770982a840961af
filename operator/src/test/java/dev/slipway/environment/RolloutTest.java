package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import org.junit.jupiter.api.Test;

class RolloutTest {

  static Deployment deployment(String image, long generation, Long observed, int updated, int available, int total) {
    return new DeploymentBuilder()
        .withNewMetadata().withName("shop-test").withGeneration(generation).endMetadata()
        .withNewSpec().withReplicas(2)
        .withNewTemplate().withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec().endTemplate()
        .endSpec()
        .withNewStatus().withObservedGeneration(observed).withUpdatedReplicas(updated).withAvailableReplicas(available)
        .withReplicas(total).endStatus()
        .build();
  }

  @Test
  void completeOnlyWhenEveryReplicaRunsTheImageAndOldOnesAreGone() {
    assertThat(Rollout.of(deployment("img@1", 3, 3L, 2, 2, 2), "img@1").complete()).isTrue();
    assertThat(Rollout.of(deployment("img@1", 3, 2L, 2, 2, 2), "img@1").complete()).isFalse();
    assertThat(Rollout.of(deployment("img@1", 3, 3L, 1, 2, 3), "img@1").complete()).isFalse();
    assertThat(Rollout.of(deployment("img@1", 3, 3L, 2, 2, 3), "img@1").message()).contains("old pods terminating");
    assertThat(Rollout.of(deployment("img@1", 3, 3L, 2, 1, 2), "img@1").complete()).isFalse();
    assertThat(Rollout.of(deployment("img@0", 3, 3L, 2, 2, 2), "img@1").complete()).isFalse();
    assertThat(Rollout.of(null, "img@1").complete()).isFalse();
  }

  @Test
  void aPassedProgressDeadlineIsAFailureAndZeroReplicasServeNothing() {
    Deployment stuck = deployment("img@1", 3, 3L, 1, 0, 2);
    stuck.getStatus().setConditions(java.util.List.of(new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
        .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded").build()));
    Rollout failed = Rollout.of(stuck, "img@1");
    assertThat(failed.failed()).isTrue();
    assertThat(failed.complete()).isFalse();
    assertThat(failed.message()).contains("no progress");

    Deployment zero = deployment("img@1", 3, 3L, 0, 0, 0);
    zero.getSpec().setReplicas(0);
    Rollout stopped = Rollout.of(zero, "img@1");
    assertThat(stopped.scaledToZero()).isTrue();
    assertThat(stopped.complete()).isTrue();
    assertThat(stopped.message()).contains("scaled to zero");
  }
}
