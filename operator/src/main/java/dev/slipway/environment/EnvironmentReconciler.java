package dev.slipway.environment;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupReference;
import dev.slipway.api.v1alpha1.DatabaseStatus;
import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Names;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ReleaseRecord;
import dev.slipway.build.BuildCoordinator;
import dev.slipway.build.JobCache;
import dev.slipway.cache.Pruned;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.DatabaseCoordinator;
import dev.slipway.database.DeletionState;
import dev.slipway.deploy.AppSecret;
import dev.slipway.deploy.Release;
import dev.slipway.deploy.CronJobsDependent;
import dev.slipway.deploy.ProcessDeploymentsDependent;
import dev.slipway.deploy.WebDeploymentDependent;
import dev.slipway.deploy.WebDisruptionBudgetDependent;
import dev.slipway.deploy.WebIngressDependent;
import dev.slipway.deploy.WebPlan;
import dev.slipway.deploy.WebServiceDependent;
import dev.slipway.release.MigrationCoordinator;
import dev.slipway.release.ReleaseHistory;
import dev.slipway.resources.PodResources;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Convergence;
import dev.slipway.status.EventReason;
import dev.slipway.status.EventRecorder;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One environment, from branch to serving pods. {@link #reconcile} reads as the pipeline it runs,
 * one step per stage, each returning what it found: database ({@link DatabaseStep}), source and
 * build ({@link SourceStep}, {@link BuildStep}) or promotion ({@link PromotionStep}), the decision
 * ({@link ReleaseDecision}), the gates a new release passes (the promoted copy, the database, the
 * release command: {@link ReleaseStep}) and the rollout ({@link RolloutStep}), then Backups on
 * schedule ({@link ScheduledBackupStep}). Each step records what it found into one status builder
 * ({@link EnvironmentStatusAggregator}), which derives the phase, Deployed and Ready; an early exit
 * is {@code return finish(…)}, and every status write goes through {@link Statuses#applyAndCache}.
 *
 * <p>A failure at any step leaves what runs untouched: the Deployment changes only when a new
 * release has passed its gates, and a release always names an image by digest.
 */
@Workflow(explicitInvocation = true, dependents = {
    @Dependent(name = WebDeploymentDependent.NAME, type = WebDeploymentDependent.class),
    @Dependent(name = "service", type = WebServiceDependent.class),
    @Dependent(name = ProcessDeploymentsDependent.NAME, type = ProcessDeploymentsDependent.class),
    @Dependent(name = CronJobsDependent.NAME, type = CronJobsDependent.class),
    @Dependent(name = "ingress", type = WebIngressDependent.class, reconcilePrecondition = WebIngressDependent.Wanted.class),
    @Dependent(name = "disruption-budget", type = WebDisruptionBudgetDependent.class,
        reconcilePrecondition = WebDisruptionBudgetDependent.Wanted.class)
})
// Annotation requests do not bump the generation, so the filter, not generation awareness, decides.
// The cache keeps no managedFields (Pruned.Store): a third of each cached Environment, never read.
@ControllerConfiguration(name = EnvironmentReconciler.NAME, generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = SpecOrRequestChanged.class, itemStore = Pruned.Store.class))
public class EnvironmentReconciler implements Reconciler<Environment>, Cleaner<Environment> {

  public static final String NAME = "environment";
  static final String BY_PROJECT = "project";

  private static final Logger log = LoggerFactory.getLogger(EnvironmentReconciler.class);

  private final OperatorConfig config;
  private final SourcePoller poller;
  private final PromotionCopies promotions;
  private final EventRecorder events;
  private final DatabaseCoordinator databases;
  private final AppSecret appSecrets;
  private final Clock clock;
  private final PromotionSignals promotionSignals = new PromotionSignals();

  // One step per stage of the pipeline, in the order reconcile runs them.
  private final DatabaseStep databaseStep;
  private final SourceStep sourceStep;
  private final BuildStep buildStep;
  private final PromotionStep promotionStep;
  private final ReleaseStep releaseStep;
  private final RolloutStep rolloutStep;
  private final ScheduledBackupStep scheduledBackupStep;

  public EnvironmentReconciler(OperatorConfig config, SourcePoller poller, PromotionCopies promotions,
      BuildCoordinator builds, EventRecorder events, DatabaseCoordinator databases, MigrationCoordinator migrations,
      AppSecret appSecrets, Clock clock) {
    this.config = config;
    this.appSecrets = appSecrets;
    this.databases = databases;
    this.poller = poller;
    this.promotions = promotions;
    this.events = events;
    this.clock = clock;
    this.databaseStep = new DatabaseStep(config, databases);
    this.sourceStep = new SourceStep(config, poller, events);
    this.buildStep = new BuildStep(config, builds, events);
    this.promotionStep = new PromotionStep(config, promotions);
    this.releaseStep = new ReleaseStep(config, migrations, events, clock);
    this.rolloutStep = new RolloutStep(config, events);
    this.scheduledBackupStep = new ScheduledBackupStep(config, events, clock);
  }

  @Override
  public List<EventSource<?, Environment>> prepareEventSources(EventSourceContext<Environment> context) {
    poller.setExistenceCheck(id -> context.getPrimaryCache().get(id).isPresent());
    // Indexes, so that mapping a Project, a Job or a promotion source to its Environments is a
    // lookup, not a scan of every Environment (quadratic at a thousand of them).
    context.getPrimaryCache().addIndexers(Map.of(
        BY_PROJECT, e -> e.getSpec() == null ? List.of() : List.of(e.getMetadata().getNamespace() + "/" + e.getSpec().getProject()),
        PromotionSignals.BY_SOURCE, PromotionSignals::sourceKey,
        DomainClaims.BY_DOMAIN, DomainClaims::index));

    // The Project: its changes (env vars, source) reach every one of its Environments.
    var projects = new InformerEventSource<>(InformerEventSourceConfiguration.from(Project.class, Environment.class)
        .withItemStore(new Pruned.Store<>())
        .withSecondaryToPrimaryMapper((SecondaryToPrimaryMapper<Project>) project ->
            environmentsOf(context, project.getMetadata().getNamespace(), project.getMetadata().getName()))
        .withPrimaryToSecondaryMapper((PrimaryToSecondaryMapper<Environment>) env -> env.getSpec() == null ? Set.of()
            : Set.of(new ResourceID(env.getSpec().getProject(), env.getMetadata().getNamespace())))
        .build(), context);

    // Build Jobs belong to the project (shared by its environments); migration Jobs to one environment.
    SecondaryToPrimaryMapper<HasMetadata> jobOwners = o -> {
      String project = label(o, Labels.PROJECT);
      String environment = label(o, Labels.ENVIRONMENT);
      if (project == null) {
        return Set.of();
      }
      if (environment != null) {
        return Set.of(new ResourceID(Names.environmentObjectName(project, environment), o.getMetadata().getNamespace()));
      }
      return environmentsOf(context, o.getMetadata().getNamespace(), project);
    };
    var jobs = new InformerEventSource<>(InformerEventSourceConfiguration.from(Job.class, Environment.class)
        .withName(JobCache.JOBS)
        .withLabelSelector(Labels.JOBS_SELECTOR)
        .withItemStore(new Pruned.Store<>())
        .withSecondaryToPrimaryMapper(jobOwners::toPrimaryResourceIDs)
        .build(), context);
    var pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, Environment.class)
        .withName(JobCache.JOB_PODS)
        .withLabelSelector(Labels.JOBS_SELECTOR)
        .withItemStore(new Pruned.Store<>())
        .withSecondaryToPrimaryMapper(jobOwners::toPrimaryResourceIDs)
        .build(), context);
    pods.addIndexers(JobCache.podIndexers());

    // Backups name their Environment: the newest one that succeeded is shown in its status.
    var backups = new InformerEventSource<>(InformerEventSourceConfiguration.from(Backup.class, Environment.class)
        .withSecondaryToPrimaryMapper((SecondaryToPrimaryMapper<Backup>) b -> b.getSpec() == null || b.getSpec().getEnvironment() == null
            ? Set.of() : Set.of(new ResourceID(b.getSpec().getEnvironment(), b.getMetadata().getNamespace())))
        .build(), context);

    return List.of(projects, jobs, pods, backups, promotionSignals, poller, promotions, databases.work());
  }

  @Override
  public UpdateControl<Environment> reconcile(Environment environment, Context<Environment> context) {
    EnvironmentStatus previous = Optional.ofNullable(environment.getStatus()).orElseGet(EnvironmentStatus::new);
    Requests requests = Requests.of(environment, previous);
    Release current = EnvironmentStatusAggregator.running(previous);
    var status = new EnvironmentStatusAggregator(environment, clock).latestBackup(latestBackup(context.getSecondaryResources(Backup.class)));
    if (environment.getSpec() == null) {
      return write(environment, context, status.seen(requests).specMissing());
    }
    Optional<Project> found = context.getSecondaryResource(Project.class);
    if (found.isEmpty()) {
      return write(environment, context, status.seen(requests).projectMissing(environment.getSpec().getProject()));
    }
    Project project = found.get();
    Environment served = claimDomains(environment, context, status.projectGeneration(project.getMetadata().getGeneration()));
    Optional<PodResources.Refusal> refused = PodResources.refusal(project.getSpec().getResources(), config)
        .or(() -> PodResources.refusal(environment.getSpec().getResources(), config));
    if (refused.isPresent()) {
      // (Requests stay pending: a deploy or retry asked for now is acted on once the sizes are fixed.)
      return finish(environment, project, context, resourcesRefused(environment, current, refused.get(), status));
    }
    status.seen(requests);

    // 1. Settings the platform generates (SECRET_KEY), then the database (a rotation asked for is
    //    stored first, then applied by the provider).
    appSecrets.ensure(environment);
    rotatePassword(environment, requests.rotation(), status);
    DatabaseStep.Outcome database = status.record(databaseStep.ensure(environment, previous));

    // 2. Source and build, or promotion: the newest release this environment could run.
    Optional<Candidate> newest = newest(environment, project, requests, previous, context);
    if (newest.isEmpty()) {
      return UpdateControl.<Environment>noUpdate().rescheduleAfter(SourceStep.FIRST_ANSWER_GRACE);
    }
    status.record(newest.get());

    // 3. Decide what should run.
    ReleaseDecision decision = status.record(ReleaseDecision.decide(current, newest.get().release(),
        Boolean.TRUE.equals(environment.getSpec().getAutoDeploy()), requests.deploy().isNew()), WebPlan.urlOf(served, config));
    if (decision.target() == null) {
      return finish(environment, project, context, status);
    }

    // 4. A new release passes its gates first: the promoted copy, the database, the release command.
    Release target = decision.target();
    ReleaseStep.Outcome gate = ReleaseStep.Outcome.unchanged(previous);
    if (decision.isNew(current)) {
      PromotionStep.Copy copy = status.record(promotionStep.copyFor(environment, target, previous.getReleases(), requests.refresh().isNew()));
      target = copy.ready() ? copy.release() : target;
      gate = copy.ready() ? releaseStep.gate(served, project, target, database, requests, previous, context) : copy.heldBack(previous);
    }
    Release serve = status.record(gate).open() ? target : current;
    if (serve == null) {
      return finish(environment, project, context, status);
    }

    // 5. Roll out what should serve: the new release once its gates are open, else what runs.
    RolloutStep.Outcome rollout = status.record(rolloutStep.apply(served, project, serve, database, previous, context), serve);
    if (gate.open()) {
      status.released(decision.answersRequest() ? requests.deploy() : null, history(gate, serve, rollout));
    }
    return finish(environment, project, context, status);
  }

  /**
   * The newest release: from source and build, or promotion. Empty while the poller's first answer
   * for this branch (a new Environment, or after a restart) is due in moments and will wake this
   * reconcile: writing "Resolving" now would be a status write the answer undoes at once (after a
   * restart, a change that is no change at all).
   */
  private Optional<Candidate> newest(Environment environment, Project project, Requests requests, EnvironmentStatus previous,
      Context<Environment> context) {
    if (environment.getSpec().getPromoteFrom() != null) {
      return Optional.of(promotionStep.newest(environment, previous, context));
    }
    SourceStep.Outcome source = sourceStep.resolve(environment, project, requests.refresh().isNew(), previous, context.getClient());
    return source.firstAnswerDue() ? Optional.empty()
        : Optional.of(buildStep.build(environment, project, source, requests.refresh().isNew(), previous.getBuilds(), context));
  }

  /**
   * Custom domains another environment serves, or names that are the platform's, are left out of
   * what this one serves (and said so in the DomainsAccepted condition; a refusal is an Event when
   * it is new). Returns the Environment as the web objects are made from it.
   */
  private Environment claimDomains(Environment environment, Context<Environment> context, EnvironmentStatusAggregator status) {
    DomainClaims.Outcome domains = DomainClaims.check(environment, config,
        domain -> context.getPrimaryCache().byIndex(DomainClaims.BY_DOMAIN, domain), id -> ingresses(context).get(id));
    ConditionValue condition = domains.condition();
    if (condition != null) {
      status.domains(condition, domains.anyRefused());
      ConditionValue before = status.previousCondition(DomainClaims.CONDITION);
      if (domains.anyRefused() && (before == null || !Objects.equals(before.message(), condition.message()))) {
        events.warning(environment, EventReason.DomainRefused, condition.message());
      }
    }
    return domains.served(environment);
  }

  /**
   * A size the platform does not allow (above its maximum): nothing new is built, released or
   * rolled out until the Project is fixed; what runs keeps running, with the sizes it has.
   */
  private EnvironmentStatusAggregator resourcesRefused(Environment environment, Release current, PodResources.Refusal refusal,
      EnvironmentStatusAggregator status) {
    String message = refusal + "; nothing new is built, released or rolled out here until it is fixed"
        + (current == null ? "" : " (" + current.shortCommit() + " keeps running)");
    ConditionValue before = status.previousCondition(ConditionTypes.DEPLOYED);
    if (before == null || !Reasons.Deployed.ResourcesRefused.is(before.reason())) {
      events.warning(environment, EventReason.ResourcesRefused, refusal.toString());
    }
    return status.refused(ConditionValue.no(Reasons.Deployed.ResourcesRefused, message), WebPlan.urlOf(environment, config));
  }

  private void rotatePassword(Environment environment, Requests.Request rotation, EnvironmentStatusAggregator status) {
    if (!rotation.isNew()) {
      return;
    }
    status.rotationAnswered(rotation.value());
    if (databases.rotatePassword(environment)) {
      events.normal(environment, EventReason.PasswordRotated, "the database role gets a new password; the pods restart with it");
    } else {
      events.warning(environment, EventReason.RotationUnsupported, "password rotation on request is done for shared databases only");
    }
  }

  /** The release history with a rollout of a release that passed its gates (a held-back one stays on top; what serves is below it). */
  private List<ReleaseRecord> history(ReleaseStep.Outcome gate, Release serve, RolloutStep.Outcome rollout) {
    return ReleaseHistory.record(gate.releases(), serve, rollout.complete() ? ReleaseHistory.DEPLOYED : ReleaseHistory.ROLLING_OUT,
        null, null, null, Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString(), config.build().history(), serve.image());
  }

  /** The last stages of every reconcile that found its Project: Backups on schedule, then the status. */
  private UpdateControl<Environment> finish(Environment environment, Project project, Context<Environment> context,
      EnvironmentStatusAggregator status) {
    scheduledBackupStep.run(environment, project, context, status);
    return write(environment, context, status);
  }

  /** Writes the status when it differs from what the object has (a quiet reconcile writes nothing). */
  private UpdateControl<Environment> write(Environment environment, Context<Environment> context, EnvironmentStatusAggregator aggregate) {
    EnvironmentStatus status = aggregate.build();
    if (!Statuses.sameContent(environment.getStatus(), status)) {
      log.debug("{}/{}: {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(), status.getPhase());
      // Written and cached rather than through UpdateControl.patchStatus, which leaves the
      // informer's older copy in place: the reconcile a Job event starts a moment later would see
      // an annotation request as not yet answered and act on it twice. (JOSDK's
      // PrimaryUpdateAndCacheUtils locks optimistically: a deploy request made during the
      // reconcile failed the write with 409, and the request was never acted on in make bench.)
      Statuses.applyAndCache(environment, statusPatch(environment, status), context);
      if (PromotionSignals.promotableChanged(environment.getStatus(), status)) {
        promotionSignals.sourceChanged(environment, context.getPrimaryCache());
      }
    }
    UpdateControl<Environment> control = UpdateControl.noUpdate();
    return aggregate.recheckAfter().map(control::rescheduleAfter).orElse(control);
  }

  /**
   * The finalizer: apply the deletion policy to the database, one step per call, looking again
   * later while the provider works; a refusal is shown in the status and the finalizer stays.
   */
  @Override
  public DeleteControl cleanup(Environment environment, Context<Environment> context) {
    ResourceID id = ResourceID.fromResource(environment);
    poller.forget(id);
    appSecrets.forget(id);
    if (environment.getSpec() == null) {
      return DeleteControl.defaultDelete(); // never provisioned anything: it had no project to run
    }
    DeletionState state = databases.delete(environment);
    if (state.done()) {
      if (DatabaseCoordinator.policy(environment) == DeletionPolicy.Retain) {
        databases.keepCredentials(environment);
      }
      log.info("{}/{}: database {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(), state.message());
      promotionSignals.sourceChanged(environment, context.getPrimaryCache()); // its promoted environments see it gone
      return DeleteControl.defaultDelete();
    }
    EnvironmentStatus status = Serialization.clone(Optional.ofNullable(environment.getStatus()).orElseGet(EnvironmentStatus::new));
    status.setConditions(carriedOver(environment, status)
        .set(ConditionTypes.DATABASE_READY, Conditions.FALSE, state.reason(), state.message()).build());
    if (state.finalSnapshot() != null) {
      DatabaseStatus database = status.getDatabase() == null ? new DatabaseStatus() : status.getDatabase();
      if (!state.finalSnapshot().equals(database.getFinalSnapshot())) {
        database.setFinalSnapshot(state.finalSnapshot());
        status.setDatabase(database);
        events.normal(environment, EventReason.FinalSnapshot, "the database is kept as final snapshot " + state.finalSnapshot());
      }
    }
    if (!Statuses.sameContent(environment.getStatus(), status)) {
      Statuses.applyAndCache(environment, statusPatch(environment, status), context);
      if (!"Deleting".equals(state.reason())) {
        events.warning(environment, EventReason.DeletionBlocked, state.message());
      }
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds("Deleting".equals(state.reason()) ? 10 : 60));
  }

  /**
   * A reconcile threw (JOSDK retries it with backoff): say so in the status without quoting the
   * exception, whose text may carry object content such as environment variable values.
   */
  @Override
  public ErrorStatusUpdateControl<Environment> updateErrorStatus(Environment environment, Context<Environment> context, Exception e) {
    EnvironmentStatus status = Serialization.clone(Optional.ofNullable(environment.getStatus()).orElseGet(EnvironmentStatus::new));
    Conditions conditions = carriedOver(environment, status)
        .set(ConditionTypes.DEPLOYED, Conditions.FALSE, Reasons.Deployed.ReconcileError.name(), SafeFailureText.describe(e));
    // JOSDK retries with backoff: converging still, as kstatus reads it.
    Convergence.reconciling(Reasons.Deployed.ReconcileError.name(), "retrying: " + SafeFailureText.describe(e)).applyTo(conditions);
    status.setConditions(conditions.build());
    log.warn("{}/{}: reconcile failed: {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(),
        SafeFailureText.describe(e));
    Statuses.applyAndCache(environment, statusPatch(environment, status), context);
    return ErrorStatusUpdateControl.noStatusUpdate();
  }

  /** The status's conditions, carried over as they are, to change one or two. */
  private Conditions carriedOver(Environment environment, EnvironmentStatus status) {
    long generation = environment.getMetadata().getGeneration() == null ? 0 : environment.getMetadata().getGeneration();
    return new Conditions(status.getConditions(), generation, clock).setAll(status.getConditions());
  }

  /** The web Ingresses in the cache (every watched namespace's), by Environment id. */
  @SuppressWarnings("unchecked")
  private static Cache<Ingress> ingresses(Context<Environment> context) {
    return (Cache<Ingress>) context.eventSourceRetriever().getEventSourceFor(Ingress.class);
  }

  /** The newest Backup that succeeded (by completion time, then name), or null. */
  static BackupReference latestBackup(Set<Backup> backups) {
    return backups.stream()
        .filter(b -> b.getStatus() != null && b.getStatus().getPhase() == BackupPhase.Succeeded && b.getStatus().getCompletionTime() != null)
        .max(Comparator.comparing((Backup b) -> b.getStatus().getCompletionTime()).thenComparing(b -> b.getMetadata().getName()))
        .map(b -> new BackupReference(b.getMetadata().getName(), b.getStatus().getCompletionTime(), b.getStatus().getSize()))
        .orElse(null);
  }

  /** A fresh object holding only the status, as server-side apply of the status expects. */
  private static Environment statusPatch(Environment environment, EnvironmentStatus status) {
    return Statuses.statusOnly(environment, Environment::new, status);
  }

  /** The Environments of a project, from the controller's own cache. */
  private static Set<ResourceID> environmentsOf(EventSourceContext<Environment> context, String namespace, String project) {
    return context.getPrimaryCache().byIndex(BY_PROJECT, namespace + "/" + project).stream()
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  private static String label(HasMetadata o, String key) {
    Map<String, String> l = o.getMetadata().getLabels();
    return l == null ? null : l.get(key);
  }
}
