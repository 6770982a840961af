package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** The Ingress for the environment's host names; none (and deleted) when it has no host. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class WebIngressDependent extends CRUDKubernetesDependentResource<Ingress, Environment> {

  public WebIngressDependent() {
    super(Ingress.class);
  }

  @Override
  protected Ingress desired(Environment environment, Context<Environment> context) {
    return WebResources.ingress(WebPlan.from(context));
  }

  /** Reconcile precondition: only when there is a host to serve. */
  public static class Wanted implements Condition<Ingress, Environment> {
    @Override
    public boolean isMet(DependentResource<Ingress, Environment> dependent, Environment primary, Context<Environment> context) {
      return WebPlan.from(context).wantsIngress();
    }
  }
}
