package dev.slipway.project;

import dev.slipway.Labels;
import dev.slipway.OwnerReferences;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.cache.Pruned;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import java.util.List;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.BulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Environments of a Project, one per mapping entry, keyed by environment name. They carry
 * an owner reference to the Project, so deleting the Project deletes them through the garbage
 * collector; an entry removed from the mapping is deleted here. Keyed by object name.
 */
// The Project controller's own cache of Environments keeps only what a Project reads and reports
// (Pruned.projectView): the full objects live once, in the Environment controller's cache.
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR, itemStore = Pruned.ProjectViewStore.class))
public class EnvironmentsDependent extends CRUDKubernetesDependentResource<Environment, Project>
    implements BulkDependentResource<Environment, Project, ResourceID> {

  public EnvironmentsDependent() {
    super(Environment.class);
  }

  @Override
  public Map<ResourceID, Environment> desiredResources(Project project, Context<Project> context) {
    Map<ResourceID, Environment> desired = new LinkedHashMap<>();
    DatabaseMode defaultMode = context.managedWorkflowAndDependentResourceContext()
        .get(ProjectReconciler.DEFAULT_DATABASE_MODE, DatabaseMode.class).orElse(DatabaseMode.DEDICATED);
    for (EnvironmentSpec spec : EnvironmentMapping.environmentSpecs(project, defaultMode)) {
      Environment env = OwnerReferences.controlledBy(EnvironmentMapping.toEnvironment(project, spec), project);
      desired.put(ResourceID.fromResource(env), env);
    }
    return desired;
  }

  /**
   * Up to date when the spec is the one the mapping gives and our labels and owner reference are
   * there. Compared directly rather than by server-side apply's matcher, which needs the
   * managedFields the cache does not keep; the spec is written by this dependent only and the
   * CRD sets no defaults, so equal JSON means nothing to apply.
   */
  @Override
  public Matcher.Result<Environment> match(Environment actual, Environment desired, Project primary, Context<Project> context) {
    boolean same = EnvironmentMapping.sameSpec(desired.getSpec(), actual.getSpec())
        && contains(actual.getMetadata().getLabels(), desired.getMetadata().getLabels())
        && (actual.getMetadata().getOwnerReferences() == null ? List.of() : actual.getMetadata().getOwnerReferences())
            .containsAll(desired.getMetadata().getOwnerReferences() == null ? List.of() : desired.getMetadata().getOwnerReferences());
    return Matcher.Result.computed(same, desired);
  }

  private static boolean contains(Map<String, String> actual, Map<String, String> wanted) {
    return wanted == null || wanted.isEmpty() || (actual != null && actual.entrySet().containsAll(wanted.entrySet()));
  }

  @Override
  public Map<ResourceID, Environment> getSecondaryResources(Project project, Context<Project> context) {
    String name = project.getMetadata().getName();
    return context.getSecondaryResourcesAsStream(Environment.class)
        .filter(e -> name.equals(e.getMetadata().getLabels().get(Labels.PROJECT)))
        .collect(Collectors.toMap(ResourceID::fromResource, e -> e, (a, b) -> a));
  }
}
