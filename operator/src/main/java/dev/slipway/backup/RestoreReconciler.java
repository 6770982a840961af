package dev.slipway.backup;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestorePhase;
import dev.slipway.api.v1alpha1.RestoreStatus;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.config.OperatorConfig;
import dev.slipway.deploy.WebPlan;
import dev.slipway.environment.EventRecorder;
import dev.slipway.release.MigrationJob;
import dev.slipway.status.Conditions;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
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
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs a Restore as a sequence of steps, each a condition: the source Backup (a fresh one with
 * {@code from.environment}) and a safety Backup of the target, the target stopped (its web
 * Deployment at zero, releases held, through the {@code slipway.dev/restoring} annotation the
 * Environment controller honours), pg_restore, the target's release command, the Project's
 * sanitize command when the data came from another environment, then serving again. Every step
 * is read back from the cluster on each reconcile, so a restarted operator continues where it
 * was. Restores are rare: waiting is a reschedule, not an informer.
 */
@ControllerConfiguration(name = RestoreReconciler.NAME)
public class RestoreReconciler implements Reconciler<Restore>, Cleaner<Restore> {

  public static final String NAME = "restore";
  static final Duration POLL = Duration.ofSeconds(3);

  static final String SOURCE_BACKUP = "SourceBackup";
  static final String SAFETY_BACKUP = "SafetyBackup";
  static final String STOPPED = "Stopped";
  static final String RESTORED = "Restored";
  static final String MIGRATED = "Migrated";
  static final String SANITIZED = "Sanitized";
  static final String SERVING = "Serving";

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

  /** What one reconcile found: the status to write and when to look again (null: not before an event). */
  private record Step(RestoreStatus status, Duration again) {}

  @Override
  public UpdateControl<Restore> reconcile(Restore restore, Context<Restore> context) {
    RestoreStatus previous = restore.getStatus() == null ? new RestoreStatus() : restore.getStatus();
    if (previous.getPhase() != null && previous.getPhase().done()) {
      return UpdateControl.noUpdate();
    }
    Step step = run(restore, previous, new Conditions(previous.getConditions(), generation(restore), clock), context);
    if (!Statuses.sameContent(previous, step.status())) {
      step.status().setObservedGeneration(generation(restore));
      Statuses.applyAndCache(restore, Statuses.statusOnly(restore, Restore::new, step.status()), context);
    }
    return step.again() == null ? UpdateControl.noUpdate() : UpdateControl.<Restore>noUpdate().rescheduleAfter(step.again());
  }

