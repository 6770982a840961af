package dev.slipway.environment;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.backup.RestoreHold;
import dev.slipway.config.OperatorConfig;
import dev.slipway.api.v1alpha1.ProcessSpec;
import dev.slipway.api.v1alpha1.CronStatus;
import dev.slipway.api.v1alpha1.ProcessStatus;
import dev.slipway.deploy.CronJobResources;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import dev.slipway.deploy.ProcessResources;
import dev.slipway.deploy.Release;
import dev.slipway.deploy.WebPlan;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.EventReason;
import dev.slipway.status.EventRecorder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
      boolean scaledToZero, List<ProcessStatus> processes, List<CronStatus> cron) {

    Outcome(ConditionValue deployed, ConditionValue ready, boolean complete, String url, boolean started, boolean failed,
        boolean scaledToZero) {
      this(deployed, ready, complete, url, started, failed, scaledToZero, List.of(), List.of());
    }
  }

  private final OperatorConfig config;
  private final EventRecorder events;

  RolloutStep(OperatorConfig config, EventRecorder events) {
    this.config = config;
    this.events = events;
  }

  /**
   * Applies the web objects for {@code serve} and says how far the rollout came, with an Event
   * when it starts, and when it finishes or fails (once: not again while the status says so).
   */
  Outcome apply(Environment environment, Project project, Release serve, DatabaseStep.Outcome database, EnvironmentStatus previous,
      Context<Environment> context) {
    Outcome rollout = rollOut(environment, project, serve, database, context);
    String running = serve.shortCommit() + " (" + serve.image() + ")";
    if (rollout.started()) {
      events.normal(environment, EventReason.RolloutStarted, "rolling out " + running);
    }
    if (rollout.complete() && !rollout.scaledToZero()) {
      boolean wasReady = Conditions.isTrue(previous.getConditions(), ConditionTypes.READY) && serve.image().equals(previous.getImage());
      if (!wasReady) {
        events.normal(environment, EventReason.RolloutFinished, "running " + running + ": " + rollout.ready().message());
      }
    }
    if (rollout.failed()) {
      boolean wasFailed = Conditions.find(previous.getConditions(), ConditionTypes.READY)
          .map(c -> rollout.ready().reason().equals(c.getReason())).orElse(false);
      if (!wasFailed) {
        events.warning(environment, EventReason.RolloutFailed, rollout.ready().message());
      }
    }
    return rollout;
  }

  private Outcome rollOut(Environment environment, Project project, Release serve, DatabaseStep.Outcome database,
      Context<Environment> context) {
    Optional<Deployment> existing = webDeployment(environment, context);
    boolean started = existing.map(d -> !serve.image().equals(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()))
        .orElse(true);
    WebPlan plan = WebPlan.of(environment, project, serve, config, database.db().secretName(),
        credentialsVersion(database, existing.orElse(null)));
    context.managedWorkflowAndDependentResourceContext().put(WebPlan.CONTEXT_KEY, plan);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow().throwAggregateExceptionIfErrorsPresent();

    Rollout web = Rollout.of(webDeployment(environment, context).orElse(null), serve.image());
    Map<String, Rollout> processes = processRollouts(plan, serve, context);
    List<ProcessStatus> statuses = processes.entrySet().stream()
        .map(e -> new ProcessStatus(e.getKey(), e.getValue().desired(), e.getValue().available(), e.getValue().complete(),
            e.getValue().message()))
        .toList();
    Rollout rollout = withProcesses(web, processes, plan, serve, context);
    Map<String, CronJob> cronJobs = new HashMap<>();
    context.getSecondaryResources(CronJob.class).forEach(c -> cronJobs.put(c.getMetadata().getName(), c));
    List<CronStatus> cron = CronJobResources.statuses(plan, cronJobs, java.time.Instant.now());
    String running = serve.shortCommit() + " (" + serve.image() + ")";
    if (rollout.scaledToZero() && rollout.complete()) {
      ConditionValue ready = RestoreHold.unsanitizedMessage(environment).map(why -> ConditionValue.no(Reasons.Ready.UnsanitizedData, why))
          .orElse(ConditionValue.no(Reasons.Ready.ScaledToZero, rollout.message() + " (replicas: 0)"));
      return new Outcome(ConditionValue.yes(Reasons.Deployed.ScaledToZero, "runs " + running + " with 0 replicas"), ready, true, plan.url(), started,
          false, true, statuses, cron);
    }
    if (rollout.complete()) {
      return new Outcome(ConditionValue.yes(Reasons.Deployed.RolledOut, "runs " + running),
          ConditionValue.yes(Reasons.Ready.Available, rollout.message() + " at " + plan.url()), true, plan.url(), started, false, false, statuses, cron);
    }
    if (rollout.failed()) {
      String why = PodTrouble.describe(context.getClient(), plan.namespace(), plan.selector(), serve.image());
      String message = rollout.message() + (why.isEmpty() ? "" : ": " + why)
          + (rollout.available() > 0 ? "; the pods of the previous version keep serving" : "");
      return new Outcome(ConditionValue.no(Reasons.Deployed.RolloutFailed, "rolling out " + running + " failed: " + message),
          ConditionValue.no(Reasons.Ready.ProgressDeadlineExceeded, message), false, plan.url(), started, true, false, statuses, cron);
    }
    return new Outcome(ConditionValue.no(Reasons.Deployed.RollingOut, "rolling out " + running + ": " + rollout.message()),
        ConditionValue.no(Reasons.Ready.RollingOut, rollout.message()), false, plan.url(), started, false, false, statuses, cron);
  }

  /** The web Deployment among the environment's Deployments (the process types have their own, named after them). */
  private static Optional<Deployment> webDeployment(Environment environment, Context<Environment> context) {
    return context.getSecondaryResources(Deployment.class).stream()
        .filter(d -> environment.getMetadata().getName().equals(d.getMetadata().getName())).findFirst();
  }

  /** Each process type's rollout of {@code serve}, by process name, in spec order. */
  private static Map<String, Rollout> processRollouts(WebPlan plan, Release serve, Context<Environment> context) {
    List<ProcessSpec> processes = ProcessResources.processes(plan);
    Map<String, Rollout> result = new LinkedHashMap<>();
    if (processes.isEmpty()) {
      return result;
    }
    Map<String, Deployment> found = new HashMap<>();
    context.getSecondaryResources(Deployment.class).stream()
        .filter(d -> d.getMetadata().getLabels() != null && Labels.PROCESS.equals(d.getMetadata().getLabels().get(Labels.COMPONENT)))
        .forEach(d -> found.put(d.getMetadata().getName(), d));
    for (ProcessSpec p : processes) {
      result.put(p.getName(), Rollout.of(found.get(ProcessResources.name(plan, p.getName())), serve.image()));
    }
    return result;
  }

  /**
   * The web rollout and every process type's together: a release is rolled out only when each
   * process runs it; failed when any of them made no progress within its deadline. The message
   * names the processes not there yet.
   */
  private static Rollout withProcesses(Rollout web, Map<String, Rollout> processes, WebPlan plan, Release serve,
      Context<Environment> context) {
    if (processes.isEmpty()) {
      return web;
    }
    List<String> waiting = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    processes.forEach((name, r) -> {
      if (r.failed()) {
        failed.add(name + ": " + r.message());
      } else if (!r.complete()) {
        waiting.add(name + ": " + r.message());
      }
    });
    if (!failed.isEmpty()) {
      String why = PodTrouble.describe(context.getClient(), plan.namespace(), Map.of(Labels.COMPONENT, Labels.PROCESS,
          Labels.PROJECT, plan.project(), Labels.ENVIRONMENT, plan.environment()), serve.image());
      return new Rollout(false, true, false, web.available(), web.desired(),
          "web: " + web.message() + "; " + String.join("; ", failed) + (why.isEmpty() ? "" : " (" + why + ")"));
    }
    if (web.failed() || waiting.isEmpty()) {
      return web;
    }
    return new Rollout(false, false, false, web.available(), web.desired(), "web: " + web.message() + "; " + String.join("; ", waiting));
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
