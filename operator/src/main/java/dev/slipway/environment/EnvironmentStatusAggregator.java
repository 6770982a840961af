package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import java.time.Clock;

/**
 * Builds an Environment's status in one place: conditions in a fixed order, the phase that
 * summarizes them, and the fields `kubectl get env` shows.
 */
final class EnvironmentStatusAggregator {

  private EnvironmentStatusAggregator() {}

  static EnvironmentStatus build(Environment environment, Progress p, Clock clock) {
    long generation = environment.getMetadata().getGeneration() == null ? 0 : environment.getMetadata().getGeneration();
    EnvironmentStatus previous = environment.getStatus();
    Conditions c = new Conditions(previous == null ? null : previous.getConditions(), generation, clock);
    set(c, ConditionTypes.SOURCE_RESOLVED, p.source);
    set(c, ConditionTypes.BUILT, p.built);
    set(c, ConditionTypes.DATABASE_READY, p.database);
    set(c, ConditionTypes.MIGRATED, p.migrated);
    set(c, ConditionTypes.DEPLOYED, p.deployed);
    set(c, ConditionTypes.READY, p.ready);

    EnvironmentStatus s = new EnvironmentStatus();
    s.setObservedGeneration(generation);
    s.setConditions(c.build());
    s.setResolvedCommit(p.resolvedCommit);
    if (p.release != null) {
      s.setDeployedCommit(p.release.commit());
      s.setShortCommit(p.release.shortCommit());
      s.setImage(p.release.image());
    }
    s.setUrl(p.url);
    s.setBuilds(p.builds);
    s.setObservedRefresh(p.observedRefresh);
    s.setObservedDeployRequest(p.observedDeployRequest);
    s.setObservedPasswordRotation(p.observedPasswordRotation);
    s.setReleases(p.releases);
    s.setDatabase(p.databaseStatus);
    s.setPhase(phase(p));
    return s;
  }

  static Phase phase(Progress p) {
    if (p.building) {
      return Phase.Building;
    }
    if (p.migrating) {
      return Phase.Migrating;
    }
    if (p.rollingOut) {
      return Phase.Deploying;
    }
    if (p.failed) {
      return Phase.Failed;
    }
    if (p.provisioning) {
      return Phase.Provisioning;
    }
    if (p.ready != null && "True".equals(p.ready.status())) {
      return Phase.Ready;
    }
    return Phase.Pending;
  }

  private static void set(Conditions c, String type, Progress.Value v) {
    if (v != null) {
      c.set(type, v.status(), v.reason(), v.message());
    }
  }
}