  private Step run(Restore restore, RestoreStatus previous, Conditions conditions, Context<Restore> context) {
    KubernetesClient client = context.getClient();
    String namespace = restore.getMetadata().getNamespace();
    String targetName = restore.getSpec().getEnvironment();
    conditions.setAll(previous.getConditions());
    Environment target = client.resources(Environment.class).inNamespace(namespace).withName(targetName).get();
    if (target == null) {
      return pending(previous, conditions, "EnvironmentNotFound", "no Environment " + targetName + " in this namespace");
    }
    if (target.getSpec().getStage() == Stage.LIVE && !Boolean.TRUE.equals(restore.getSpec().getAllowLive())) {
      return failed(previous, conditions, target, restore, "LiveNotAllowed", targetName
          + " is a live environment: restoring into it replaces the data it serves; set spec.allowLive: true to do so", false, context);
    }
    if (store.isEmpty()) {
      return failed(previous, conditions, target, restore, "StorageNotConfigured",
          "no backup storage is configured: the platform sets " + OperatorConfig.BACKUP_BUCKET, false, context);
    }
    String databaseSecret = target.getStatus() == null || target.getStatus().getDatabase() == null ? null
        : target.getStatus().getDatabase().getSecretName();
    if (databaseSecret == null || target.getStatus().getImage() == null) {
      return pending(previous, conditions, "NotDeployed", targetName + " has no database or runs no image yet");
    }
    Project project = client.resources(Project.class).inNamespace(namespace).withName(target.getSpec().getProject()).get();
    if (project == null) {
      return pending(previous, conditions, "ProjectNotFound", "no Project " + target.getSpec().getProject());
    }

    if (loaded(conditions)) {
      // A restarted operator, or a reconcile after the hold was removed: nothing to take or load again.
      RestoreStatus next = copy(previous);
      return serve(restore, next, conditions, target, client, previous.getSourceBackup(), previous.getSafetyBackup());
    }

    // 1. The source Backup (taken now with from.environment) and a safety Backup of the target.
    String sourceName = restore.getSpec().getFrom().getBackup();
    if (sourceName == null) {
      String from = restore.getSpec().getFrom().getEnvironment();
      Environment source = client.resources(Environment.class).inNamespace(namespace).withName(from).get();
      if (source == null) {
        return failed(previous, conditions, target, restore, "SourceNotFound", "no Environment " + from + " in this namespace", false, context);
      }
      if (!Objects.equals(source.getSpec().getProject(), target.getSpec().getProject())) {
        return failed(previous, conditions, target, restore, "OtherProject", from + " belongs to Project " + source.getSpec().getProject()
            + ", not " + target.getSpec().getProject(), false, context);
      }
      sourceName = ensureBackup(client, restore, "source", from);
    }
    Backup source = client.resources(Backup.class).inNamespace(namespace).withName(sourceName).get();
    if (source == null) {
      return failed(previous, conditions, target, restore, "BackupNotFound", "no Backup " + sourceName + " in this namespace", false, context);
    }
    String sourceEnvironment = source.getSpec().getEnvironment();
    if (!sameProject(client, namespace, sourceEnvironment, target)) {
      return failed(previous, conditions, target, restore, "OtherProject", "Backup " + sourceName + " is of " + sourceEnvironment
          + ", which is not an environment of Project " + target.getSpec().getProject(), false, context);
    }
    String safetyName = ensureBackup(client, restore, "safety", targetName);
    RestoreStatus next = copy(previous);
    next.setPhase(RestorePhase.Running);
    next.setReason(null);
    next.setSourceBackup(sourceName);
    next.setSafetyBackup(safetyName);
    if (next.getStartTime() == null) {
      next.setStartTime(now());
    }
    Backup safety = client.resources(Backup.class).inNamespace(namespace).withName(safetyName).get();
    boolean sourceFailed = backupCondition(conditions, SOURCE_BACKUP, source);
    boolean safetyFailed = backupCondition(conditions, SAFETY_BACKUP, safety);
    if (sourceFailed || safetyFailed) {
      Backup backup = sourceFailed ? source : safety;
      return failed(next, conditions, target, restore, (sourceFailed ? SOURCE_BACKUP : SAFETY_BACKUP) + "Failed", "Backup "
          + backup.getMetadata().getName() + " failed, so nothing was changed: " + backup.getStatus().getMessage(), false, context);
    }
    if (!Conditions.isTrue(conditions.build(), SOURCE_BACKUP) || !Conditions.isTrue(conditions.build(), SAFETY_BACKUP)) {
      next.setMessage("taking the Backups");
      return new Step(with(next, conditions), POLL);
    }

    // Steps 2 to 5 run once: after them the target only has to come back (step 6).
    if (!loaded(conditions)) {
      // 2. Stop serving: the Environment controller scales the web pods to zero and holds releases.
      if (!restore.getMetadata().getName().equals(WebPlan.restoring(target))) {
        if (WebPlan.restoring(target) != null) {
          return pending(next, conditions, "AnotherRestore", "Restore " + WebPlan.restoring(target) + " is running on " + targetName);
        }
        WebRestoring.set(client, target, restore.getMetadata().getName());
        events.normal(target, "RestoreStarted", "Restore " + restore.getMetadata().getName() + ": stopping " + targetName
            + " to load Backup " + sourceName + " (safety Backup " + safetyName + ")");
      }
      Deployment web = client.apps().deployments().inNamespace(namespace).withField("metadata.name", targetName).list().getItems().stream()
          .findFirst().orElse(null);
      boolean stopped = web != null && Objects.equals(web.getSpec().getReplicas(), 0)
          && (web.getStatus() == null || web.getStatus().getReplicas() == null || web.getStatus().getReplicas() == 0);
      if (!stopped) {
        conditions.set(STOPPED, false, "ScalingDown", "waiting for " + targetName + "'s web pods to stop");
        next.setMessage("stopping " + targetName);
        return new Step(with(next, conditions), POLL);
      }
      conditions.set(STOPPED, true, "ScaledToZero", targetName + " serves nothing while its data is replaced");

      // 3. pg_restore as the target's own role, in one transaction.
      if (!Conditions.isTrue(conditions.build(), RESTORED)) {
        Job job = job(client, namespace, RestoreJobs.name(restore, RestoreJobs.RESTORE));
        if (job == null) {
          BackupStore.Transfer transfer = store.get().download(DumpJob.objectKey(source), config.backupTimeout().plus(BackupReconciler.URL_MARGIN));
          client.resource(RestoreJobs.transferSecret(restore, transfer)).forceConflicts().serverSideApply();
          create(client, RestoreJobs.restore(restore, target, target.getStatus().getImage(), databaseSecret, transfer, config));
          conditions.set(RESTORED, false, "Running", "loading Backup " + sourceName);
          next.setMessage("restoring");
          return new Step(with(next, conditions), POLL);
        }
        Optional<Boolean> result = result(job);
        if (result.isEmpty()) {
          return new Step(with(next, conditions), POLL);
        }
        spend(client, restore);
        if (!result.get()) {
          BackupReconciler.Failure f = BackupReconciler.failure(job, client);
          conditions.set(RESTORED, false, "RestoreFailed", f.message());
          return failed(next, conditions, target, restore, "RestoreFailed", "pg_restore failed and changed nothing (one transaction): "
              + f.message(), true, context);
        }
        conditions.set(RESTORED, true, "Succeeded", "Backup " + sourceName + " loaded");
      }

      // 4. The target's release command for the image it runs (the data may be from an older schema).
      if (!Conditions.isTrue(conditions.build(), MIGRATED)) {
        if (!MigrationJob.runs(project, true)) {
          conditions.set(MIGRATED, true, "NoReleaseCommand", "no release command");
        } else {
          Optional<Boolean> done = runCommand(client, restore, RestoreJobs.RELEASE, web, MigrationJob.command(project));
          if (done.isEmpty()) {
            conditions.set(MIGRATED, false, "Running", "running the release command of " + targetName + "'s image");
            return new Step(with(next, conditions), POLL);
          }
          if (!done.get()) {
            String message = BackupReconciler.failure(job(client, namespace, RestoreJobs.name(restore, RestoreJobs.RELEASE)), client).message();
            conditions.set(MIGRATED, false, "MigrationFailed", message);
            return failed(next, conditions, target, restore, "MigrationFailed", "the release command failed after the restore: " + message
                + "; restore Backup " + safetyName + " to go back", true, context);
          }
          conditions.set(MIGRATED, true, "Succeeded", "release command succeeded");
        }
      }

      // 5. Sanitize data that came from another environment.
      if (!Conditions.find(conditions.build(), SANITIZED).isPresent() || "Running".equals(reason(conditions, SANITIZED))) {
        List<String> sanitize = project.getSpec().getData() == null ? List.of() : project.getSpec().getData().getSanitize();
        if (sourceEnvironment.equals(targetName)) {
          conditions.set(SANITIZED, true, "SameEnvironment", "the data is " + targetName + "'s own");
        } else if (sanitize == null || sanitize.isEmpty()) {
          conditions.set(SANITIZED, false, "NoSanitizeCommand", "the data from " + sourceEnvironment
              + " is used as it is: the Project sets no spec.data.sanitize");
        } else {
          Optional<Boolean> done = runCommand(client, restore, RestoreJobs.SANITIZE, web, sanitize);
          if (done.isEmpty()) {
            conditions.set(SANITIZED, false, "Running", "running " + String.join(" ", sanitize));
            return new Step(with(next, conditions), POLL);
          }
          if (!done.get()) {
            String message = BackupReconciler.failure(job(client, namespace, RestoreJobs.name(restore, RestoreJobs.SANITIZE)), client).message();
            conditions.set(SANITIZED, false, "SanitizeFailed", message);
            // Unsanitized data from another environment is not served: the target stays stopped.
            return failed(next, conditions, target, restore, "SanitizeFailed", "the sanitize command failed: " + message + "; " + targetName
                + " stays stopped (delete this Restore to serve the unsanitized data, or restore Backup " + safetyName + ")", false, context);
          }
          conditions.set(SANITIZED, true, "Succeeded", String.join(" ", sanitize) + " succeeded");
        }
      }
    }

    return serve(restore, next, conditions, target, client, sourceName, safetyName);
  }

