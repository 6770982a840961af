package dev.slipway.environment;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.BuildRecord;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Names;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildCoordinator;
import dev.slipway.build.BuildHistory;
import dev.slipway.build.BuildNames;
import dev.slipway.build.BuildState;
import dev.slipway.database.DatabaseCoordinator;
import dev.slipway.database.DeletionState;
import dev.slipway.database.ProvisionState;
import dev.slipway.api.v1alpha1.DatabaseStatus;
import dev.slipway.release.MigrationCoordinator;
import dev.slipway.release.MigrationJob;
import dev.slipway.release.ReleaseHistory;
import dev.slipway.config.OperatorConfig;
import dev.slipway.deploy.Release;
import dev.slipway.deploy.WebDeploymentDependent;
import dev.slipway.deploy.WebDisruptionBudgetDependent;
import dev.slipway.deploy.WebIngressDependent;
import dev.slipway.deploy.WebPlan;
import dev.slipway.deploy.WebServiceDependent;
import dev.slipway.git.GitUrls;
import dev.slipway.promote.ImageReference;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
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
 * One environment, from branch to serving pods: resolve the branch (off-thread, by the
 * {@link SourcePoller}), build the commit once per project ({@link BuildCoordinator}), decide
 * what to run ({@link ReleaseDecision}), apply the web objects (the workflow's dependents, run
 * explicitly once the release is known) and report it all in the status.
 *
 * <p>A failure at any step leaves what runs untouched: the Deployment changes only when a new
 * release is decided, and a release always names an image by digest.
 */
@Workflow(explicitInvocation = true, dependents = {
    @Dependent(name = "deployment", type = WebDeploymentDependent.class),
    @Dependent(name = "service", type = WebServiceDependent.class),
    @Dependent(name = "ingress", type = WebIngressDependent.class, reconcilePrecondition = WebIngressDependent.Wanted.class),
    @Dependent(name = "disruption-budget", type = WebDisruptionBudgetDependent.class,
        reconcilePrecondition = WebDisruptionBudgetDependent.Wanted.class)
})
// Annotation requests do not bump the generation, so the filter, not generation awareness, decides.
@ControllerConfiguration(name = EnvironmentReconciler.NAME, generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = SpecOrRequestChanged.class))
public class EnvironmentReconciler implements Reconciler<Environment>, Cleaner<Environment> {

  public static final String NAME = "environment";
  static final String SOURCE_ENVIRONMENTS = "source-environments";

  private static final Logger log = LoggerFactory.getLogger(EnvironmentReconciler.class);

  private final OperatorConfig config;
  private final SourcePoller poller;
  private final PromotionCopies promotions;
  private final BuildCoordinator builds;
  private final EventRecorder events;
  private final DatabaseCoordinator databases;
  private final MigrationCoordinator migrations;
  private final Clock clock;

