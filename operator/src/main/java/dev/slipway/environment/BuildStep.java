package dev.slipway.environment;

import dev.slipway.api.v1alpha1.BuildRecord;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildCoordinator;
import dev.slipway.build.BuildHistory;
import dev.slipway.build.BuildNames;
import dev.slipway.build.BuildState;
import dev.slipway.config.OperatorConfig;
import dev.slipway.deploy.Release;
import dev.slipway.status.EventReason;
import dev.slipway.status.EventRecorder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Optional;

/**
 * Build: the image of a commit, built once per project by an uncached Kaniko Job
 * ({@link BuildCoordinator}) or found among the project's earlier builds.
 */
final class BuildStep {

  private final OperatorConfig config;
  private final BuildCoordinator builds;
  private final EventRecorder events;

  BuildStep(OperatorConfig config, BuildCoordinator builds, EventRecorder events) {
    this.config = config;
    this.builds = builds;
    this.events = events;
  }

  /** The newest release from the source step's commit (none while it builds or when it failed). */
  Candidate build(Environment environment, Project project, SourceStep.Outcome source, boolean retryFailed,
      List<BuildRecord> history, Context<Environment> context) {
    String commit = source.commit();
    if (commit == null) {
      return new Candidate(null, null, source.condition(),
          ConditionValue.unknown(Reasons.Built.WaitingForSource, "no commit to build yet"), history, false, source.failed());
    }
    if (config.registry().url().isEmpty()) {
      return new Candidate(null, commit, source.condition(),
          ConditionValue.no(Reasons.Built.RegistryNotConfigured, "the operator has no image registry (SLIPWAY_REGISTRY)"),
          history, false, true);
    }
    BuildCoordinator.Outcome outcome = builds.ensure(environment, project, commit, retryFailed, context);
    BuildState state = outcome.state();
    String repository = BuildNames.repository(config, environment.getMetadata().getNamespace(), environment.getSpec().getProject());
    Optional<BuildRecord> before = BuildHistory.latestFor(history, commit);
    List<BuildRecord> recorded = BuildHistory.record(history, commit, repository, state, config.build().history());
    String shortCommit = commit.substring(0, 7);
    if (outcome.started()) {
      events.normal(environment, EventReason.BuildStarted, "building " + shortCommit + " in Job " + state.job());
    }
    if (state.running()) {
      return new Candidate(null, commit, source.condition(),
          ConditionValue.no(Reasons.Built.Building, "building " + shortCommit + " in Job " + state.job()), recorded, true, source.failed());
    }
    boolean changed = before.isEmpty() || !state.result().name().equals(before.get().getResult());
    if (state.failed()) {
      if (changed) {
        events.warning(environment, EventReason.BuildFailed, "build of " + shortCommit + " failed (" + state.reason() + "): " + state.message());
      }
      return new Candidate(null, commit, source.condition(),
          ConditionValue.reported(false, state.reason(), "build of " + shortCommit + " failed: " + state.message()), recorded, false, true);
    }
    String image = outcome.image();
    if (changed && !outcome.reused()) {
      events.normal(environment, EventReason.BuildSucceeded, "built " + shortCommit + " as " + image);
    }
    return new Candidate(new Release(commit, image), commit, source.condition(),
        ConditionValue.yes(outcome.reused() ? Reasons.Built.Reused : Reasons.Built.Succeeded, "built " + shortCommit + " as " + image), recorded, false,
        source.failed());
  }
}
