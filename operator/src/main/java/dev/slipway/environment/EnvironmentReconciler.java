package dev.slipway.environment;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.DatabaseStatus;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupReference;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Names;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildCoordinator;
import dev.slipway.cache.Pruned;
import dev.slipway.build.JobCache;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.DatabaseCoordinator;
import dev.slipway.database.DeletionState;
import dev.slipway.deploy.AppSecret;
import dev.slipway.deploy.Release;
import dev.slipway.deploy.WebDeploymentDependent;
import dev.slipway.deploy.WebDisruptionBudgetDependent;
import dev.slipway.deploy.WebIngressDependent;
import dev.slipway.deploy.WebPlan;
import dev.slipway.deploy.WebServiceDependent;
import dev.slipway.environment.EnvironmentStatusAggregator.Observed;
import dev.slipway.environment.EnvironmentStatusAggregator.Report;
import dev.slipway.release.MigrationCoordinator;
import dev.slipway.resources.PodResources;
import dev.slipway.release.ReleaseHistory;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Convergence;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
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
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
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
 * release command: {@link ReleaseStep}) and the rollout ({@link RolloutStep}); then the status is
 * built from those outcomes in one place ({@link EnvironmentStatusAggregator}).
 *
 * <p>A failure at any step leaves what runs untouched: the Deployment changes only when a new
 * release has passed its gates, and a release always names an image by digest.
 */
