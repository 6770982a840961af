package dev.slipway.project;

import dev.slipway.Labels;
import dev.slipway.OwnerReferences;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.Project;
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
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
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

  @Override
  public Map<ResourceID, Environment> getSecondaryResources(Project project, Context<Project> context) {
    String name = project.getMetadata().getName();
    return context.getSecondaryResourcesAsStream(Environment.class)
        .filter(e -> name.equals(e.getMetadata().getLabels().get(Labels.PROJECT)))
        .collect(Collectors.toMap(ResourceID::fromResource, e -> e, (a, b) -> a));
  }
}