  /** Step 6: the hold removed, done once the target is Ready with its pods available. */
  private Step serve(Restore restore, RestoreStatus next, Conditions conditions, Environment target, KubernetesClient client,
      String sourceName, String safetyName) {
    String namespace = restore.getMetadata().getNamespace();
    String targetName = target.getMetadata().getName();
    if (restore.getMetadata().getName().equals(WebPlan.restoring(target))) {
      WebRestoring.clear(client, target);
    }
    Environment now = client.resources(Environment.class).inNamespace(namespace).withName(targetName).get();
    Deployment back = client.apps().deployments().inNamespace(namespace).withField("metadata.name", targetName).list().getItems().stream()
        .findFirst().orElse(null);
    boolean podsBack = back != null && back.getSpec().getReplicas() != null && back.getSpec().getReplicas() > 0 && back.getStatus() != null
        && Objects.equals(back.getStatus().getAvailableReplicas(), back.getSpec().getReplicas());
    // An environment that runs no replicas by its own spec is back once the hold is gone.
    boolean wantsNone = Integer.valueOf(0).equals(target.getSpec().getReplicas());
    boolean serving = now != null && WebPlan.restoring(now) == null && now.getStatus() != null
        && (wantsNone || (podsBack && now.getStatus().getPhase() == Phase.Ready));
    if (!serving) {
      conditions.set(SERVING, false, "Starting", "waiting for " + targetName + " to be Ready again");
      next.setMessage("starting " + targetName);
      return new Step(with(next, conditions), POLL);
    }
    conditions.set(SERVING, true, "Ready", targetName + " serves the restored data");
    next.setPhase(RestorePhase.Succeeded);
    next.setMessage(targetName + " serves Backup " + sourceName);
    next.setCompletionTime(now());
    events.normal(target, "RestoreFinished", "Restore " + restore.getMetadata().getName() + ": " + targetName + " serves Backup " + sourceName
        + " (safety Backup " + safetyName + ")");
    return new Step(with(next, conditions), null);
  }

