package dev.slipway.backup;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.build.BuildObserver;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupStatus;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.config.OperatorConfig;
import dev.slipway.environment.EventRecorder;
import dev.slipway.resources.Evictions;
import dev.slipway.resources.PodResources;
import dev.slipway.resources.Workload;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a Backup: checks the environment has a database and an image, starts a multipart upload
 * and hands a dump Job its presigned part URLs, and once the Job is done completes the object
 * from the parts and asks the store what arrived. A Backup is taken
 * once; Succeeded and Failed are final. Deleting a Backup deletes its dump (finalizer).
 */
@ControllerConfiguration(name = BackupReconciler.NAME)
public class BackupReconciler implements Reconciler<Backup>, Cleaner<Backup> {

  public static final String NAME = "backup";
  static final String JOB_SELECTOR = Labels.MANAGED_SELECTOR + "," + Labels.COMPONENT + "=" + Labels.BACKUP;
  /** How often a Backup waiting for its environment (no database or image yet) looks again. */
  static final Duration WAIT = Duration.ofSeconds(15);
  /** The transfer URL outlives the Job's deadline by this much (pod start, clock skew). */
  static final Duration URL_MARGIN = Duration.ofMinutes(10);
  static final String FORMAT = "pg_dump custom format (pg_restore)";
  /** Part URLs are signed again no sooner than this after they were (credentials that live only moments). */
  static final Duration RESIGN_FLOOR = Duration.ofSeconds(5);
  /** How soon signing them again is tried after the store refused. */
  static final Duration RESIGN_RETRY = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(BackupReconciler.class);

