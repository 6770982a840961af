package dev.slipway.build;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.BuildRecord;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Makes sure a commit of a project is built exactly once: it finds the build Job (whichever
 * environment started it), or an earlier successful build any environment of the project
 * remembers, and only then starts a new Job. A failed commit is not built again until someone
 * asks (the refresh annotation), so a broken Dockerfile does not turn into a build loop.
 */
public final class BuildCoordinator {

  /** The build of one commit as this environment sees it. */
  public record Outcome(BuildState state, boolean started, boolean reused, String image) {}

  private final KubernetesClient client;
  private final OperatorConfig config;
  private final Clock clock;
  private final RegistryCredentialCheck credentials;

  public BuildCoordinator(KubernetesClient client, OperatorConfig config, Clock clock) {
    this(client, config, clock, new RegistryCredentialCheck(client, config));
  }

  public BuildCoordinator(KubernetesClient client, OperatorConfig config, Clock clock, RegistryCredentialCheck credentials) {
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.credentials = credentials;
  }

  public Outcome ensure(Environment environment, Project project, String commit, boolean retryFailed, Context<Environment> context) {
    return ensure(environment, project, commit, retryFailed, context, JobCache.of(context));
  }

  Outcome ensure(Environment environment, Project project, String commit, boolean retryFailed, Context<Environment> context,
      JobCache jobs) {
    String namespace = project.getMetadata().getNamespace();
    String jobName = BuildNames.jobName(project.getMetadata().getName(), commit);
    String repository = BuildNames.repository(config, namespace, project.getMetadata().getName());
    Optional<Job> job = jobs.job(namespace, jobName)
        .filter(j -> Labels.BUILD.equals(label(j, Labels.COMPONENT)) && commit.equals(label(j, Labels.COMMIT)));
    if (job.isPresent()) {
      if (job.get().getMetadata().getDeletionTimestamp() != null) {
        // A failed build being deleted for a retry: the new Job follows once it is gone.
        return new Outcome(restarting(jobName), false, false, null);
      }
      BuildState state = BuildObserver.observe(job.get(), jobs.pods(namespace, jobName));
      if (state.failed() && retryFailed) {
        client.resource(job.get()).withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
        return new Outcome(restarting(jobName), false, false, null);
      }
      return new Outcome(state, false, false, state.succeeded() ? repository + "@" + state.digest() : null);
    }

    Optional<BuildRecord> earlier = successfulBuild(project, commit, context);
    if (earlier.isPresent()) {
      BuildRecord r = earlier.get();
      BuildState state = new BuildState(BuildState.Result.Succeeded, r.getJob(), r.getImage().substring(r.getImage().indexOf('@') + 1),
          null, null, r.getStartedAt(), r.getFinishedAt());
      return new Outcome(state, false, true, r.getImage());
    }
    Optional<BuildRecord> own = environment.getStatus() == null ? Optional.empty()
        : BuildHistory.latestFor(environment.getStatus().getBuilds(), commit);
    if (own.isPresent() && "Failed".equals(own.get().getResult()) && !retryFailed) {
      BuildRecord r = own.get();
      return new Outcome(new BuildState(BuildState.Result.Failed, r.getJob(), null, r.getReason(), r.getMessage(),
          r.getStartedAt(), r.getFinishedAt()), false, false, null);
    }

    // The build can read its push credential: it must be this namespace's own (README: Security model).
    Optional<RegistryCredentialCheck.Refusal> refused = credentials.refusal(namespace);
    if (refused.isPresent()) {
      return new Outcome(new BuildState(BuildState.Result.Failed, jobName, null, refused.get().reason(), refused.get().message(), now(), now()),
          false, false, null);
    }
    Job desired = KanikoJob.desired(new BuildRequest(project, commit), config);
    try {
      client.resource(desired).create();
      return new Outcome(new BuildState(BuildState.Result.Running, jobName, null, null, null, now(), null), true, false, null);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        // Another environment started it a moment ago and the cache has not seen it yet (its event
        // follows), or the old one is still being deleted. No read: the cache answers next time.
        return new Outcome(restarting(jobName), false, false, null);
      }
      throw e;
    }
  }

  private BuildState restarting(String jobName) {
    return new BuildState(BuildState.Result.Running, jobName, null, null, null, now(), null);
  }

  /** A successful build of the commit that any environment of the project remembers. */
  private static Optional<BuildRecord> successfulBuild(Project project, String commit, Context<Environment> context) {
    String name = project.getMetadata().getName();
    return context.getPrimaryCache()
        .list(project.getMetadata().getNamespace(), e -> e.getSpec() != null && name.equals(e.getSpec().getProject()) && e.getStatus() != null)
        .flatMap(e -> e.getStatus().getBuilds() == null ? java.util.stream.Stream.empty() : e.getStatus().getBuilds().stream())
        .filter(r -> commit.equals(r.getCommit()) && "Succeeded".equals(r.getResult()) && r.getImage() != null)
        .findFirst();
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String label(io.fabric8.kubernetes.api.model.HasMetadata o, String key) {
    return o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(key);
  }
}
