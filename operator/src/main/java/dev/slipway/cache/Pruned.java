package dev.slipway.cache;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.status.ConditionTypes;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.util.HashMap;
import java.util.Map;

/**
 * What the informer caches keep of an object. The operator holds every Environment, Project and
 * Job in memory; the server's bookkeeping in {@code metadata.managedFields} (and a kubectl
 * last-applied copy of the object) is often bigger than the object itself and nothing here reads
 * it, so it is dropped as objects enter a cache. Caches whose objects are compared by server-side
 * apply's matcher (which reads managedFields) keep them: those are the Environment controller's
 * Deployments, Services, Ingresses and PodDisruptionBudgets.
 */
public final class Pruned {

  public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  private static final java.util.Set<String> PROJECT_VIEW_CONDITIONS =
      java.util.Set.of(ConditionTypes.READY, ConditionTypes.RECONCILING, ConditionTypes.STALLED);

  private Pruned() {}

  /** Drops managedFields and the last-applied annotation, in place; returns the object. */
  public static <T extends HasMetadata> T withoutBookkeeping(T object) {
    ObjectMeta meta = object.getMetadata();
    if (meta != null) {
      meta.setManagedFields(null);
      Map<String, String> annotations = meta.getAnnotations();
      if (annotations != null && annotations.containsKey(LAST_APPLIED)) {
        Map<String, String> kept = new HashMap<>(annotations);
        kept.remove(LAST_APPLIED);
        meta.setAnnotations(kept);
      }
    }
    return object;
  }

  /**
   * An Environment as the Project controller needs it: identity, labels and owners, the spec (to
   * compare with what the mapping wants) and the part of the status a Project reports (observed
   * generations, phase, Ready, Reconciling, Stalled, URL, commit). Build and release histories stay
   * in the Environment controller's cache only.
   */
  public static Environment projectView(Environment environment) {
    withoutBookkeeping(environment);
    EnvironmentStatus full = environment.getStatus();
    if (full != null) {
      EnvironmentStatus summary = new EnvironmentStatus();
      summary.setObservedGeneration(full.getObservedGeneration());
      summary.setObservedProjectGeneration(full.getObservedProjectGeneration());
      summary.setPhase(full.getPhase());
      summary.setUrl(full.getUrl());
      summary.setShortCommit(full.getShortCommit());
      summary.setConditions(full.getConditions() == null ? null
          : full.getConditions().stream().filter(c -> PROJECT_VIEW_CONDITIONS.contains(c.getType())).toList());
      summary.setBuilds(null);
      summary.setReleases(null);
      environment.setStatus(summary);
    }
    return environment;
  }

  /** An informer store without managedFields (for {@code @Informer(itemStore = ...)}). */
  public static class Store<T extends HasMetadata> extends TransformingItemStore<T> {
    public Store() {
      super(Pruned::withoutBookkeeping);
    }
  }

  /** The Project controller's store of Environments: {@link #projectView}. */
  public static class ProjectViewStore extends TransformingItemStore<Environment> {
    public ProjectViewStore() {
      super(Pruned::projectView);
    }
  }
}
