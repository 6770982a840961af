package dev.slipway.environment;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.backup.RestoreHold;
import dev.slipway.config.OperatorConfig;
import dev.slipway.deploy.Release;
import dev.slipway.deploy.WebPlan;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Optional;

/**
 * Rollout: the web objects (Deployment, Service, Ingress, PodDisruptionBudget; the workflow's
 * dependents, applied with server-side apply) for the release that should serve, and how far the
 * Deployment has come with it.
 */
final class RolloutStep {

  /**
   * The Ready condition, the Deployed condition when the rollout decides it, and the URL.
   * {@code started}: this reconcile changed the Deployment's image (or made it), judged from the
   * Deployment itself, which is fresh even when the Environment read was not. {@code failed}: the
   * Deployment's progress deadline passed; {@code scaledToZero}: replicas 0, nothing serves.
   */
  record Outcome(ConditionValue deployed, ConditionValue ready, boolean complete, String url, boolean started, boolean failed,
      boolean scaledToZero) {}

  private final OperatorConfig config;

  RolloutStep(OperatorConfig config) {
    this.config = config;
  }

  Outcome apply(Environment environment, Project project, Release serve, DatabaseStep.Outcome database, Context<Environment> context) {
    Optional<Deployment> existing = context.getSecondaryResource(Deployment.class);
    boolean started = existing.map(d -> !serve.image().equals(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()))
        .orElse(true);
    WebPlan plan = WebPlan.of(environment, project, serve, config, database.db().secretName(),
        credentialsVersion(database, existing.orElse(null)));
    context.managedWorkflowAndDependentResourceContext().put(WebPlan.CONTEXT_KEY, plan);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow().throwAggregateExceptionIfErrorsPresent();

    Rollout rollout = Rollout.of(context.getSecondaryResource(Deployment.class).orElse(null), serve.image());
    String running = serve.shortCommit() + " (" + serve.image() + ")";
    if (rollout.scaledToZero() && rollout.complete()) {
      ConditionValue ready = RestoreHold.unsanitizedMessage(environment).map(why -> ConditionValue.no("UnsanitizedData", why))
          .orElse(ConditionValue.no("ScaledToZero", rollout.message() + " (replicas: 0)"));
      return new Outcome(ConditionValue.yes("ScaledToZero", "runs " + running + " with 0 replicas"), ready, true, plan.url(), started,
          false, true);
    }
    if (rollout.complete()) {
      return new Outcome(ConditionValue.yes("RolledOut", "runs " + running),
          ConditionValue.yes("Available", rollout.message() + " at " + plan.url()), true, plan.url(), started, false, false);
    }
    if (rollout.failed()) {
      String why = PodTrouble.describe(context.getClient(), plan.namespace(), plan.selector(), serve.image());
      String message = rollout.message() + (why.isEmpty() ? "" : ": " + why)
          + (rollout.available() > 0 ? "; the pods of the previous version keep serving" : "");
      return new Outcome(ConditionValue.no("RolloutFailed", "rolling out " + running + " failed: " + message),
          ConditionValue.no("ProgressDeadlineExceeded", message), false, plan.url(), started, true, false);
    }
    return new Outcome(ConditionValue.no("RollingOut", "rolling out " + running + ": " + rollout.message()),
        ConditionValue.no("RollingOut", rollout.message()), false, plan.url(), started, false, false);
  }

  /**
   * Which database password the pods run with: the one the database has; while a new one is not
   * applied yet, whatever the pods run with now (they restart once the database has it).
   */
  private static String credentialsVersion(DatabaseStep.Outcome database, Deployment existing) {
    if (!database.db().needed()) {
      return null;
    }
    if (database.db().credentialsVersion() != null) {
      return database.db().credentialsVersion();
    }
    if (existing == null || existing.getSpec().getTemplate().getMetadata() == null
        || existing.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
      return null;
    }
    return existing.getSpec().getTemplate().getMetadata().getAnnotations().get(Annotations.DATABASE_CREDENTIALS);
  }
}