  /** Sets the condition of one of the Backups a Restore waits for; true when that Backup failed. */
  private static boolean backupCondition(Conditions conditions, String type, Backup backup) {
    BackupPhase phase = backup == null || backup.getStatus() == null ? null : backup.getStatus().getPhase();
    if (phase == BackupPhase.Failed) {
      conditions.set(type, false, "BackupFailed", "Backup " + backup.getMetadata().getName() + " failed: " + backup.getStatus().getMessage());
    } else if (phase == BackupPhase.Succeeded) {
      conditions.set(type, true, "Succeeded", "Backup " + backup.getMetadata().getName() + " (" + backup.getStatus().getSize() + ")");
    } else {
      conditions.set(type, false, "Waiting", "waiting for Backup " + (backup == null ? "" : backup.getMetadata().getName()));
    }
    return phase == BackupPhase.Failed;
  }

  /** A Backup the Restore takes (not owned by it: deleting the Restore keeps it); returns its name. */
  private static String ensureBackup(KubernetesClient client, Restore restore, String role, String environment) {
    String name = restore.getMetadata().getName().length() > 200 ? restore.getMetadata().getName().substring(0, 200) : restore.getMetadata().getName();
    name = name + "-" + role;
    if (client.resources(Backup.class).inNamespace(restore.getMetadata().getNamespace()).withName(name).get() == null) {
      Backup backup = new Backup();
      LinkedHashMap<String, String> labels = new LinkedHashMap<>();
      labels.put(Labels.MANAGED_BY, Labels.MANAGER);
      labels.put(Labels.RESTORE_NAME, restore.getMetadata().getName());
      backup.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(restore.getMetadata().getNamespace()).withLabels(labels).build());
      backup.setSpec(new BackupSpec());
      backup.getSpec().setEnvironment(environment);
      create(client, backup);
    }
    return name;
  }

  private static boolean sameProject(KubernetesClient client, String namespace, String environment, Environment target) {
    Environment e = client.resources(Environment.class).inNamespace(namespace).withName(environment).get();
    return e != null ? Objects.equals(e.getSpec().getProject(), target.getSpec().getProject())
        : environment.startsWith(target.getSpec().getProject() + "-");
  }

  /** Runs {@code command} once as a Job like the web pods; empty while it runs, then whether it succeeded. */
  private Optional<Boolean> runCommand(KubernetesClient client, Restore restore, String step, Deployment web, List<String> command) {
    Job job = job(client, restore.getMetadata().getNamespace(), RestoreJobs.name(restore, step));
    if (job == null) {
      create(client, RestoreJobs.command(restore, step, web, command, config));
      return Optional.empty();
    }
    return result(job);
  }

  /** The Restore's Jobs are listed by its label (the operator may list Jobs, not get them by name). */
  private static Job job(KubernetesClient client, String namespace, String name) {
    return client.batch().v1().jobs().inNamespace(namespace).withField("metadata.name", name).list().getItems().stream()
        .findFirst().orElse(null);
  }

  private static Optional<Boolean> result(Job job) {
    List<io.fabric8.kubernetes.api.model.batch.v1.JobCondition> cs = job.getStatus() == null || job.getStatus().getConditions() == null
        ? List.of() : job.getStatus().getConditions();
    if (cs.stream().anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()))) {
      return Optional.of(true);
    }
    if (cs.stream().anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()))) {
      return Optional.of(false);
    }
    return Optional.empty();
  }

  private static void create(KubernetesClient client, io.fabric8.kubernetes.api.model.HasMetadata object) {
    try {
      client.resource(object).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private static void spend(KubernetesClient client, Restore restore) {
    try {
      client.resource(RestoreJobs.spentTransferSecret(restore)).forceConflicts().serverSideApply();
    } catch (KubernetesClientException ignored) {
      // the URL expires anyway
    }
  }

  /** Restored, migrated and sanitized (or nothing to sanitize): only serving again is left. */
  private static boolean loaded(Conditions conditions) {
    List<Condition> cs = conditions.build();
    return Conditions.isTrue(cs, RESTORED) && Conditions.isTrue(cs, MIGRATED) && Conditions.find(cs, SANITIZED).isPresent()
        && !"Running".equals(reason(conditions, SANITIZED));
  }

  private static String reason(Conditions conditions, String type) {
    return Conditions.find(conditions.build(), type).map(Condition::getReason).orElse(null);
  }

  private Step pending(RestoreStatus previous, Conditions conditions, String reason, String message) {
    RestoreStatus next = copy(previous);
    next.setPhase(previous.getPhase() == null ? RestorePhase.Pending : previous.getPhase());
    next.setReason(reason);
    next.setMessage(message);
    return new Step(with(next, conditions), Duration.ofSeconds(15));
  }

  /** Final: Failed; {@code serveAgain}: the target's pods come back (its data is whole). */
  private Step failed(RestoreStatus previous, Conditions conditions, Environment target, Restore restore, String reason, String message,
      boolean serveAgain, Context<Restore> context) {
    if (serveAgain && restore.getMetadata().getName().equals(WebPlan.restoring(target))) {
      WebRestoring.clear(context.getClient(), target);
    }
    RestoreStatus next = copy(previous);
    next.setPhase(RestorePhase.Failed);
    next.setReason(reason);
    next.setMessage(message);
    next.setCompletionTime(now());
    events.warning(target, "RestoreFailed", "Restore " + restore.getMetadata().getName() + ": " + message);
    return new Step(with(next, conditions), null);
  }

  @Override
  public DeleteControl cleanup(Restore restore, Context<Restore> context) {
    // A Restore deleted while it holds its environment stopped lets it serve again.
    Environment target = context.getClient().resources(Environment.class).inNamespace(restore.getMetadata().getNamespace())
        .withName(restore.getSpec().getEnvironment()).get();
    if (target != null && restore.getMetadata().getName().equals(WebPlan.restoring(target))) {
      WebRestoring.clear(context.getClient(), target);
    }
    return DeleteControl.defaultDelete();
  }

  private static RestoreStatus with(RestoreStatus status, Conditions conditions) {
    status.setConditions(conditions.build());
    return status;
  }

  private static RestoreStatus copy(RestoreStatus s) {
    RestoreStatus c = new RestoreStatus();
    c.setObservedGeneration(s.getObservedGeneration());
    c.setPhase(s.getPhase());
    c.setReason(s.getReason());
    c.setMessage(s.getMessage());
    c.setConditions(s.getConditions());
    c.setSourceBackup(s.getSourceBackup());
    c.setSafetyBackup(s.getSafetyBackup());
    c.setStartTime(s.getStartTime());
    c.setCompletionTime(s.getCompletionTime());
    return c;
  }

  private static long generation(Restore r) {
    return r.getMetadata().getGeneration() == null ? 0 : r.getMetadata().getGeneration();
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Sets and removes the {@link Annotations#RESTORING} annotation ({@link WebPlan#restoring} reads it). */
  static final class WebRestoring {
    private WebRestoring() {}

    static void set(KubernetesClient client, Environment e, String restore) {
      client.resources(Environment.class).inNamespace(e.getMetadata().getNamespace()).withName(e.getMetadata().getName())
          .edit(x -> {
            if (x.getMetadata().getAnnotations() == null) {
              x.getMetadata().setAnnotations(new LinkedHashMap<>());
            }
            x.getMetadata().getAnnotations().put(Annotations.RESTORING, restore);
            return x;
          });
    }

    static void clear(KubernetesClient client, Environment e) {
      client.resources(Environment.class).inNamespace(e.getMetadata().getNamespace()).withName(e.getMetadata().getName())
          .edit(x -> {
            if (x.getMetadata().getAnnotations() != null) {
              x.getMetadata().getAnnotations().remove(Annotations.RESTORING);
            }
            return x;
          });
    }
  }
}
