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
import java.time.Clock;
import java.util.List;

/**
 * Builds an Environment's status in one place, from what the reconcile's steps reported:
 * conditions in a fixed order, the phase that summarizes them, and the fields `kubectl get env`
 * shows.
 */
final class EnvironmentStatusAggregator {

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
