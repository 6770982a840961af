package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RestoreHoldTest {

  @Test
  void aRunningRestoreStopsThePodsAndHoldsReleasesUnsanitisedDataStopsOnlyThePods() {
    Environment free = environment(Map.of());
    assertThat(RestoreHold.replicas(free, 2)).isEqualTo(2);
    assertThat(RestoreHold.holdsReleases(free)).isFalse();
    assertThat(RestoreHold.unsanitizedMessage(free)).isEmpty();

    Environment restoring = environment(Map.of(Annotations.RESTORING, "copy-live"));
    assertThat(RestoreHold.replicas(restoring, 2)).isZero();
    assertThat(RestoreHold.holdsReleases(restoring)).isTrue();
    assertThat(RestoreHold.holder(restoring)).contains("copy-live");

    Environment unsanitized = environment(Map.of(Annotations.UNSANITIZED_DATA, "shop-live"));
    assertThat(RestoreHold.replicas(unsanitized, 2)).isZero();
    assertThat(RestoreHold.holdsReleases(unsanitized)).as("a fixed sanitize command can be released meanwhile").isFalse();
    assertThat(RestoreHold.unsanitizedMessage(unsanitized)).hasValueSatisfying(m ->
        assertThat(m).contains("shop-test holds data from shop-live", Annotations.UNSANITIZED_DATA));
  }

  @Test
  void releasesDecidedBeforeTheHoldWasLiftedAreDecidedAgain() {
    Environment restored = environment(Map.of(Annotations.RESTORED, "2026-12-01T10:00:00Z"));
    assertThat(RestoreHold.decidedBeforeRestore(restored, "2026-12-01T09:59:59Z")).isTrue();
    assertThat(RestoreHold.decidedBeforeRestore(restored, "2026-12-01T10:00:00Z")).as("decided as it was let go").isFalse();
    assertThat(RestoreHold.decidedBeforeRestore(restored, null)).isFalse();
    assertThat(RestoreHold.decidedBeforeRestore(environment(Map.of()), "2026-12-01T09:00:00Z")).isFalse();
    assertThat(RestoreHold.decidedBeforeRestore(environment(Map.of(Annotations.RESTORED, "garbage")), "2026-12-01T09:00:00Z")).isFalse();
  }

  @Test
  void everyUnfinishedPodOfTheEnvironmentWritesButItsDatabaseAndItsDumpsDoNot() {
    assertThat(RestoreHold.writer(pod(Labels.WEB, "Running"))).isTrue();
    assertThat(RestoreHold.writer(pod(Labels.MIGRATE, "Pending"))).isTrue();
    assertThat(RestoreHold.writer(pod("worker", "Running"))).as("any other process of the environment").isTrue();
    Pod terminating = pod(Labels.WEB, "Running");
    terminating.getMetadata().setDeletionTimestamp("2026-12-01T10:00:00Z");
    assertThat(RestoreHold.writer(terminating)).as("terminating still runs").isTrue();
    Pod markedFailed = pod(Labels.WEB, "Failed");
    markedFailed.getMetadata().setDeletionTimestamp("2026-12-01T10:00:00Z");
    assertThat(RestoreHold.writer(markedFailed)).as("being deleted: runs until it is gone, whatever its phase").isTrue();
    assertThat(RestoreHold.writer(pod(Labels.MIGRATE, "Succeeded"))).isFalse();
    assertThat(RestoreHold.writer(pod(Labels.MIGRATE, "Failed"))).isFalse();
    assertThat(RestoreHold.writer(pod(Labels.DATABASE, "Running"))).isFalse();
    assertThat(RestoreHold.writer(pod(Labels.BACKUP, "Running"))).isFalse();
    assertThat(RestoreHold.podLabels(environment(Map.of()))).containsExactly(Map.entry(Labels.PROJECT, "shop"),
        Map.entry(Labels.ENVIRONMENT, "test"));
  }

  private static Pod pod(String component, String phase) {
    return new PodBuilder().withNewMetadata().withName("p").addToLabels(Labels.COMPONENT, component).endMetadata()
        .withNewStatus().withPhase(phase).endStatus().build();
  }

  private static Environment environment(Map<String, String> annotations) {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName("shop-test").withNamespace("team-a").withAnnotations(new LinkedHashMap<>(annotations))
        .build());
    EnvironmentSpec spec = new EnvironmentSpec();
    spec.setProject("shop");
    spec.setEnvironment("test");
    e.setSpec(spec);
    return e;
  }
}
