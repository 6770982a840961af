package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;

/**
 * Reconciles one Environment. This first version records that the environment was seen
 * (observedGeneration, phase Pending); resolving, building and deploying come next.
 */
@ControllerConfiguration(name = EnvironmentReconciler.NAME)
public class EnvironmentReconciler implements Reconciler<Environment> {

  public static final String NAME = "environment";

  private final Clock clock;

  public EnvironmentReconciler() {
    this(Clock.systemUTC());
  }

  public EnvironmentReconciler(Clock clock) {
    this.clock = clock;
  }

  @Override
  public UpdateControl<Environment> reconcile(Environment environment, Context<Environment> context) {
    long generation = environment.getMetadata().getGeneration() == null ? 0 : environment.getMetadata().getGeneration();
    EnvironmentStatus previous = environment.getStatus();
    EnvironmentStatus status = new EnvironmentStatus();
    status.setObservedGeneration(generation);
    status.setPhase(Phase.Pending);
    status.setConditions(new Conditions(previous == null ? null : previous.getConditions(), generation, clock)
        .set(ConditionTypes.READY, false, "NotDeployed", "nothing is deployed yet")
        .build());
    if (Statuses.sameContent(previous, status)) {
      return UpdateControl.noUpdate();
    }
    Environment patch = new Environment();
    patch.setMetadata(new ObjectMetaBuilder()
        .withName(environment.getMetadata().getName())
        .withNamespace(environment.getMetadata().getNamespace())
        .build());
    patch.setStatus(status);
    return UpdateControl.patchStatus(patch);
  }
}
