package dev.slipway.environment;

import dev.slipway.api.v1alpha1.BuildRecord;
import dev.slipway.api.v1alpha1.DatabaseStatus;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.ReleaseRecord;
import dev.slipway.deploy.Release;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Convergence;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Builds an Environment's status in one place, from what the reconcile's steps reported:
 * conditions in a fixed order, the phase that summarizes them, kstatus's Reconciling or Stalled
 * ({@link #convergence}), and the fields `kubectl get env` shows.
 */
final class EnvironmentStatusAggregator {

  /** Failures that go away by themselves (the poller retries with backoff): still converging. */
  static final Set<String> TRANSIENT = Set.of("RemoteUnreachable", "ReconcileError");
  /** Waiting for a person's request, as the spec asks (autoDeploy: false): done, not converging. */
  static final Set<String> HELD = Set.of("AwaitingDeployRequest");

  /**
   * Everything one reconcile found. A null condition is left out; {@code serving} is what runs
   * (null: nothing).
   */
  record Report(ConditionValue source, ConditionValue built, ConditionValue database, ConditionValue migrated,
      ConditionValue deployed, ConditionValue ready, String resolvedCommit, Release serving, String url, List<BuildRecord> builds,
      List<ReleaseRecord> releases, DatabaseStatus databaseStatus, Observed observed, Phase phase) {}

  /** The annotation values acted on. */
  record Observed(String refresh, String deploy, String rotation, String releaseRetry) {}

  private EnvironmentStatusAggregator() {}

  static EnvironmentStatus build(Environment environment, Report r, Clock clock) {
    long generation = environment.getMetadata().getGeneration() == null ? 0 : environment.getMetadata().getGeneration();
    EnvironmentStatus previous = environment.getStatus();
    Conditions c = new Conditions(previous == null ? null : previous.getConditions(), generation, clock);
    set(c, ConditionTypes.SOURCE_RESOLVED, r.source());
    set(c, ConditionTypes.BUILT, r.built());
    set(c, ConditionTypes.DATABASE_READY, r.database());
    set(c, ConditionTypes.MIGRATED, r.migrated());
    set(c, ConditionTypes.DEPLOYED, r.deployed());
    set(c, ConditionTypes.READY, r.ready());
    convergence(r).applyTo(c);

    EnvironmentStatus s = new EnvironmentStatus();
    s.setObservedGeneration(generation);
    s.setConditions(c.build());
    s.setResolvedCommit(r.resolvedCommit());
    if (r.serving() != null) {
      s.setDeployedCommit(r.serving().commit());
      s.setShortCommit(r.serving().shortCommit());
      s.setImage(r.serving().image());
      s.setSourceImage(r.serving().promotedFrom());
    }
    s.setUrl(r.url());
    s.setBuilds(r.builds());
    s.setObservedRefresh(r.observed().refresh());
    s.setObservedDeployRequest(r.observed().deploy());
    s.setObservedPasswordRotation(r.observed().rotation());
    s.setObservedReleaseRetry(r.observed().releaseRetry());
    s.setReleases(r.releases());
    s.setDatabase(r.databaseStatus());
    s.setPhase(r.phase());
    return s;
  }

  /**
   * kstatus's view of the report. Ready or Stopped: converged. Failed: Stalled with the first
   * failing condition's reason and message (a failed build is not retried until a new commit or
   * refresh, a failed release command until a retry request, a rollout past its deadline until a
   * new release), except for failures that clear by themselves ({@link #TRANSIENT}), which are
   * Reconciling. Otherwise Reconciling with what the first unfinished step waits for, unless that
   * is a deploy request ({@link #HELD}).
   */
  static Convergence convergence(Report r) {
    if (r.phase() == Phase.Ready || r.phase() == Phase.Stopped) {
      return Convergence.converged();
    }
    List<ConditionValue> steps = new ArrayList<>();
    for (ConditionValue v : new ConditionValue[] {r.source(), r.built(), r.database(), r.migrated(), r.deployed(), r.ready()}) {
      if (v != null) {
        steps.add(v);
      }
    }
    if (r.phase() == Phase.Failed) {
      ConditionValue failure = steps.stream().filter(v -> Conditions.FALSE.equals(v.status())).findFirst()
          .orElse(ConditionValue.no("Failed", "failed"));
      return TRANSIENT.contains(failure.reason())
          ? Convergence.reconciling(failure.reason(), "retrying: " + failure.message())
          : Convergence.stalled(failure.reason(), failure.message());
    }
    ConditionValue waiting = steps.stream().filter(v -> !v.isTrue()).findFirst()
        .orElse(ConditionValue.unknown(r.phase().name(), "phase " + r.phase()));
    return HELD.contains(waiting.reason()) ? Convergence.converged() : Convergence.reconciling(waiting.reason(), waiting.message());
  }

  /**
   * The phase: what the environment is busy with, else Failed when something needs a person,
   * else Ready or Pending.
   */
  static Phase phase(boolean building, boolean migrating, boolean rollingOut, boolean failed, boolean provisioning, boolean ready) {
    return phase(building, migrating, rollingOut, failed, provisioning, false, ready);
  }

  static Phase phase(boolean building, boolean migrating, boolean rollingOut, boolean failed, boolean provisioning, boolean stopped,
      boolean ready) {
    if (building) {
      return Phase.Building;
    }
    if (migrating) {
      return Phase.Migrating;
    }
    if (rollingOut) {
      return Phase.Deploying;
    }
    if (failed) {
      return Phase.Failed;
    }
    if (provisioning) {
      return Phase.Provisioning;
    }
    if (stopped) {
      return Phase.Stopped;
    }
    return ready ? Phase.Ready : Phase.Pending;
  }

  private static void set(Conditions c, String type, ConditionValue v) {
    if (v != null) {
      c.set(type, v.status(), v.reason(), v.message());
    }
  }
}
