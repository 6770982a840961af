package dev.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuildObserverTest {

  static final String DIGEST = "sha256:" + "ab".repeat(32);

  static Job job(String conditionType, String reason) {
    JobBuilder b = new JobBuilder()
        .withNewMetadata().withName("shop-build-3f2a9c1e8b7d").withCreationTimestamp("2026-01-01T10:00:00Z").endMetadata()
        .withNewSpec().withActiveDeadlineSeconds(1800L).endSpec()
        .withNewStatus().withStartTime("2026-01-01T10:00:01Z").endStatus();
    if (conditionType != null) {
      b.editStatus().addToConditions(new JobConditionBuilder().withType(conditionType).withStatus("True").withReason(reason)
          .withLastTransitionTime("2026-01-01T10:05:00Z").build()).withCompletionTime(
              "Complete".equals(conditionType) ? "2026-01-01T10:04:00Z" : null).endStatus();
    }
    return b.build();
  }

  static Pod pod(String container, int exitCode, String reason, String message, boolean init) {
    var status = new ContainerStatusBuilder().withName(container).withNewState().withNewTerminated()
        .withExitCode(exitCode).withReason(reason).withMessage(message).withFinishedAt("2026-01-01T10:03:59Z")
        .endTerminated().endState().build();
    PodBuilder b = new PodBuilder().withNewMetadata().withName("p").addToLabels("job-name", "shop-build-3f2a9c1e8b7d")
        .withCreationTimestamp("2026-01-01T10:00:01Z").endMetadata().withNewStatus().endStatus();
    if (init) {
      b.editStatus().withInitContainerStatuses(status).endStatus();
    } else {
      b.editStatus().withContainerStatuses(status).endStatus();
    }
    return b.build();
  }

  @Test
  void aBuildTheKubeletEvictedForItsDiskUseSaysSoWithItsLimit() {
    Pod evicted = pod("kaniko", 137, "Error", "", false);
    evicted.getStatus().setPhase("Failed");
    evicted.getStatus().setReason("Evicted");
    evicted.getStatus().setMessage("Container kaniko exceeded its local ephemeral storage limit \"400Mi\". ");
    evicted.setSpec(new io.fabric8.kubernetes.api.model.PodSpecBuilder().addNewContainer().withName("kaniko")
        .withNewResources().addToLimits("ephemeral-storage", new io.fabric8.kubernetes.api.model.Quantity("400Mi")).endResources()
        .endContainer().build());
    BuildState s = BuildObserver.observe(job("Failed", "BackoffLimitExceeded"), List.of(evicted));
    assertThat(s.failed()).isTrue();
    assertThat(s.reason()).isEqualTo("DiskLimitExceeded");
    assertThat(s.message()).startsWith("the build wrote more to local disk than it may (ephemeral-storage limit 400Mi), so the kubelet"
        + " stopped it: Container kaniko exceeded its local ephemeral storage limit \"400Mi\".")
        .contains("spec.resources.build.limits.ephemeral-storage");

    // Evicted for another reason (memory pressure on the node): not a disk problem of the build's.
    evicted.getStatus().setMessage("The node was low on resource: memory.");
    assertThat(BuildObserver.observe(job("Failed", "BackoffLimitExceeded"), List.of(evicted)).reason()).isNotEqualTo("DiskLimitExceeded");
  }

  @Test
  void runningUntilSomethingEnds() {
    BuildState s = BuildObserver.observe(job(null, null), List.of());
    assertThat(s.running()).isTrue();
    assertThat(s.startedAt()).isEqualTo("2026-01-01T10:00:01Z");
  }

  @Test
  void successCarriesTheDigestFromTheTerminationMessage() {
    BuildState s = BuildObserver.observe(job("Complete", null), List.of(pod("kaniko", 0, "Completed", DIGEST + "\n", false)));
    assertThat(s.succeeded()).isTrue();
    assertThat(s.digest()).isEqualTo(DIGEST);
    assertThat(s.finishedAt()).isEqualTo("2026-01-01T10:04:00Z");
  }

  @Test
  void successWithoutADigestIsAFailure() {
    BuildState s = BuildObserver.observe(job("Complete", null), List.of(pod("kaniko", 0, "Completed", "", false)));
    assertThat(s.failed()).isTrue();
    assertThat(s.reason()).isEqualTo("DigestMissing");
  }

  @Test
  void failureReasons() {
    assertThat(BuildObserver.observe(job("Failed", "DeadlineExceeded"), List.of()).reason()).isEqualTo("Timeout");
    assertThat(BuildObserver.observe(job("Failed", "BackoffLimitExceeded"),
        List.of(pod("source", 128, "Error", "fatal: could not read from remote", true))).reason()).isEqualTo("SourceFetchFailed");
    assertThat(BuildObserver.observe(job("Failed", "BackoffLimitExceeded"),
        List.of(pod("kaniko", 1, "Error", "error resolving dockerfile path: stat /workspace/Dockerfile: no such file or directory", false)))
        .reason()).isEqualTo("DockerfileNotFound");
    assertThat(BuildObserver.observe(job("Failed", "BackoffLimitExceeded"),
        List.of(pod("kaniko", 1, "Error", "error pushing image: failed to push to destination: UNAUTHORIZED", false)))
        .reason()).isEqualTo("PushFailed");
    assertThat(BuildObserver.observe(job("Failed", "BackoffLimitExceeded"),
        List.of(pod("kaniko", 137, "OOMKilled", "", false))).reason()).isEqualTo("OutOfMemory");
    assertThat(BuildObserver.observe(job("Failed", "BackoffLimitExceeded"),
        List.of(pod("kaniko", 1, "Error", "error building image: RUN pip install: exit status 1", false))).reason()).isEqualTo("BuildFailed");
    // A RUN step refused a file: the Dockerfile's failure, not the registry's.
    assertThat(BuildObserver.observe(job("Failed", "BackoffLimitExceeded"), List.of(pod("kaniko", 1, "Error",
        "dd: failed to open '/filler': Permission denied\nerror building image: error building stage: failed to execute command", false)))
        .reason()).isEqualTo("BuildFailed");
    assertThat(BuildObserver.observe(job("Failed", "BackoffLimitExceeded"), List.of(pod("kaniko", 1, "Error",
        "denied: requested access to the resource is denied", false))).reason()).isEqualTo("PushFailed");
  }

  @Test
  void aFailedContainerCountsBeforeTheJobControllerCatchesUp() {
    BuildState s = BuildObserver.observe(job(null, null), List.of(pod("kaniko", 1, "Error", "error pushing image", false)));
    assertThat(s.failed()).isTrue();
    assertThat(s.reason()).isEqualTo("PushFailed");
  }

  @Test
  void messagesLoseCredentialsAndLength() {
    String cleaned = BuildObserver.clean("fatal: unable to access 'https://bot:s3cr3t@git.example.com/x.git/': 403", "x");
    assertThat(cleaned).doesNotContain("s3cr3t").contains("https://bot:***@git.example.com");
    assertThat(BuildObserver.clean("x".repeat(5000), "f")).hasSizeLessThan(700);
    assertThat(BuildObserver.clean("  ", "fallback")).isEqualTo("fallback");
  }
}
