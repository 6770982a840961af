package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The ClusterIP Service in front of the web pods. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class WebServiceDependent extends CRUDKubernetesDependentResource<Service, Environment> {

  public WebServiceDependent() {
    super(Service.class);
  }

  @Override
  protected Service desired(Environment environment, Context<Environment> context) {
    return WebResources.service(WebPlan.from(context));
  }
}