  public EnvironmentReconciler(OperatorConfig config, SourcePoller poller, PromotionCopies promotions,
      BuildCoordinator builds, EventRecorder events, DatabaseCoordinator databases, MigrationCoordinator migrations, Clock clock) {
    this.config = config;
    this.databases = databases;
    this.migrations = migrations;
    this.poller = poller;
    this.promotions = promotions;
    this.builds = builds;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, Environment>> prepareEventSources(EventSourceContext<Environment> context) {
    poller.setExistenceCheck(id -> context.getPrimaryCache().get(id).isPresent());

    // The Project: its changes (env vars, source) reach every one of its Environments.
    var projects = new InformerEventSource<>(InformerEventSourceConfiguration.from(Project.class, Environment.class)
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
        .withLabelSelector(Labels.JOBS_SELECTOR)
        .withSecondaryToPrimaryMapper(jobOwners::toPrimaryResourceIDs)
        .build(), context);
    var pods = new InformerEventSource<>(InformerEventSourceConfiguration.from(Pod.class, Environment.class)
        .withLabelSelector(Labels.JOBS_SELECTOR)
        .withSecondaryToPrimaryMapper(jobOwners::toPrimaryResourceIDs)
        .build(), context);

    // A promoted environment follows its source environment's status.
    var sources = new InformerEventSource<>(InformerEventSourceConfiguration.from(Environment.class, Environment.class)
        .withName(SOURCE_ENVIRONMENTS)
        .withSecondaryToPrimaryMapper((SecondaryToPrimaryMapper<Environment>) source -> context.getPrimaryCache()
            .list(source.getMetadata().getNamespace(), e -> e.getSpec() != null
                && Objects.equals(e.getSpec().getProject(), source.getSpec().getProject())
                && Objects.equals(e.getSpec().getPromoteFrom(), source.getSpec().getEnvironment()))
            .map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        .withPrimaryToSecondaryMapper((PrimaryToSecondaryMapper<Environment>) env -> env.getSpec().getPromoteFrom() == null
            ? Set.of()
            : Set.of(new ResourceID(Names.environmentObjectName(env.getSpec().getProject(), env.getSpec().getPromoteFrom()),
                env.getMetadata().getNamespace())))
        .build(), context);

    return List.of(projects, jobs, pods, sources, poller, promotions);
  }

  @Override
  public UpdateControl<Environment> reconcile(Environment environment, Context<Environment> context) {
    ResourceID id = ResourceID.fromResource(environment);
    EnvironmentSpec spec = environment.getSpec();
    EnvironmentStatus previous = Optional.ofNullable(environment.getStatus()).orElseGet(EnvironmentStatus::new);
    Progress p = new Progress();
    p.builds = previous.getBuilds();
    p.resolvedCommit = previous.getResolvedCommit();
    p.observedRefresh = previous.getObservedRefresh();
    p.observedDeployRequest = previous.getObservedDeployRequest();
    p.observedPasswordRotation = previous.getObservedPasswordRotation();
    p.releases = previous.getReleases();
    Release current = previous.getImage() == null ? null : new Release(previous.getDeployedCommit(), previous.getImage());

    Optional<Project> project = context.getSecondaryResource(Project.class);
    if (project.isEmpty()) {
      p.source = Progress.Value.unknown("ProjectNotFound", "Project " + spec.getProject() + " does not exist");
      p.release = current;
      p.url = previous.getUrl();
      return finish(environment, p);
    }

    p.url = WebPlan.urlOf(environment, config);
    String rotation = annotation(environment, Annotations.ROTATE_DATABASE_PASSWORD);
    if (rotation != null && !rotation.equals(previous.getObservedPasswordRotation())) {
      if (databases.rotatePassword(environment)) {
        events.normal(environment, "PasswordRotated", "the database role has a new password; the pods restart with it");
      } else {
        events.warning(environment, "RotationUnsupported", "password rotation on request is done for shared databases only");
      }
      p.observedPasswordRotation = rotation;
    }
    DatabaseCoordinator.Outcome db = databases.ensure(environment);
    database(db, environment, p);
    String refresh = annotation(environment, Annotations.REFRESH);
    boolean refreshRequested = refresh != null && !refresh.equals(previous.getObservedRefresh());
    if (refreshRequested) {
      p.observedRefresh = refresh;
    }
    String deployRequest = annotation(environment, Annotations.DEPLOY);
    boolean deployRequested = deployRequest != null && !deployRequest.equals(previous.getObservedDeployRequest());

    Release newest = spec.getPromoteFrom() != null
        ? promotionSource(environment, project.get(), refreshRequested, context, p)
        : buildOfResolvedCommit(environment, project.get(), refreshRequested, context, p);

    ReleaseDecision decision = ReleaseDecision.decide(current, newest, Boolean.TRUE.equals(spec.getAutoDeploy()), deployRequested);
    if (decision.consumesRequest()) {
      p.observedDeployRequest = deployRequest;
    }
    p.release = decision.target();
    if (decision.target() == null) {
      p.deployed = Progress.Value.no(decision.waiting(), deployRequested
          ? "deploy requested; waiting for a release to deploy"
          : "nothing to deploy yet");
      p.ready = Progress.Value.no("NotDeployed", "nothing is deployed yet");
      return finish(environment, p);
    }

    Release target = decision.target();
    boolean newReleaseBlocked = false;
    if (current == null || !current.image().equals(target.image())) {
      // A new release: the database must be there, and the release command must succeed with
      // the new image, before the Deployment changes. Until then what runs keeps running.
      String blocked = null;
      if (!db.ready()) {
        blocked = "waiting for the database before deploying " + target.shortCommit();
        p.deployed = Progress.Value.no("WaitingForDatabase", blocked);
      } else if (MigrationJob.runs(project.get(), db.needed())) {
        MigrationCoordinator.Outcome migration = migrations.ensure(
            WebPlan.of(environment, project.get(), target, config, db.secretName()), project.get(), context);
        if (migration.started()) {
          events.normal(environment, "MigrationStarted", migration.message() + " for " + target.shortCommit());
        }
        switch (migration.result()) {
          case Running -> {
            p.releases = ReleaseHistory.record(p.releases, target, "Migrating", null, migration.job(), now(), config.buildHistory());
            p.migrating = true;
            p.migrated = Progress.Value.no("Running", migration.message());
            blocked = "migrating for " + target.shortCommit();
          }
          case Failed -> {
            p.releases = ReleaseHistory.record(p.releases, target, "MigrationFailed", migration.reason(), migration.job(), now(),
                config.buildHistory());
            p.failed = true;
            p.migrated = Progress.Value.no(migration.reason(), migration.message());
            blocked = "the release command failed for " + target.shortCommit();
            boolean wasFailed = Conditions.find(previous.getConditions(), ConditionTypes.MIGRATED)
                .map(c -> "False".equals(c.getStatus()) && migration.reason().equals(c.getReason())).orElse(false);
            if (!wasFailed) {
              events.warning(environment, "MigrationFailed", migration.message());
            }
          }
          case Succeeded -> p.migrated = Progress.Value.yes("Succeeded", migration.message());
        }
      }
      if (blocked != null) {
        if (p.deployed == null) {
          p.deployed = Progress.Value.no("WaitingForRelease", blocked);
        }
        if (current == null) {
          p.ready = Progress.Value.no("NotDeployed", blocked);
          p.release = null;
          return finish(environment, p);
        }
        target = current;
        newReleaseBlocked = true;
        decision = new ReleaseDecision(current, false, decision.waiting());
        p.release = current;
      }
    } else {
      p.migrated = Conditions.find(previous.getConditions(), ConditionTypes.MIGRATED)
          .map(c -> new Progress.Value(c.getStatus(), c.getReason(), c.getMessage()))
          .orElse(null);
    }

    WebPlan plan = WebPlan.of(environment, project.get(), target, config, db.secretName(),
        db.kind() == dev.slipway.database.DatabaseKind.SHARED ? p.observedPasswordRotation : null);
    context.managedWorkflowAndDependentResourceContext().put(WebPlan.CONTEXT_KEY, plan);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow().throwAggregateExceptionIfErrorsPresent();
    p.url = plan.url();
    if (current == null || !current.image().equals(decision.target().image())) {
      events.normal(environment, "RolloutStarted", "rolling out " + decision.target().shortCommit() + " (" + decision.target().image() + ")");
    }

    Rollout rollout = Rollout.of(context.getSecondaryResource(Deployment.class).orElse(null), decision.target().image());
    String running = decision.target().shortCommit() + " (" + decision.target().image() + ")";
    if (!newReleaseBlocked) {
      // (A blocked new release stays on top of the history; what still serves is listed below it.)
      p.releases = ReleaseHistory.record(p.releases, target, rollout.complete() ? "Deployed" : "RollingOut", null, null, now(),
          config.buildHistory());
    }
    if (rollout.complete()) {
      String pending = "AwaitingDeployRequest".equals(decision.waiting()) && newest != null
          ? "; " + newest.shortCommit() + " is ready to deploy: set a new value of the " + Annotations.DEPLOY + " annotation"
          : "";
      if (p.deployed == null) {
        p.deployed = Progress.Value.yes("RolledOut", "runs " + running + pending);
      }
      p.ready = Progress.Value.yes("Available", rollout.message() + " at " + plan.url());
      boolean wasReady = Conditions.isTrue(previous.getConditions(), ConditionTypes.READY)
          && decision.target().image().equals(previous.getImage());
      if (!wasReady) {
        events.normal(environment, "RolloutFinished", "running " + running + ": " + rollout.message());
      }
    } else {
      p.rollingOut = true;
      if (p.deployed == null) {
        p.deployed = Progress.Value.no("RollingOut", "rolling out " + running + ": " + rollout.message());
      }
      p.ready = Progress.Value.no("RollingOut", rollout.message());
    }
    return finish(environment, p);
  }

  private String now() {
    return java.time.Instant.now(clock).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  /** The DatabaseReady condition and status.database from where the database stands. */
  private void database(DatabaseCoordinator.Outcome db, Environment environment, Progress p) {
    if (!db.needed()) {
      p.database = Progress.Value.yes("NoDatabase", "the project has no database");
      return;
    }
    ProvisionState s = db.state();
    DatabaseStatus status = new DatabaseStatus();
    status.setMode(environment.getSpec().getDatabase() == null ? config.databaseMode() : environment.getSpec().getDatabase().getMode());
    status.setDeletionPolicy(DatabaseCoordinator.policy(environment));
    status.setIdentifier(s.identifier());
    status.setSecretName(db.secretName());
    if (s.endpoint() != null && s.ready()) {
      status.setEndpoint(s.endpoint().host() + ":" + s.endpoint().port());
    }
    p.databaseStatus = status;
    switch (s.phase()) {
      case Ready -> {
        p.database = Progress.Value.yes(s.reason(), s.message());
        if (db.kind() == dev.slipway.database.DatabaseKind.DEDICATED) {
          p.recheckAfter = java.time.Duration.ofMinutes(10); // RDS changes state on its own (maintenance, storage)
        }
      }
      case Provisioning -> {
        p.provisioning = true;
        p.database = Progress.Value.no(s.reason(), s.message());
        p.recheckAfter = java.time.Duration.ofSeconds(15);
      }
      case Failed, Refused -> {
        p.failed = true;
        p.database = Progress.Value.no(s.reason(), s.message());
        p.recheckAfter = java.time.Duration.ofMinutes(1);
      }
    }
  }

  /**
   * The finalizer: apply the deletion policy to the database, one step per call, looking again
   * later while the provider works; a refusal is shown in the status and the finalizer stays.
   */
  @Override
  public DeleteControl cleanup(Environment environment, Context<Environment> context) {
    ResourceID id = ResourceID.fromResource(environment);
    poller.forget(id);
    DeletionState state = databases.delete(environment);
    if (state.done()) {
      if (DatabaseCoordinator.policy(environment) == dev.slipway.api.v1alpha1.DeletionPolicy.Retain) {
        databases.keepCredentials(environment);
      }
      log.info("{}/{}: database {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(), state.message());
      return DeleteControl.defaultDelete();
    }
    EnvironmentStatus status = Serialization.clone(Optional.ofNullable(environment.getStatus()).orElseGet(EnvironmentStatus::new));
    long generation = environment.getMetadata().getGeneration() == null ? 0 : environment.getMetadata().getGeneration();
    status.setConditions(new Conditions(status.getConditions(), generation, clock).setAll(status.getConditions())
        .set(ConditionTypes.DATABASE_READY, Conditions.FALSE, state.reason(), state.message()).build());
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
    status.setConditions(new Conditions(previous.getConditions(), generation, clock)
        .setAll(previous.getConditions())
        .set(ConditionTypes.DEPLOYED, Conditions.FALSE, "ReconcileError", Failures.describe(e))
        .build());
    log.warn("{}/{}: reconcile failed: {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(),
        Failures.describe(e));
    return ErrorStatusUpdateControl.patchStatus(statusPatch(environment, status));
  }

  /** Resolve the branch (or take the pinned commit), then build it once. */
  private Release buildOfResolvedCommit(Environment environment, Project project, boolean refreshRequested,
      Context<Environment> context, Progress p) {
    ResourceID id = ResourceID.fromResource(environment);
    EnvironmentSpec spec = environment.getSpec();
    String url = project.getSpec().getSource().getUrl();
    if (spec.getCommit() != null) {
      poller.forget(id);
      p.resolvedCommit = spec.getCommit();
      p.source = Progress.Value.yes("Pinned", "pinned to " + spec.getCommit());
    } else {
      poller.track(id, new SourcePoller.Target(environment.getMetadata().getNamespace(), spec.getProject(), url,
          spec.getBranch(), project.getSpec().getSource().getCredentialsSecret()));
      if (refreshRequested) {
        poller.refresh(id);
      }
      Optional<SourcePoller.Observation> seen = poller.latest(id);
      if (seen.isEmpty()) {
        p.source = Progress.Value.unknown("Resolving", "resolving " + spec.getBranch() + " at " + GitUrls.redact(url));
      } else if (seen.get().resolved()) {
        p.resolvedCommit = seen.get().commit();
        p.source = Progress.Value.yes("Resolved", spec.getBranch() + " is at " + seen.get().commit());
      } else {
        boolean wasResolved = !Conditions.find(environment.getStatus() == null ? null : environment.getStatus().getConditions(),
            ConditionTypes.SOURCE_RESOLVED).map(c -> "False".equals(c.getStatus())).orElse(false);
        p.source = Progress.Value.no(seen.get().error().name(), seen.get().message());
        p.failed = true;
        if (wasResolved) {
          events.warning(environment, "SourceFailed", seen.get().error().name() + ": " + seen.get().message());
        }
      }
    }
    String commit = p.resolvedCommit;
    if (commit == null) {
      p.built = Progress.Value.unknown("WaitingForSource", "no commit to build yet");
      return null;
    }
    if (config.registry().isEmpty()) {
      p.built = Progress.Value.no("RegistryNotConfigured", "the operator has no image registry (" + OperatorConfig.REGISTRY + ")");
      p.failed = true;
      return null;
    }

    BuildCoordinator.Outcome outcome = builds.ensure(environment, project, commit, refreshRequested, context);
    BuildState state = outcome.state();
    String repository = BuildNames.repository(config, environment.getMetadata().getNamespace(), spec.getProject());
    Optional<BuildRecord> before = BuildHistory.latestFor(p.builds, commit);
    p.builds = BuildHistory.record(p.builds, commit, repository, state, config.buildHistory());
    String shortCommit = commit.substring(0, 7);
    if (outcome.started()) {
      events.normal(environment, "BuildStarted", "building " + shortCommit + " in Job " + state.job());
    }
    if (state.running()) {
      p.building = true;
      p.built = Progress.Value.no("Building", "building " + shortCommit + " in Job " + state.job());
      return null;
    }
    boolean changed = before.isEmpty() || !state.result().name().equals(before.get().getResult());
    if (state.failed()) {
      p.failed = true;
      p.built = Progress.Value.no(state.reason(), "build of " + shortCommit + " failed: " + state.message());
      if (changed) {
        events.warning(environment, "BuildFailed", "build of " + shortCommit + " failed (" + state.reason() + "): " + state.message());
      }
      return null;
    }
    String image = outcome.image();
    p.built = Progress.Value.yes(outcome.reused() ? "Reused" : "Succeeded", "built " + shortCommit + " as " + image);
    if (changed && !outcome.reused()) {
      events.normal(environment, "BuildSucceeded", "built " + shortCommit + " as " + image);
    }
    return new Release(commit, image);
  }

  /** A promoted environment's newest release: what its source runs and has Ready (copied if the layout wants). */
  private Release promotionSource(Environment environment, Project project, boolean refreshRequested,
      Context<Environment> context, Progress p) {
    ResourceID id = ResourceID.fromResource(environment);
    poller.forget(id);
    EnvironmentSpec spec = environment.getSpec();
    p.built = Progress.Value.yes("Promoted", "never built here: runs what " + spec.getPromoteFrom() + " has Ready");
    Optional<Environment> source = context.getSecondaryResource(Environment.class, SOURCE_ENVIRONMENTS);
    if (source.isEmpty()) {
      p.source = Progress.Value.no("SourceEnvironmentNotFound", "environment " + spec.getPromoteFrom() + " does not exist");
      p.failed = true;
      return null;
    }
    EnvironmentStatus s = source.get().getStatus();
    boolean sourceReady = s != null && s.getImage() != null && Conditions.isTrue(s.getConditions(), ConditionTypes.READY);
    if (!sourceReady) {
      p.source = Progress.Value.unknown("SourceNotReady", spec.getPromoteFrom() + " has nothing Ready to promote");
      return null;
    }
    p.resolvedCommit = s.getDeployedCommit();
    p.source = Progress.Value.yes("PromotedFrom", spec.getPromoteFrom() + " runs " + s.getShortCommit() + " and is Ready");
    Release ready = new Release(s.getDeployedCommit(), s.getImage());
    if (config.registryLayout() != OperatorConfig.RegistryLayout.PER_STAGE) {
      return ready;
    }

    // Stages keep their own repositories: copy the exact image over, and run what the copy returns.
    ImageReference from = ImageReference.parse(ready.image());
    ImageReference to = ImageReference.parse(BuildNames.repository(config, environment.getMetadata().getNamespace(), spec.getProject())
        + "-" + spec.getStage().value() + ":" + (ready.commit() == null ? "promoted" : ready.commit()));
    if (refreshRequested) {
      promotions.retry(id);
    }
    Optional<PromotionCopies.Copy> copy = promotions.copy(id, from, to);
    if (copy.isEmpty()) {
      p.built = Progress.Value.no("Promoting", "copying " + ready.image() + " to " + to.repositoryReference());
      p.building = true;
      return null;
    }
    if (copy.get().error() != null) {
      p.built = Progress.Value.no("PromotionFailed", copy.get().error());
      p.failed = true;
      return null;
    }
    p.built = Progress.Value.yes("Promoted", "copied " + ready.image() + " to " + copy.get().result().byDigest());
    return new Release(ready.commit(), copy.get().result().byDigest());
  }

  private UpdateControl<Environment> finish(Environment environment, Progress p) {
    EnvironmentStatus status = EnvironmentStatusAggregator.build(environment, p, clock);
    if (Statuses.sameContent(environment.getStatus(), status)) {
      UpdateControl<Environment> none = UpdateControl.noUpdate();
      return p.recheckAfter == null ? none : none.rescheduleAfter(p.recheckAfter);
    }
    log.debug("{}/{}: {}", environment.getMetadata().getNamespace(), environment.getMetadata().getName(), status.getPhase());
    UpdateControl<Environment> update = UpdateControl.patchStatus(statusPatch(environment, status));
    return p.recheckAfter == null ? update : update.rescheduleAfter(p.recheckAfter);
  }

  /** A fresh object holding only the status, as server-side apply of the status expects. */
  private static Environment statusPatch(Environment environment, EnvironmentStatus status) {
    Environment patch = new Environment();
    patch.setMetadata(new ObjectMetaBuilder()
        .withName(environment.getMetadata().getName())
        .withNamespace(environment.getMetadata().getNamespace())
        .build());
    patch.setStatus(status);
    return patch;
  }

  /** The Environments of a project, from the controller's own cache. */
  private static Set<ResourceID> environmentsOf(EventSourceContext<Environment> context, String namespace, String project) {
    return context.getPrimaryCache()
        .list(namespace, e -> e.getSpec() != null && project.equals(e.getSpec().getProject()))
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
