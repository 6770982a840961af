package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Live's PodDisruptionBudget: one pod at a time may go during node drains. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_SELECTOR))
public class WebDisruptionBudgetDependent extends CRUDKubernetesDependentResource<PodDisruptionBudget, Environment> {

  public WebDisruptionBudgetDependent() {
    super(PodDisruptionBudget.class);
  }

  @Override
  protected PodDisruptionBudget desired(Environment environment, Context<Environment> context) {
    return WebResources.podDisruptionBudget(WebPlan.from(context));
  }

  /** Reconcile precondition: live stage with at least two replicas. */
  public static class Wanted implements Condition<PodDisruptionBudget, Environment> {
    @Override
    public boolean isMet(DependentResource<PodDisruptionBudget, Environment> dependent, Environment primary,
        Context<Environment> context) {
      return WebPlan.from(context).wantsDisruptionBudget();
    }
  }
}
