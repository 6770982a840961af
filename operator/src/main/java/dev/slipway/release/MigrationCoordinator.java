package dev.slipway.release;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildObserver;
import dev.slipway.build.JobCache;
import dev.slipway.config.OperatorConfig;
import dev.slipway.deploy.WebPlan;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/**
 * Runs one attempt of the release Job for a release, and reports how it went. Whether an attempt
 * is needed at all (the release history remembers every image's result) is the caller's call.
 */
public final class MigrationCoordinator {

  /** Where the release step of one release stands. */
  public record Outcome(Result result, String job, String reason, String message, boolean started) {
    public enum Result { Running, Succeeded, Failed }
  }

  private final KubernetesClient client;
  private final OperatorConfig config;

  public MigrationCoordinator(KubernetesClient client, OperatorConfig config) {
    this.client = client;
    this.config = config;
  }

  public Outcome ensure(WebPlan plan, Project project, int attempt, JobCache jobs) {
    String name = MigrationJob.name(plan, attempt);
    Optional<Job> job = jobs.job(plan.namespace(), name)
        .filter(j -> Labels.MIGRATE.equals(j.getMetadata().getLabels().get(Labels.COMPONENT)));
    if (job.isEmpty()) {
      try {
        client.resource(MigrationJob.desired(plan, project, config, attempt)).create();
        return new Outcome(Outcome.Result.Running, name, "Running", "running " + String.join(" ", MigrationJob.command(project)), true);
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          return new Outcome(Outcome.Result.Running, name, "Running", "running the release command", false);
        }
        throw e;
      }
    }
    Job j = job.get();
    if (!plan.release().image().equals(j.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())) {
      // Same commit, another image (a promoted copy): that run does not count for this image.
      client.resource(j).withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
      return new Outcome(Outcome.Result.Running, name, "Running", "restarting the release command for " + plan.release().image(), false);
    }
    if (condition(j, "Complete")) {
      return new Outcome(Outcome.Result.Succeeded, name, "Succeeded", "the release command succeeded in Job " + name, false);
    }
    Optional<ContainerStateTerminated> terminated = jobs.pods(plan.namespace(), name).stream()
        .flatMap(p -> p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? java.util.stream.Stream.empty()
            : p.getStatus().getContainerStatuses().stream())
        .filter(s -> s.getState() != null && s.getState().getTerminated() != null)
        .map(s -> s.getState().getTerminated())
        .findFirst();
    if (condition(j, "Failed") || terminated.map(t -> t.getExitCode() != 0).orElse(false)) {
      String reason = j.getStatus() != null && j.getStatus().getConditions() != null && j.getStatus().getConditions().stream()
          .anyMatch(c -> "Failed".equals(c.getType()) && "DeadlineExceeded".equals(c.getReason())) ? "Timeout" : "ReleaseCommandFailed";
      String output = terminated.map(ContainerStateTerminated::getMessage).orElse(null);
      return new Outcome(Outcome.Result.Failed, name, reason,
          "the release command failed in Job " + name + ": " + BuildObserver.clean(output, "no output"), false);
    }
    return new Outcome(Outcome.Result.Running, name, "Running", "running the release command in Job " + name, false);
  }

  private static boolean condition(Job job, String type) {
    return job.getStatus() != null && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
