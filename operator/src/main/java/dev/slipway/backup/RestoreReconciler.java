package dev.slipway.backup;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestoreStatus;
import dev.slipway.backup.RestoreFacts.JobRun;
import dev.slipway.backup.RestoreSteps.Action;
import dev.slipway.backup.RestoreSteps.Decision;
import dev.slipway.config.OperatorConfig;
import dev.slipway.status.Conditions;
import dev.slipway.status.EventRecorder;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a Restore: each reconcile looks at the cluster ({@link #look}), lets {@link RestoreSteps}
 * decide, does what it decided ({@link #act}) and writes the status. Every step is read back from
 * the cluster each time, so a restarted operator continues where it was. Restores are rare:
 * waiting is a reschedule, not an informer.
 */
@ControllerConfiguration(name = RestoreReconciler.NAME)
public class RestoreReconciler implements Reconciler<Restore>, Cleaner<Restore> {

  public static final String NAME = "restore";

  private static final List<String> STEPS = List.of(RestoreJobs.RESTORE, RestoreJobs.RELEASE, RestoreJobs.SANITIZE);

  private final OperatorConfig config;
  private final Optional<BackupStore> store;
  private final EventRecorder events;
  private final Clock clock;

  public RestoreReconciler(OperatorConfig config, Optional<BackupStore> store, EventRecorder events, Clock clock) {
    this.config = config;
    this.store = store;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public UpdateControl<Restore> reconcile(Restore restore, Context<Restore> context) {
    RestoreStatus previous = restore.getStatus() == null ? new RestoreStatus() : restore.getStatus();
    if (previous.getPhase() != null && previous.getPhase().done()) {
      return UpdateControl.noUpdate();
    }
    RestoreFacts facts = look(restore, previous, context.getClient());
    Decision decision = RestoreSteps.decide(facts, conditions(restore, previous));
    act(decision.actions(), facts, context.getClient());
    if (!Statuses.sameContent(previous, decision.status())) {
      decision.status().setObservedGeneration(generation(restore));
      Statuses.applyAndCache(restore, Statuses.statusOnly(restore, Restore::new, decision.status()), context);
    }
    return decision.again() == null ? UpdateControl.noUpdate() : UpdateControl.<Restore>noUpdate().rescheduleAfter(decision.again());
  }

  /** A Restore deleted mid-way lets its target go only once its own Jobs have stopped (pg_restore may still write). */
  @Override
  public DeleteControl cleanup(Restore restore, Context<Restore> context) {
    RestoreStatus previous = restore.getStatus() == null ? new RestoreStatus() : restore.getStatus();
    RestoreFacts facts = look(restore, previous, context.getClient());
    RestoreSteps.Cleanup cleanup = RestoreSteps.cleanup(facts, conditions(restore, previous));
    act(cleanup.actions(), facts, context.getClient());
    return cleanup.waiting() ? DeleteControl.noFinalizerRemoval().rescheduleAfter(RestoreSteps.POLL) : DeleteControl.defaultDelete();
  }

  /** Everything the steps decide from, read from the API server (not from caches: a Restore must not act on stale objects). */
  private RestoreFacts look(Restore restore, RestoreStatus status, KubernetesClient client) {
    String namespace = restore.getMetadata().getNamespace();
    Environment target = environment(client, namespace, restore.getSpec().getEnvironment());
    Project project = target == null ? null : client.resources(Project.class).inNamespace(namespace).withName(target.getSpec().getProject()).get();
    String fromEnvironment = restore.getSpec().getFrom().getEnvironment();
    Environment sourceEnvironment = fromEnvironment == null ? null : environment(client, namespace, fromEnvironment);
    String sourceName = status.getSourceBackup() != null ? status.getSourceBackup()
        : fromEnvironment != null ? RestoreBackups.name(restore, RestoreBackups.SOURCE) : restore.getSpec().getFrom().getBackup();
    Backup source = backup(client, namespace, sourceName);
    Environment sourceOf = source == null || source.getSpec() == null ? null
        : source.getSpec().getEnvironment().equals(restore.getSpec().getEnvironment()) ? target
        : environment(client, namespace, source.getSpec().getEnvironment());
    Backup safety = backup(client, namespace, RestoreBackups.name(restore, RestoreBackups.SAFETY));
    String holder = target == null ? null : RestoreHold.holder(target).orElse(null);
    Restore otherHolder = holder == null || holder.equals(restore.getMetadata().getName()) ? null
        : client.resources(Restore.class).inNamespace(namespace).withName(holder).get();
    Deployment web = target == null ? null : client.apps().deployments().inNamespace(namespace)
        .withField("metadata.name", target.getMetadata().getName()).list().getItems().stream().findFirst().orElse(null);
    List<Pod> writers = target == null ? List.of() : client.pods().inNamespace(namespace).withLabels(RestoreHold.podLabels(target)).list()
        .getItems().stream().filter(RestoreHold::writer).toList();
    // Release Jobs and scheduled runs write to the database: the ones running are stopped (a run can
    // take an hour; suspending its CronJob, which the hold does, starts no new one but ends none).
    List<Job> runningReleases = target == null ? List.of() : client.batch().v1().jobs().inNamespace(namespace)
        .withLabels(RestoreHold.podLabels(target)).list().getItems().stream()
        .filter(j -> STOPPED_JOBS.contains(component(j)) && result(j) == JobRun.Result.RUNNING).toList();
    // The hold suspends them (the Environment's rollout applies it): the safety Backup waits for that.
    List<String> unsuspendedSchedules = target == null ? List.of() : client.batch().v1().cronjobs().inNamespace(namespace)
        .withLabels(RestoreHold.podLabels(target)).list().getItems().stream()
        .filter(c -> c.getSpec() == null || !Boolean.TRUE.equals(c.getSpec().getSuspend())).map(c -> c.getMetadata().getName()).toList();
    Map<String, JobRun> jobs = new LinkedHashMap<>();
    for (String step : STEPS) {
      job(client, namespace, RestoreJobs.name(restore, step)).ifPresent(j -> jobs.put(step, run(j, client)));
    }
    List<Pod> ownPods = client.pods().inNamespace(namespace).withLabels(ownPodLabels(restore)).list().getItems().stream()
        .filter(RestoreHold::runs).toList();
    return new RestoreFacts(restore, status, clock.instant(), store.isPresent(), target, project, sourceEnvironment, source, sourceOf,
        safety, otherHolder, web, writers, runningReleases, unsuspendedSchedules, jobs, ownPods);
  }

  /** Does what the steps decided, in order. */
  private void act(List<Action> actions, RestoreFacts facts, KubernetesClient client) {
    Restore restore = facts.restore();
    Environment target = facts.target();
    for (Action action : actions) {
      if (action instanceof Action.TakeBackup take) {
        create(client, take.backup());
      } else if (action instanceof Action.Hold) {
        RestoreHold.place(client, target, restore.getMetadata().getName());
      } else if (action instanceof Action.Stop stop) {
        stop.jobs().forEach(j -> delete(client, j));
      } else if (action instanceof Action.Load load) {
        BackupStore.Transfer transfer = store.orElseThrow().download(DumpJob.objectKey(load.source()),
            config.backup().timeout().plus(BackupReconciler.URL_MARGIN));
        client.resource(RestoreJobs.transferSecret(restore, transfer)).forceConflicts().serverSideApply();
        create(client, RestoreJobs.restore(restore, target, target.getStatus().getImage(), RestoreSteps.databaseSecret(target), transfer, config));
      } else if (action instanceof Action.Run run) {
        create(client, RestoreJobs.command(restore, run.step(), facts.web(), run.command(), config));
      } else if (action instanceof Action.Spend) {
        spend(client, restore);
      } else if (action instanceof Action.Lift lift) {
        RestoreHold.lift(client, target, restore.getMetadata().getName(), lift.unsanitizedFrom(), clock.instant());
      } else if (action instanceof Action.Tell tell) {
        HasMetadata about = target != null ? target : restore;
        if (tell.warning()) {
          events.warning(about, tell.reason(), tell.message());
        } else {
          events.normal(about, tell.reason(), tell.message());
        }
      }
    }
  }

  private Conditions conditions(Restore restore, RestoreStatus previous) {
    return new Conditions(previous.getConditions(), generation(restore), clock);
  }

  private static void delete(KubernetesClient client, Job job) {
    try {
      client.resource(job).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /** The target's Jobs a Restore stops when they run: its release Jobs and its scheduled jobs' runs. */
  private static final java.util.Set<String> STOPPED_JOBS = java.util.Set.of(Labels.MIGRATE, Labels.CRON);

  private static String component(Job job) {
    Map<String, String> labels = job.getMetadata().getLabels();
    return labels == null ? null : labels.get(Labels.COMPONENT);
  }

  private static Map<String, String> ownPodLabels(Restore restore) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.COMPONENT, Labels.RESTORE);
    labels.put(Labels.RESTORE_NAME, restore.getMetadata().getName());
    return labels;
  }

  private static Environment environment(KubernetesClient client, String namespace, String name) {
    return client.resources(Environment.class).inNamespace(namespace).withName(name).get();
  }

  private static Backup backup(KubernetesClient client, String namespace, String name) {
    return name == null ? null : client.resources(Backup.class).inNamespace(namespace).withName(name).get();
  }

  /** The Restore's Jobs are listed by name (the operator may list Jobs, not get them by name). */
  private static Optional<Job> job(KubernetesClient client, String namespace, String name) {
    return client.batch().v1().jobs().inNamespace(namespace).withField("metadata.name", name).list().getItems().stream().findFirst();
  }

  private static JobRun run(Job job, KubernetesClient client) {
    JobRun.Result result = result(job);
    String message = result == JobRun.Result.FAILED ? BackupReconciler.failure(job, client).message() : null;
    return new JobRun(job, result, message);
  }

  private static JobRun.Result result(Job job) {
    var cs = job.getStatus() == null || job.getStatus().getConditions() == null ? List.<io.fabric8.kubernetes.api.model.batch.v1.JobCondition>of()
        : job.getStatus().getConditions();
    if (cs.stream().anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()))) {
      return JobRun.Result.SUCCEEDED;
    }
    if (cs.stream().anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()))) {
      return JobRun.Result.FAILED;
    }
    return JobRun.Result.RUNNING;
  }

  private static void create(KubernetesClient client, HasMetadata object) {
    try {
      client.resource(object).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /** The transfer URL is no longer needed once the restore Job finished: the Secret keeps no data. */
  private static void spend(KubernetesClient client, Restore restore) {
    try {
      client.resource(RestoreJobs.spentTransferSecret(restore)).forceConflicts().serverSideApply();
    } catch (KubernetesClientException ignored) {
      // the URL expires anyway
    }
  }

  private static long generation(Restore r) {
    return r.getMetadata().getGeneration() == null ? 0 : r.getMetadata().getGeneration();
  }
}