  private final OperatorConfig config;
  private final Optional<BackupStore> store;
  private final EventRecorder events;
  private final Clock clock;
  /** Backups whose deletion waits for a Restore, and said so once (one Event, not one per look). */
  private final java.util.Set<String> toldWaiting = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public BackupReconciler(OperatorConfig config, Optional<BackupStore> store, EventRecorder events, Clock clock) {
    this.config = config;
    this.store = store;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, Backup>> prepareEventSources(EventSourceContext<Backup> context) {
    return List.of(new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, Backup.class)
        .withLabelSelector(JOB_SELECTOR)
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(Backup.class))
        .build(), context));
  }

  @Override
  public UpdateControl<Backup> reconcile(Backup backup, Context<Backup> context) {
    BackupStatus current = backup.getStatus() == null ? new BackupStatus() : backup.getStatus();
    if (current.getPhase() != null && current.getPhase().done()) {
      return UpdateControl.noUpdate();
    }
    if (store.isEmpty()) {
      return fail(backup, current, context, null, "StorageNotConfigured",
          "no backup storage is configured: the platform sets " + OperatorConfig.BACKUP_BUCKET + " (Helm: backup.bucket)");
    }
    KubernetesClient client = context.getClient();
    String namespace = backup.getMetadata().getNamespace();
    Environment environment = client.resources(Environment.class).inNamespace(namespace).withName(backup.getSpec().getEnvironment()).get();
    Optional<Job> job = context.getSecondaryResource(Job.class);
    if (job.isEmpty() && current.getJob() != null) {
      // Made by an earlier reconcile: perhaps not in the informer's cache yet, else deleted.
      boolean gone = client.batch().v1().jobs().inNamespace(namespace).withField("metadata.name", current.getJob()).list().getItems().isEmpty();
      if (gone) {
        return fail(backup, current, context, environment, "JobDeleted", "the dump Job " + current.getJob() + " was deleted before it finished");
      }
      return UpdateControl.<Backup>noUpdate().rescheduleAfter(Duration.ofSeconds(2));
    }
    if (job.isEmpty()) {
      return start(backup, current, environment, context);
    }
    return observe(backup, current, environment, job.get(), context);
  }

  private UpdateControl<Backup> start(Backup backup, BackupStatus current, Environment environment, Context<Backup> context) {
    String wanted = backup.getSpec().getEnvironment();
    if (environment == null) {
      return waiting(backup, current, context, "EnvironmentNotFound", "no Environment " + wanted + " in this namespace");
    }
    if (dev.slipway.database.DatabaseKind.of(environment.getSpec(), config) == dev.slipway.database.DatabaseKind.NONE) {
      return fail(backup, current, context, environment, "NoDatabase",
          "Environment " + wanted + " has no database to back up: its project's database mode is none");
    }
    // A dump sized beyond what the platform allows would never run: said at once, not after waiting.
    var resources = PodResources.resolve(Workload.BACKUP, PodResources.declared(environment.getSpec().getResources(), Workload.BACKUP), config);
    if (resources.refused()) {
      return fail(backup, current, context, environment, PodResources.REFUSED, resources.refusal().toString());
    }
    EnvironmentStatus es = environment.getStatus();
    String databaseSecret = es == null || es.getDatabase() == null ? null : es.getDatabase().getSecretName();
    if (databaseSecret == null) {
      return waiting(backup, current, context, "NoDatabase", "Environment " + wanted + " has no database (yet)");
    }
    if (es.getImage() == null) {
      return waiting(backup, current, context, "NotDeployed",
          "Environment " + wanted + " runs no image yet; the upload runs in the environment's own image");
    }
    BackupStore s = store.orElseThrow();
    String key = DumpJob.objectKey(backup);
    KubernetesClient client = context.getClient();
    labelWithItsData(client, backup, environment);
    Duration firstResign;
    try {
      BackupStore.Upload upload = s.startUpload(key, Transfers.PARTS, config.backupTimeout().plus(URL_MARGIN));
      firstResign = resignIn(upload.signedAt(), upload.expiresAt(), clock.instant().plus(config.backupTimeout()), clock.instant());
      client.resource(DumpJob.transferSecret(backup, upload)).forceConflicts().serverSideApply();
      Job job = DumpJob.desired(backup, environment, es.getImage(), databaseSecret, upload, config);
      try {
        client.resource(job).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    } catch (BackupStore.StoreException e) {
      log.warn("backup {}/{}: {}", backup.getMetadata().getNamespace(), backup.getMetadata().getName(), e.getMessage());
      return waiting(backup, current, context, "StorageUnavailable", e.getMessage());
    }
    BackupStatus next = copy(current);
    next.setPhase(BackupPhase.Running);
    next.setReason(null);
    next.setMessage("dumping " + wanted + "'s database");
    next.setStartTime(now());
    next.setJob(DumpJob.name(backup));
    next.setLocation(s.location(key));
    next.setFormat(FORMAT);
    next.setCommit(es.getDeployedCommit());
    next.setImage(es.getImage());
    write(backup, next, context);
    events.normal(environment, "BackupStarted", "Backup " + backup.getMetadata().getName() + " started (Job " + DumpJob.name(backup) + ")");
    return firstResign == null ? UpdateControl.noUpdate() : UpdateControl.<Backup>noUpdate().rescheduleAfter(firstResign);
  }

  /**
   * While the Job runs: its part URLs signed again before they expire (they die with the session
   * credentials that signed them), at half their life, so the kubelet has long refreshed the
   * mounted Secret when the old ones stop working. Nothing to do when they outlive the Job.
   */
  private UpdateControl<Backup> keepUrlsFresh(Backup backup, Job job, Context<Backup> context) {
    var secrets = context.getClient().secrets().inNamespace(backup.getMetadata().getNamespace());
    var transfer = secrets.withName(DumpJob.transferSecretName(backup)).get();
    var annotations = transfer == null ? null : transfer.getMetadata().getAnnotations();
    if (annotations == null || annotations.get(DumpJob.UPLOAD_ID) == null || annotations.get(DumpJob.URLS_EXPIRE) == null) {
      return UpdateControl.noUpdate();
    }
    String started = job.getStatus() != null && job.getStatus().getStartTime() != null ? job.getStatus().getStartTime()
        : job.getMetadata().getCreationTimestamp();
    Instant deadline = (started == null ? clock.instant() : Instant.parse(started)).plus(config.backupTimeout());
    Instant signed = Instant.parse(annotations.getOrDefault(DumpJob.URLS_SIGNED, annotations.get(DumpJob.URLS_EXPIRE)));
    Duration wait = resignIn(signed, Instant.parse(annotations.get(DumpJob.URLS_EXPIRE)), deadline, clock.instant());
    if (wait == null) {
      return UpdateControl.noUpdate();
    }
    if (!wait.isZero()) {
      return UpdateControl.<Backup>noUpdate().rescheduleAfter(wait);
    }
    try {
      BackupStore.Upload upload = store.orElseThrow().signParts(DumpJob.objectKey(backup), annotations.get(DumpJob.UPLOAD_ID), Transfers.PARTS,
          config.backupTimeout().plus(URL_MARGIN));
      context.getClient().resource(DumpJob.transferSecret(backup, upload)).forceConflicts().serverSideApply();
      log.debug("backup {}/{}: part URLs signed again, valid until {}", backup.getMetadata().getNamespace(), backup.getMetadata().getName(),
          upload.expiresAt());
      Duration next = resignIn(upload.signedAt(), upload.expiresAt(), deadline, clock.instant());
      return next == null ? UpdateControl.noUpdate() : UpdateControl.<Backup>noUpdate().rescheduleAfter(next);
    } catch (BackupStore.StoreException e) {
      log.warn("backup {}/{}: {}", backup.getMetadata().getNamespace(), backup.getMetadata().getName(), e.getMessage());
      return UpdateControl.<Backup>noUpdate().rescheduleAfter(RESIGN_RETRY);
    }
  }

  /**
   * How long until URLs signed at {@code signed}, expiring at {@code expires}, are signed again:
   * at half their life (zero: now), at least {@link #RESIGN_FLOOR} apart; null when they outlive
   * {@code deadline} (the Job's).
   */
  static Duration resignIn(Instant signed, Instant expires, Instant deadline, Instant now) {
    if (!expires.isBefore(deadline)) {
      return null;
    }
    Duration half = Duration.between(signed, expires).dividedBy(2);
    Instant due = signed.plus(half.compareTo(RESIGN_FLOOR) < 0 ? RESIGN_FLOOR : half);
    return due.isAfter(now) ? Duration.between(now, due) : Duration.ZERO;
  }

  private UpdateControl<Backup> observe(Backup backup, BackupStatus current, Environment environment, Job job, Context<Backup> context) {
    if (condition(job, "Complete")) {
      OptionalLong size;
      try {
        BackupStore s = store.orElseThrow();
        String key = DumpJob.objectKey(backup);
        s.completeUpload(key); // (done already when an earlier reconcile's status write was lost)
        size = s.size(key);
      } catch (BackupStore.StoreException e) {
        return waiting(backup, current, context, "StorageUnavailable", e.getMessage());
      }
      spend(backup, context);
      if (size.isEmpty()) {
        return fail(backup, current, context, environment, "UploadMissing",
            "the Job finished but the store has no " + current.getLocation());
      }
      BackupStatus next = copy(current);
      next.setPhase(BackupPhase.Succeeded);
      next.setReason(null);
      next.setMessage("stored " + human(size.getAsLong()));
      next.setCompletionTime(now());
      next.setSizeBytes(size.getAsLong());
      next.setSize(human(size.getAsLong()));
      write(backup, next, context);
      if (environment != null) {
        events.normal(environment, "BackupSucceeded", "Backup " + backup.getMetadata().getName() + ": " + human(size.getAsLong())
            + " stored at " + current.getLocation());
      }
      return UpdateControl.noUpdate();
    }
    if (condition(job, "Failed")) {
      spend(backup, context);
      try {
        store.orElseThrow().abortUploads(DumpJob.objectKey(backup));
      } catch (BackupStore.StoreException e) {
        // The parts stay until the Backup is deleted (its finalizer abandons them again).
        log.warn("backup {}/{}: {}", backup.getMetadata().getNamespace(), backup.getMetadata().getName(), e.getMessage());
      }
      Failure failure = failure(job, context.getClient());
      return fail(backup, current, context, environment, failure.reason(), failure.message());
    }
    if (current.getPhase() != BackupPhase.Running) {
      BackupStatus next = copy(current);
      next.setPhase(BackupPhase.Running);
      next.setJob(job.getMetadata().getName());
      write(backup, next, context);
    }
    return keepUrlsFresh(backup, job, context);
  }

  /**
   * Labels a Backup with the Project and environment it is of (a Restore reads them once the
   * environment is gone) and, when the environment holds another environment's data unsanitised,
   * with that environment: a Restore of this Backup then treats the data as that environment's.
   */
  private static void labelWithItsData(KubernetesClient client, Backup backup, Environment environment) {
    Map<String, String> wanted = new LinkedHashMap<>();
    wanted.put(Labels.PROJECT, environment.getSpec().getProject());
    wanted.put(Labels.ENVIRONMENT, environment.getSpec().getEnvironment());
    RestoreHold.unsanitizedFrom(environment).ifPresent(from -> wanted.put(Labels.UNSANITIZED_DATA, from));
    Map<String, String> labels = backup.getMetadata().getLabels() == null ? Map.of() : backup.getMetadata().getLabels();
    if (wanted.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
      return;
    }
    client.resources(Backup.class).inNamespace(backup.getMetadata().getNamespace()).withName(backup.getMetadata().getName()).edit(b -> {
      Map<String, String> next = b.getMetadata().getLabels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(b.getMetadata().getLabels());
      next.putAll(wanted);
      b.getMetadata().setLabels(next);
      return b;
    });
  }

  record Failure(String reason, String message) {}

  /** Which container failed and the end of what it said (pg_dump's error, the upload's status). */
  static Failure failure(Job job, KubernetesClient client) {
    String jobReason = job.getStatus() == null || job.getStatus().getConditions() == null ? null
        : job.getStatus().getConditions().stream().filter(c -> "Failed".equals(c.getType())).map(JobCondition::getReason)
            .filter(Objects::nonNull).findFirst().orElse(null);
    if ("DeadlineExceeded".equals(jobReason)) {
      return new Failure("Timeout", "the dump Job ran longer than " + OperatorConfig.BACKUP_TIMEOUT + " allows");
    }
    try {
      List<Pod> pods = client.pods().inNamespace(job.getMetadata().getNamespace()).withLabel("job-name", job.getMetadata().getName()).list().getItems();
      for (Pod pod : pods) {
        if (pod.getStatus() == null) {
          continue;
        }
        var evicted = Evictions.forDisk(pod);
        if (evicted.isPresent()) {
          return new Failure(Evictions.DISK_LIMIT_EXCEEDED, "the dump is larger than the Job's local disk allows"
              + " (its ephemeral-storage limit), so the kubelet stopped it: " + evicted.get()
              + " Raise the project's spec.resources.backup.limits.ephemeral-storage (within the platform's maximum)");
        }
        for (ContainerStatus s : concat(pod.getStatus().getInitContainerStatuses(), pod.getStatus().getContainerStatuses())) {
          var terminated = s.getState() == null ? null : s.getState().getTerminated();
          if (terminated != null && terminated.getExitCode() != null && terminated.getExitCode() != 0) {
            String reason = DumpJob.DUMP_CONTAINER.equals(s.getName()) ? "DumpFailed" : "UploadFailed";
            return new Failure(reason, s.getName() + " exited with " + terminated.getExitCode() + ": "
                + BuildObserver.clean(terminated.getMessage(), "(no output)"));
          }
          var waiting = s.getState() == null ? null : s.getState().getWaiting();
          if (waiting != null && waiting.getReason() != null) {
            return new Failure("PodFailed", s.getName() + ": " + waiting.getReason());
          }
        }
      }
    } catch (KubernetesClientException e) {
      log.debug("cannot list the pods of {}: {}", job.getMetadata().getName(), e.getMessage());
    }
    return new Failure("JobFailed", "the dump Job failed" + (jobReason == null ? "" : " (" + jobReason + ")"));
  }

  private static List<ContainerStatus> concat(List<ContainerStatus> a, List<ContainerStatus> b) {
    List<ContainerStatus> all = new java.util.ArrayList<>();
    if (a != null) {
      all.addAll(a);
    }
    if (b != null) {
      all.addAll(b);
    }
    return all;
  }

  @Override
  public DeleteControl cleanup(Backup backup, Context<Backup> context) {
    Optional<String> reader = restoreReading(backup, context.getClient());
    if (reader.isPresent()) {
      // Deleting the dump now would fail that Restore half-way (retention deletes old Backups too).
      if (toldWaiting.add(backup.getMetadata().getUid())) {
        events.normal(backup, "DeletionWaiting", "kept until Restore " + reader.get() + ", which reads it, has finished");
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(WAIT);
    }
    toldWaiting.remove(backup.getMetadata().getUid());
    Optional<Job> job = context.getSecondaryResource(Job.class);
    if (job.isPresent() && !condition(job.get(), "Complete") && !condition(job.get(), "Failed")) {
      // An upload still running could store the dump after we deleted it: stop it first.
      context.getClient().resource(job.get()).withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(5));
    }
    if (job.isEmpty() && (backup.getStatus() == null || backup.getStatus().getJob() == null)) {
      // It never started: nothing was stored. (A start cut short may have left an upload open:
      // abandoned if the store answers; deleting the Backup does not wait for it.)
      try {
        store.ifPresent(s -> s.abortUploads(DumpJob.objectKey(backup)));
      } catch (BackupStore.StoreException e) {
        log.debug("backup {}/{}: {}", backup.getMetadata().getNamespace(), backup.getMetadata().getName(), e.getMessage());
      }
      return DeleteControl.defaultDelete();
    }
    if (store.isEmpty()) {
      if (backup.getStatus() != null && backup.getStatus().getLocation() != null) {
        log.warn("backup {}/{}: no backup storage is configured, so {} is left in place", backup.getMetadata().getNamespace(),
            backup.getMetadata().getName(), backup.getStatus().getLocation());
      }
      return DeleteControl.defaultDelete();
    }
    // Deleting is idempotent: the key is the Backup's own, whether or not anything was stored.
    store.get().abortUploads(DumpJob.objectKey(backup));
    store.get().delete(DumpJob.objectKey(backup));
    return DeleteControl.defaultDelete();
  }

  /** A Restore in this namespace, not finished nor being deleted, that restores this Backup. */
  static Optional<String> restoreReading(Backup backup, KubernetesClient client) {
    String name = backup.getMetadata().getName();
    return client.resources(Restore.class).inNamespace(backup.getMetadata().getNamespace()).list().getItems().stream()
        .filter(r -> r.getMetadata().getDeletionTimestamp() == null)
        .filter(r -> r.getStatus() == null || r.getStatus().getPhase() == null || !r.getStatus().getPhase().done())
        .filter(r -> name.equals(r.getStatus() == null ? null : r.getStatus().getSourceBackup())
            || (r.getSpec() != null && r.getSpec().getFrom() != null && name.equals(r.getSpec().getFrom().getBackup())))
        .map(r -> r.getMetadata().getName())
        .sorted()
        .findFirst();
  }

  private UpdateControl<Backup> waiting(Backup backup, BackupStatus current, Context<Backup> context, String reason, String message) {
    if (current.getPhase() != BackupPhase.Pending || !Objects.equals(reason, current.getReason()) || !Objects.equals(message, current.getMessage())) {
      BackupStatus next = copy(current);
      next.setPhase(current.getPhase() == null ? BackupPhase.Pending : current.getPhase());
      next.setReason(reason);
      next.setMessage(message);
      write(backup, next, context);
    }
    return UpdateControl.<Backup>noUpdate().rescheduleAfter(WAIT);
  }

  private UpdateControl<Backup> fail(Backup backup, BackupStatus current, Context<Backup> context, Environment environment,
      String reason, String message) {
    BackupStatus next = copy(current);
    next.setPhase(BackupPhase.Failed);
    next.setReason(reason);
    next.setMessage(message);
    next.setCompletionTime(now());
    write(backup, next, context);
    if (environment != null) {
      events.warning(environment, "BackupFailed", "Backup " + backup.getMetadata().getName() + ": " + reason + ": " + message);
    }
    return UpdateControl.noUpdate();
  }

  /** The transfer URL is no longer needed once the Job finished: the Secret keeps no data. */
  private static void spend(Backup backup, Context<Backup> context) {
    try {
      context.getClient().resource(DumpJob.spentTransferSecret(backup)).forceConflicts().serverSideApply();
    } catch (KubernetesClientException e) {
      log.debug("cannot empty the transfer Secret of {}: {}", backup.getMetadata().getName(), e.getMessage());
    }
  }

  private void write(Backup backup, BackupStatus status, Context<Backup> context) {
    status.setObservedGeneration(backup.getMetadata().getGeneration());
    Statuses.applyAndCache(backup, Statuses.statusOnly(backup, Backup::new, status), context);
  }

  private static boolean condition(Job job, String type) {
    return job.getStatus() != null && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static BackupStatus copy(BackupStatus s) {
    BackupStatus c = new BackupStatus();
    c.setObservedGeneration(s.getObservedGeneration());
    c.setPhase(s.getPhase());
    c.setReason(s.getReason());
    c.setMessage(s.getMessage());
    c.setStartTime(s.getStartTime());
    c.setCompletionTime(s.getCompletionTime());
    c.setSizeBytes(s.getSizeBytes());
    c.setSize(s.getSize());
    c.setLocation(s.getLocation());
    c.setFormat(s.getFormat());
    c.setCommit(s.getCommit());
    c.setImage(s.getImage());
    c.setJob(s.getJob());
    return c;
  }

  /** 12.4 MiB, 980 B: binary units, one decimal. */
  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
