package dev.slipway.build;

import dev.slipway.resources.Evictions;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a build Job and its Pod into a {@link BuildState}. The digest comes from the Kaniko
 * container's termination message (Kaniko writes it with --digest-file=/dev/termination-log);
 * failure reasons come from the Job's conditions and the containers' exit information.
 */
public final class BuildObserver {

  private static final Pattern DIGEST = Pattern.compile("^sha256:[0-9a-f]{64}$");
  private static final Pattern URL_CREDENTIALS = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\\s]+):[^@/\\s]+@");
  private static final int MESSAGE_LIMIT = 600;

  private BuildObserver() {}

  public static BuildState observe(Job job, List<Pod> pods) {
    String name = job.getMetadata().getName();
    String started = job.getStatus() == null ? null : job.getStatus().getStartTime();
    if (started == null) {
      started = job.getMetadata().getCreationTimestamp();
    }
    Optional<Pod> pod = pods.stream()
        .filter(p -> name.equals(p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get("job-name")))
        .reduce((a, b) -> newer(a, b));
    Optional<ContainerStateTerminated> kaniko = pod.flatMap(p -> terminated(p.getStatus() == null ? null : p.getStatus().getContainerStatuses(), KanikoJob.KANIKO_CONTAINER));
    Optional<ContainerStateTerminated> source = pod.flatMap(p -> terminated(p.getStatus() == null ? null : p.getStatus().getInitContainerStatuses(), KanikoJob.SOURCE_CONTAINER));

    Optional<String> evicted = pod.flatMap(Evictions::forDisk);
    if (evicted.isPresent()) {
      String finishedAt = condition(job, "Failed").map(JobCondition::getLastTransitionTime).orElse(finished(job));
      return new BuildState(BuildState.Result.Failed, name, null, Evictions.DISK_LIMIT_EXCEEDED, diskMessage(pod.get(), evicted.get()),
          started, finishedAt);
    }
    Optional<JobCondition> failed = condition(job, "Failed");
    Optional<JobCondition> complete = condition(job, "Complete");
    String finished = job.getStatus() == null ? null : job.getStatus().getCompletionTime();

    if (complete.isPresent() || (kaniko.isPresent() && kaniko.get().getExitCode() == 0 && failed.isEmpty())) {
      String message = kaniko.map(ContainerStateTerminated::getMessage).map(String::trim).orElse("");
      String finishedAt = finished != null ? finished : kaniko.map(ContainerStateTerminated::getFinishedAt).orElse(null);
      if (DIGEST.matcher(message).matches()) {
        return new BuildState(BuildState.Result.Succeeded, name, message, null, null, started, finishedAt);
      }
      if (kaniko.isEmpty() && complete.isEmpty()) {
        return running(name, started);
      }
      return new BuildState(BuildState.Result.Failed, name, null, "DigestMissing",
          "the build finished but reported no image digest in its termination message", started, finishedAt);
    }
    if (failed.isPresent()) {
      String finishedAt = failed.get().getLastTransitionTime();
      if ("DeadlineExceeded".equals(failed.get().getReason())) {
        return new BuildState(BuildState.Result.Failed, name, null, "Timeout",
            "the build did not finish within " + deadline(job), started, finishedAt);
      }
      if (source.isPresent() && source.get().getExitCode() != 0) {
        return new BuildState(BuildState.Result.Failed, name, null, "SourceFetchFailed",
            clean(source.get().getMessage(), "fetching the source failed (exit " + source.get().getExitCode() + ")"), started, finishedAt);
      }
      if (kaniko.isPresent()) {
        return failure(name, kaniko.get(), started, finishedAt);
      }
      return new BuildState(BuildState.Result.Failed, name, null, "BuildFailed",
          clean(failed.get().getMessage(), "the build Job failed"), started, finishedAt);
    }
    if (kaniko.isPresent() && kaniko.get().getExitCode() != 0) {
      // The Job controller has not caught up yet; the container already says how it ended.
      return failure(name, kaniko.get(), started, kaniko.get().getFinishedAt());
    }
    if (source.isPresent() && source.get().getExitCode() != 0) {
      return new BuildState(BuildState.Result.Failed, name, null, "SourceFetchFailed",
          clean(source.get().getMessage(), "fetching the source failed (exit " + source.get().getExitCode() + ")"), started,
          source.get().getFinishedAt());
    }
    return running(name, started);
  }

  /** Stopped by the kubelet for writing more than its ephemeral-storage limit: what it may write, and how to change it. */
  private static String diskMessage(Pod pod, String kubelet) {
    String limit = pod.getSpec() == null ? null : pod.getSpec().getContainers().stream()
        .filter(c -> KanikoJob.KANIKO_CONTAINER.equals(c.getName()) && c.getResources() != null && c.getResources().getLimits() != null)
        .map(c -> c.getResources().getLimits().get("ephemeral-storage"))
        .filter(java.util.Objects::nonNull).map(Object::toString).findFirst().orElse(null);
    return "the build wrote more to local disk than it may" + (limit == null ? "" : " (ephemeral-storage limit " + limit + ")")
        + ", so the kubelet stopped it: " + kubelet + " Write less in the Dockerfile's steps, or raise"
        + " spec.resources.build.limits.ephemeral-storage (within the platform's maximum)";
  }

  private static String finished(Job job) {
    return job.getStatus() == null ? null : job.getStatus().getCompletionTime();
  }

  private static BuildState running(String name, String started) {
    return new BuildState(BuildState.Result.Running, name, null, null, null, started, null);
  }

  private static BuildState failure(String job, ContainerStateTerminated t, String started, String finished) {
    String output = t.getMessage() == null ? "" : t.getMessage();
    return new BuildState(BuildState.Result.Failed, job, null, classify(t.getReason(), t.getExitCode(), output),
        clean(output, "the build exited with code " + t.getExitCode()), started, finished);
  }

  /** Maps Kaniko's exit information to a reason a person can act on. */
  static String classify(String terminationReason, Integer exitCode, String output) {
    String o = output == null ? "" : output.toLowerCase(java.util.Locale.ROOT);
    if ("OOMKilled".equals(terminationReason)) {
      return "OutOfMemory";
    }
    if (o.contains("error resolving dockerfile path") || (o.contains("dockerfile") && o.contains("no such file or directory"))) {
      return "DockerfileNotFound";
    }
    // ("Permission denied" from a RUN step is the Dockerfile's own failure, not the registry's.)
    if (o.contains("error pushing image") || o.contains("failed to push") || o.contains("unauthorized")
        || (o.contains("denied") && !o.contains("permission denied")) || o.contains("push permission")) {
      return "PushFailed";
    }
    return "BuildFailed";
  }

  /** The end of the build output, with credentials in URLs masked and length bounded. */
  public static String clean(String output, String fallback) {
    if (output == null || output.isBlank()) {
      return fallback;
    }
    String masked = URL_CREDENTIALS.matcher(output.trim()).replaceAll("$1:***@");
    if (masked.length() > MESSAGE_LIMIT) {
      masked = "..." + masked.substring(masked.length() - MESSAGE_LIMIT);
    }
    return masked;
  }

  private static String deadline(Job job) {
    Long seconds = job.getSpec() == null ? null : job.getSpec().getActiveDeadlineSeconds();
    return seconds == null ? "its deadline" : java.time.Duration.ofSeconds(seconds).toString().substring(2).toLowerCase(java.util.Locale.ROOT);
  }

  private static Optional<JobCondition> condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst();
  }

  private static Optional<ContainerStateTerminated> terminated(List<ContainerStatus> statuses, String container) {
    if (statuses == null) {
      return Optional.empty();
    }
    return statuses.stream()
        .filter(s -> container.equals(s.getName()) && s.getState() != null && s.getState().getTerminated() != null)
        .map(s -> s.getState().getTerminated())
        .findFirst();
  }

  private static Pod newer(Pod a, Pod b) {
    String ta = a.getMetadata().getCreationTimestamp();
    String tb = b.getMetadata().getCreationTimestamp();
    return ta != null && tb != null && tb.compareTo(ta) > 0 ? b : a;
  }
}