@Workflow(explicitInvocation = true, dependents = {
    @Dependent(name = "deployment", type = WebDeploymentDependent.class),
    @Dependent(name = "service", type = WebServiceDependent.class),
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
  /** Key of this reconcile's {@link DomainClaims.Outcome} in the workflow context, where finish reads it. */
  private static final String DOMAINS_KEY = "slipway.domains";
  /** Reason of Deployed=False (and an Event) when the Project asks for more than the platform allows. */
  public static final String RESOURCES_REFUSED = PodResources.REFUSED;
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
    this.rolloutStep = new RolloutStep(config);
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
        .withPrimaryToSecondaryMapper((PrimaryToSecondaryMapper<Environment>) env ->
            Set.of(new ResourceID(env.getSpec().getProject(), env.getMetadata().getNamespace())))
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
    Release current = previous.getImage() == null ? null
        : new Release(previous.getDeployedCommit(), previous.getImage(), previous.getSourceImage());
    Observed observed = new Observed(
        requests.refresh().isNew() ? requests.refresh().value() : previous.getObservedRefresh(),
        previous.getObservedDeployRequest(),
        previous.getObservedPasswordRotation(),
        // A retry is answered by the reconcile that sees it: if nothing failed, there is nothing to
        // run again, and a stale request must not rerun a later failure by surprise.
        requests.retryRelease().isNew() ? requests.retryRelease().value() : previous.getObservedReleaseRetry());

    Optional<Project> found = context.getSecondaryResource(Project.class);
    if (found.isEmpty()) {
      return finish(environment, context, new Report(
          ConditionValue.unknown("ProjectNotFound", "Project " + environment.getSpec().getProject() + " does not exist"),
          null, null, null, null, null, previous.getResolvedCommit(), current, previous.getUrl(), previous.getBuilds(),
          previous.getReleases(), previous.getDatabase(), observed, phase(false, false, false, false, false, false)), null);
    }
    Project project = found.get();
    // Custom domains another environment serves, or names that are the platform's, are left out
    // of what this one serves (and said so in its status).
    DomainClaims.Outcome domains = DomainClaims.check(environment, config,
        domain -> context.getPrimaryCache().byIndex(DomainClaims.BY_DOMAIN, domain), id -> ingresses(context).get(id));
    context.managedWorkflowAndDependentResourceContext().put(DOMAINS_KEY, domains);
    Environment served = domains.served(environment);
    Optional<PodResources.Refusal> refused = PodResources.refusal(project.getSpec().getResources(), config)
        .or(() -> PodResources.refusal(environment.getSpec().getResources(), config));
    if (refused.isPresent()) {
      // (Requests stay pending: a deploy or retry asked for now is acted on once the sizes are fixed.)
      Observed unchanged = new Observed(previous.getObservedRefresh(), previous.getObservedDeployRequest(),
          previous.getObservedPasswordRotation(), previous.getObservedReleaseRetry());
      return finish(environment, context, resourcesRefused(environment, previous, current, unchanged, refused.get()), null);
    }

    // 1. Settings the platform generates (SECRET_KEY), then the database (a rotation asked for is
    //    stored first, then applied by the provider).
    appSecrets.ensure(environment);
    if (requests.rotation().isNew()) {
      rotatePassword(environment);
      observed = new Observed(observed.refresh(), observed.deploy(), requests.rotation().value(), observed.releaseRetry());
    }
    DatabaseStep.Outcome database = databaseStep.ensure(environment, previous);

    // 2. Source and build, or promotion: the newest release this environment could run.
    Candidate newest;
    if (environment.getSpec().getPromoteFrom() != null) {
      newest = promotionStep.newest(environment, previous, context);
    } else {
      SourceStep.Outcome source = sourceStep.resolve(environment, project, requests.refresh().isNew(), previous, context.getClient());
      if (source.firstAnswerDue()) {
        // The poller's first answer for this branch (a new Environment, or after a restart) comes
        // in moments and wakes this reconcile: writing "Resolving" now would be a status write
        // the answer undoes at once (after a restart, a change that is no change at all).
        return UpdateControl.<Environment>noUpdate().rescheduleAfter(SourceStep.FIRST_ANSWER_GRACE);
      }
      newest = buildStep.build(environment, project, source, requests.refresh().isNew(), previous.getBuilds(), context);
    }

    // 3. Decide what should run.
    ReleaseDecision decision = ReleaseDecision.decide(current, newest.release(),
        Boolean.TRUE.equals(environment.getSpec().getAutoDeploy()), requests.deploy().isNew());
    String url = WebPlan.urlOf(served, config);
    if (decision.target() == null) {
      ConditionValue deployed = ConditionValue.no(decision.waiting(), requests.deploy().isNew()
          ? "deploy requested; waiting for a release to deploy"
          : "AwaitingDeployRequest".equals(decision.waiting())
              ? newest.release().shortCommit() + " is ready to deploy: set a new value of the " + Annotations.DEPLOY + " annotation"
              : "nothing to deploy yet");
      return finish(environment, context, new Report(newest.source(), newest.built(), database.condition(), null, deployed,
          ConditionValue.no("NotDeployed", "nothing is deployed yet"), newest.resolvedCommit(), null, url, newest.builds(),
          previous.getReleases(), database.status(), observed,
          phase(newest.building(), false, false, newest.failed() || database.failed(), database.provisioning(), false)),
          database.recheckAfter());
    }

    // 4. A new release passes its gates first: the promoted copy, the database, the release command.
    Release target = decision.target();
    ConditionValue built = newest.built();
    ReleaseStep.Outcome gate = new ReleaseStep.Outcome(ReleaseStep.Gate.OPEN, null, previousCondition(previous, ConditionTypes.MIGRATED),
        previous.getReleases(), null);
    boolean copying = false;
    if (decision.isNew(current)) {
      PromotionStep.Copy copy = promotionStep.copyFor(environment, target, previous.getReleases(), requests.refresh().isNew());
      // Once the copy is there, Built says what every later reconcile says too (the copy itself
      // is in the release history): a message that changed with the next reconcile would be a
      // status write with no news, at the latest after a restart.
      built = copy.built() != null && !copy.ready() ? copy.built() : built;
      if (!copy.ready()) {
        copying = copy.copying();
        gate = new ReleaseStep.Outcome(copy.failed() ? ReleaseStep.Gate.FAILED : ReleaseStep.Gate.WAITING,
            ConditionValue.no(copy.copying() ? "Promoting" : "PromotionFailed", copy.built().message()),
            previousCondition(previous, ConditionTypes.MIGRATED), previous.getReleases(), null);
      } else {
        target = copy.release();
        gate = releaseStep.gate(served, project, target, database, requests.retryRelease(), previous.getReleases(),
            previousCondition(previous, ConditionTypes.MIGRATED), current == null ? null : current.image(), context);
      }
    }
    boolean failed = newest.failed() || database.failed() || gate.gate() == ReleaseStep.Gate.FAILED;
    Release serve = gate.open() ? target : current;
    if (serve == null) {
      return finish(environment, context, new Report(newest.source(), built, database.condition(), gate.migrated(), gate.deployed(),
          ConditionValue.no("NotDeployed", gate.deployed().message()), newest.resolvedCommit(), null, url, newest.builds(),
          gate.releases(), database.status(), observed,
          phase(newest.building() || copying, gate.migrating(), false, failed, database.provisioning(), false)),
          database.recheckAfter());
    }

    // 5. Roll out what should serve: the new release once its gates are open, else what runs.
    RolloutStep.Outcome rollout = rolloutStep.apply(served, project, serve, database, context);
    if (rollout.started()) {
      events.normal(environment, "RolloutStarted", "rolling out " + serve.shortCommit() + " (" + serve.image() + ")");
    }
    if (gate.open() && decision.answersRequest()) {
      // The deploy request is answered by this rollout, not before: one request, one rollout.
      observed = new Observed(observed.refresh(), requests.deploy().value(), observed.rotation(), observed.releaseRetry());
    }
    List<dev.slipway.api.v1alpha1.ReleaseRecord> releases = gate.releases();
    if (gate.open()) {
      // (A held-back release stays on top of the history; what still serves is listed below it.)
      releases = ReleaseHistory.record(releases, serve, rollout.complete() ? ReleaseHistory.DEPLOYED : ReleaseHistory.ROLLING_OUT,
          null, null, null, now(), config.buildHistory(), serve.image());
    }
    ConditionValue deployed = gate.deployed() != null ? gate.deployed() : rollout.deployed();
    if (gate.deployed() == null && rollout.complete() && !rollout.scaledToZero() && "AwaitingDeployRequest".equals(decision.waiting()) && newest.release() != null) {
      deployed = ConditionValue.yes("RolledOut", rollout.deployed().message() + "; " + newest.release().shortCommit()
          + " is ready to deploy: set a new value of the " + Annotations.DEPLOY + " annotation");
    }
    if (rollout.complete() && !rollout.scaledToZero()) {
      boolean wasReady = Conditions.isTrue(previous.getConditions(), ConditionTypes.READY) && serve.image().equals(previous.getImage());
      if (!wasReady) {
        events.normal(environment, "RolloutFinished", "running " + serve.shortCommit() + " (" + serve.image() + "): "
            + rollout.ready().message());
      }
    }
    if (rollout.failed()) {
      boolean wasFailed = Conditions.find(previous.getConditions(), ConditionTypes.READY)
          .map(c -> rollout.ready().reason().equals(c.getReason())).orElse(false);
      if (!wasFailed) {
        events.warning(environment, "RolloutFailed", rollout.ready().message());
      }
    }
    return finish(environment, context, new Report(newest.source(), built, database.condition(), gate.migrated(), deployed,
        rollout.ready(), newest.resolvedCommit(), serve, rollout.url(), newest.builds(), releases, database.status(), observed,
        EnvironmentStatusAggregator.phase(newest.building() || copying, gate.migrating(), !rollout.complete() && !rollout.failed(),
            failed || rollout.failed(), database.provisioning(), rollout.scaledToZero(), rollout.complete())),
        database.recheckAfter());
  }

  /**
   * A size the platform does not allow (above its maximum): nothing new is built, released or
   * rolled out until the Project is fixed; what runs keeps running, with the sizes it has.
   */
  private Report resourcesRefused(Environment environment, EnvironmentStatus previous, Release current, Observed observed,
      PodResources.Refusal refusal) {
    String message = refusal + "; nothing new is built, released or rolled out here until it is fixed"
        + (current == null ? "" : " (" + current.shortCommit() + " keeps running)");
    boolean told = previousCondition(previous, ConditionTypes.DEPLOYED) != null
        && RESOURCES_REFUSED.equals(previousCondition(previous, ConditionTypes.DEPLOYED).reason());
    if (!told) {
      events.warning(environment, RESOURCES_REFUSED, refusal.toString());
    }
    ConditionValue ready = previousCondition(previous, ConditionTypes.READY);
    return new Report(previousCondition(previous, ConditionTypes.SOURCE_RESOLVED), previousCondition(previous, ConditionTypes.BUILT),
        previousCondition(previous, ConditionTypes.DATABASE_READY), previousCondition(previous, ConditionTypes.MIGRATED),
        ConditionValue.no(RESOURCES_REFUSED, message), ready != null ? ready : ConditionValue.no("NotDeployed", "nothing is deployed yet"),
        previous.getResolvedCommit(), current, previous.getUrl() != null ? previous.getUrl() : WebPlan.urlOf(environment, config),
        previous.getBuilds(), previous.getReleases(), previous.getDatabase(), observed, Phase.Failed);
  }

  private void rotatePassword(Environment environment) {
    if (databases.rotatePassword(environment)) {
      events.normal(environment, "PasswordRotated", "the database role gets a new password; the pods restart with it");
    } else {
      events.warning(environment, "RotationUnsupported", "password rotation on request is done for shared databases only");
    }
  }

  private static ConditionValue previousCondition(EnvironmentStatus previous, String type) {
    return Conditions.find(previous.getConditions(), type).map(c -> new ConditionValue(c.getStatus(), c.getReason(), c.getMessage()))
        .orElse(null);
  }

  private static Phase phase(boolean building, boolean migrating, boolean rollingOut, boolean failed, boolean provisioning,
      boolean ready) {
    return EnvironmentStatusAggregator.phase(building, migrating, rollingOut, failed, provisioning, ready);
  }

  private String now() {
    return java.time.Instant.now(clock).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
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
    DeletionState state = databases.delete(environment);
    if (state.done()) {
      if (DatabaseCoordinator.policy(environment) == dev.slipway.api.v1alpha1.DeletionPolicy.Retain) {
        databases.keepCredentials(environment);
      }
      log.info("{}/{}: database {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(), state.message());
      promotionSignals.sourceChanged(environment, context.getPrimaryCache()); // its promoted environments see it gone
      return DeleteControl.defaultDelete();
    }
    EnvironmentStatus status = Serialization.clone(Optional.ofNullable(environment.getStatus()).orElseGet(EnvironmentStatus::new));
    long generation = environment.getMetadata().getGeneration() == null ? 0 : environment.getMetadata().getGeneration();
    status.setConditions(new Conditions(status.getConditions(), generation, clock).setAll(status.getConditions())
        .set(ConditionTypes.DATABASE_READY, Conditions.FALSE, state.reason(), state.message()).build());
    if (state.finalSnapshot() != null) {
      DatabaseStatus database = status.getDatabase() == null ? new DatabaseStatus() : status.getDatabase();
      if (!state.finalSnapshot().equals(database.getFinalSnapshot())) {
        database.setFinalSnapshot(state.finalSnapshot());
        status.setDatabase(database);
        events.normal(environment, "FinalSnapshot", "the database is kept as final snapshot " + state.finalSnapshot());
      }
    }
    if (!Statuses.sameContent(environment.getStatus(), status)) {
      context.getClient().resource(statusPatch(environment, status)).subresource("status").patch(new io.fabric8.kubernetes.client.dsl.base.PatchContext.Builder()
          .withPatchType(io.fabric8.kubernetes.client.dsl.base.PatchType.SERVER_SIDE_APPLY).withForce(true).withFieldManager(NAME).build());
      if (!"Deleting".equals(state.reason())) {
        events.warning(environment, "DeletionBlocked", state.message());
      }
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(java.time.Duration.ofSeconds("Deleting".equals(state.reason()) ? 10 : 60));
  }

  /**
   * A reconcile threw (JOSDK retries it with backoff): say so in the status without quoting the
   * exception, whose text may carry object content such as environment variable values.
   */
  @Override
  public ErrorStatusUpdateControl<Environment> updateErrorStatus(Environment environment, Context<Environment> context, Exception e) {
    EnvironmentStatus previous = Optional.ofNullable(environment.getStatus()).orElseGet(EnvironmentStatus::new);
    long generation = environment.getMetadata().getGeneration() == null ? 0 : environment.getMetadata().getGeneration();
    EnvironmentStatus status = Serialization.clone(previous);
    Conditions conditions = new Conditions(previous.getConditions(), generation, clock)
        .setAll(previous.getConditions())
        .set(ConditionTypes.DEPLOYED, Conditions.FALSE, "ReconcileError", Failures.describe(e));
    // JOSDK retries with backoff: converging still, as kstatus reads it.
    Convergence.reconciling("ReconcileError", "retrying: " + Failures.describe(e)).applyTo(conditions);
    status.setConditions(conditions.build());
    log.warn("{}/{}: reconcile failed: {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(),
        Failures.describe(e));
    return ErrorStatusUpdateControl.patchStatus(statusPatch(environment, status));
  }

  /** Writes the status when it differs from what the object has (a quiet reconcile writes nothing). */
  private UpdateControl<Environment> finish(Environment environment, Context<Environment> context, Report report,
      java.time.Duration recheckAfter) {
    EnvironmentStatus status = EnvironmentStatusAggregator.build(environment, report, clock);
    var domains = context.managedWorkflowAndDependentResourceContext().get(DOMAINS_KEY, DomainClaims.Outcome.class);
    if (domains.isPresent() && domains.get().condition() != null) {
      recheckAfter = reportDomains(environment, status, domains.get(), recheckAfter);
    }
    Set<Backup> backups = context.getSecondaryResources(Backup.class);
    status.setLatestBackup(latestBackup(backups));
    Optional<Project> project = context.getSecondaryResource(Project.class);
    // The Project's own settings (env, source, release) reach this Environment without changing its
    // spec: the Project counts this status as caught up only at the generation it was built from.
    status.setObservedProjectGeneration(project.map(p -> p.getMetadata().getGeneration())
        .orElse(environment.getStatus() == null ? null : environment.getStatus().getObservedProjectGeneration()));
    // Backups on schedule, and retention: the status holds when the next one is due, and this
    // reconcile is rescheduled for that moment.
    if (config.backupBucket().isPresent() && project.isPresent()) {
      ScheduledBackups.Plan schedule = ScheduledBackups.plan(environment, project.get(), backups, clock.instant());
      ScheduledBackups.apply(schedule, context.getClient(), environment, events);
      status.setBackupSchedule(schedule.status());
      recheckAfter = sooner(recheckAfter, schedule.recheckAfter());
    }
    if (!Statuses.sameContent(environment.getStatus(), status)) {
      log.debug("{}/{}: {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(), status.getPhase());
      // Written and cached here rather than through UpdateControl.patchStatus, which leaves the
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
    return recheckAfter == null ? control : control.rescheduleAfter(recheckAfter);
  }

  /** The DomainsAccepted condition; a refusal is an Event when it is new, and looked at again soon (the holder may let go). */
  private java.time.Duration reportDomains(Environment environment, EnvironmentStatus status, DomainClaims.Outcome domains,
      java.time.Duration recheckAfter) {
    ConditionValue c = domains.condition();
    var before = Conditions.find(environment.getStatus() == null ? null : environment.getStatus().getConditions(), DomainClaims.CONDITION);
    long generation = environment.getMetadata().getGeneration() == null ? 0 : environment.getMetadata().getGeneration();
    status.setConditions(new Conditions(environment.getStatus() == null ? null : environment.getStatus().getConditions(), generation, clock)
        .setAll(status.getConditions()).set(DomainClaims.CONDITION, c.status(), c.reason(), c.message()).build());
    if (!domains.anyRefused()) {
      return recheckAfter;
    }
    if (before.isEmpty() || !Objects.equals(before.get().getMessage(), c.message())) {
      events.warning(environment, DomainClaims.REFUSED, c.message());
    }
    return sooner(recheckAfter, DomainClaims.RECHECK);
  }

  /** The web Ingresses in the cache (every watched namespace's), by Environment id. */
  @SuppressWarnings("unchecked")
  private static io.javaoperatorsdk.operator.processing.event.source.Cache<io.fabric8.kubernetes.api.model.networking.v1.Ingress> ingresses(
      Context<Environment> context) {
    return (io.javaoperatorsdk.operator.processing.event.source.Cache<io.fabric8.kubernetes.api.model.networking.v1.Ingress>)
        context.eventSourceRetriever().getEventSourceFor(io.fabric8.kubernetes.api.model.networking.v1.Ingress.class);
  }

  private static java.time.Duration sooner(java.time.Duration a, java.time.Duration b) {
    return a == null ? b : b == null ? a : a.compareTo(b) <= 0 ? a : b;
  }

  /** The newest Backup that succeeded (by completion time, then name), or null. */
  static BackupReference latestBackup(Set<Backup> backups) {
    return backups.stream()
        .filter(b -> b.getStatus() != null && b.getStatus().getPhase() == BackupPhase.Succeeded && b.getStatus().getCompletionTime() != null)
        .max(java.util.Comparator.comparing((Backup b) -> b.getStatus().getCompletionTime()).thenComparing(b -> b.getMetadata().getName()))
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

  private static String annotation(HasMetadata o, String key) {
    Map<String, String> a = o.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  private static String label(HasMetadata o, String key) {
    Map<String, String> l = o.getMetadata().getLabels();
    return l == null ? null : l.get(key);
  }
}
