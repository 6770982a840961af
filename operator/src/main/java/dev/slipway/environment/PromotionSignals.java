package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Wakes the Environments that promote from an Environment whose promotable state (image, deployed
 * commit, Ready) the reconciler has just written. This replaces a second informer on Environments
 * (a full second copy of each one in memory): the source is read from the controller's own cache,
 * and only this controller writes an Environment's status, so its own writes are all the news
 * there is. Targets are found through an index of the primary cache, not a scan.
 */
final class PromotionSignals extends AbstractEventSource<Void, Environment> {

  /** Index of the primary cache: namespace/project/source-environment of every promoted Environment. */
  static final String BY_SOURCE = "promote-from";

  PromotionSignals() {
    super(Void.class, "promotion-signals");
  }

  static List<String> sourceKey(Environment e) {
    return e.getSpec() == null || e.getSpec().getPromoteFrom() == null ? List.of()
        : List.of(key(e.getMetadata().getNamespace(), e.getSpec().getProject(), e.getSpec().getPromoteFrom()));
  }

  private static String key(String namespace, String project, String environment) {
    return namespace + "/" + project + "/" + environment;
  }

  /** Whether a promoted Environment could decide differently after this status change of its source. */
  static boolean promotableChanged(EnvironmentStatus before, EnvironmentStatus after) {
    if (before == null || after == null) {
      return before != after;
    }
    return !Objects.equals(before.getImage(), after.getImage())
        || !Objects.equals(before.getDeployedCommit(), after.getDeployedCommit())
        || Conditions.isTrue(before.getConditions(), ConditionTypes.READY) != Conditions.isTrue(after.getConditions(), ConditionTypes.READY);
  }

  /** Reconciles every Environment promoting from {@code source}. */
  void sourceChanged(HasMetadata source, IndexedResourceCache<Environment> primaries) {
    if (!isRunning() || !(source instanceof Environment env) || env.getSpec() == null) {
      return;
    }
    for (Environment target : primaries.byIndex(BY_SOURCE,
        key(env.getMetadata().getNamespace(), env.getSpec().getProject(), env.getSpec().getEnvironment()))) {
      getEventHandler().handleEvent(new Event(ResourceID.fromResource(target)));
    }
  }

  @Override
  public Set<Void> getSecondaryResources(Environment primary) {
    return Set.of();
  }
}
