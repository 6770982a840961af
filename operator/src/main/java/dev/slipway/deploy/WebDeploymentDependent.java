package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The environment's web Deployment, applied with server-side apply. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.WEB_SELECTOR))
public class WebDeploymentDependent extends CRUDKubernetesDependentResource<Deployment, Environment> {

  /** The name of its event source (the workflow's dependent name), for reading it apart from the process Deployments. */
  public static final String NAME = "deployment";

  public WebDeploymentDependent() {
    super(Deployment.class);
  }

  @Override
  protected Deployment desired(Environment environment, Context<Environment> context) {
    return WebResources.deployment(WebPlan.from(context));
  }
}
