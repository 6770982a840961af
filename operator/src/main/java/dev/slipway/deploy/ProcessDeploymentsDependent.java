package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.CRUDKubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.KubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Deployments of the environment's other process types, one per process, applied with
 * server-side apply in the web rollout; one whose process left the spec is deleted.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.PROCESS_SELECTOR))
public class ProcessDeploymentsDependent extends CRUDKubernetesDependentResource<Deployment, Environment>
    implements CRUDKubernetesBulkDependentResource<Deployment, Environment>, KubernetesBulkDependentResource<Deployment, Environment> {

  /** The name of its event source, for reading the Deployments apart from the web one. */
  public static final String NAME = "processes";

  public ProcessDeploymentsDependent() {
    super(Deployment.class);
  }

  @Override
  public Map<ResourceID, Deployment> desiredResources(Environment environment, Context<Environment> context) {
    Map<ResourceID, Deployment> desired = new LinkedHashMap<>();
    for (Deployment d : ProcessResources.deployments(WebPlan.from(context))) {
      desired.put(ResourceID.fromResource(d), d);
    }
    return desired;
  }

  /**
   * Only the process Deployments: the default would take every Deployment of the environment,
   * the web one included, and delete it as a process no longer wanted.
   */
  @Override
  public Map<ResourceID, Deployment> getSecondaryResources(Environment environment, Context<Environment> context) {
    Map<ResourceID, Deployment> found = new LinkedHashMap<>();
    context.getSecondaryResources(Deployment.class).stream()
        .filter(d -> d.getMetadata().getLabels() != null && Labels.PROCESS.equals(d.getMetadata().getLabels().get(Labels.COMPONENT)))
        .forEach(d -> found.put(ResourceID.fromResource(d), d));
    return found;
  }
}
