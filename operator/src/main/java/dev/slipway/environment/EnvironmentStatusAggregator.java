package dev.slipway.environment;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.BackupReference;
import dev.slipway.api.v1alpha1.BackupScheduleStatus;
import dev.slipway.api.v1alpha1.BuildRecord;
import dev.slipway.api.v1alpha1.DatabaseStatus;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.CronStatus;
import dev.slipway.api.v1alpha1.ProcessStatus;
import dev.slipway.api.v1alpha1.ReleaseRecord;
import dev.slipway.deploy.Release;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Convergence;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An Environment's status, built up by the steps of one reconcile (as Keycloak's
 * KeycloakStatusAggregator): each step records what it found ({@code record(…)}), and what
 * summarizes the steps is derived here, in one place — the Deployed and Ready conditions
 * ({@link #deployed()}, {@link #ready()}), the phase ({@link #phase(Set)}), and kstatus's
 * Reconciling or Stalled ({@link #convergence}). Whatever no step reported (a reconcile that
 * stopped early) stays as the status had it; a condition no step reported is left out.
 */
final class EnvironmentStatusAggregator {

  /** Failures that go away by themselves (the poller retries with backoff): still converging. */
  static final Set<String> TRANSIENT = Set.of(Reasons.SourceResolved.RemoteUnreachable.name(), Reasons.Deployed.ReconcileError.name());
  /** Waiting for a person's request, as the spec asks (autoDeploy: false): done, not converging. */
  static final Set<String> HELD = Set.of(Reasons.Deployed.AwaitingDeployRequest.name());
  static final String NOTHING_DEPLOYED = "nothing is deployed yet";

  /** What the steps found the environment busy with, or standing at; the phase is derived from these. */
  enum Activity { BUILDING, MIGRATING, ROLLING_OUT, FAILED, PROVISIONING, STOPPED, SERVING }

  private final Environment environment;
  private final EnvironmentStatus previous;
  private final Clock clock;
  private final Set<Activity> activities = EnumSet.noneOf(Activity.class);

  // Conditions a step states itself (null: none did).
  private ConditionValue source;
  private ConditionValue built;
  private ConditionValue database;
  private ConditionValue migrated;
  private ConditionValue deployed;
  private ConditionValue ready;
  private ConditionValue domains;
  // What Deployed and Ready are derived from.
  private ReleaseDecision decision;
  private Release newest;
  private ReleaseStep.Outcome gate;
  private RolloutStep.Outcome rollout;

  private String resolvedCommit;
  private Release serving;
  private String url;
  /** The process types as the rollout last saw them (kept from the previous status when this reconcile did not roll out). */
  private List<ProcessStatus> processes;
  /** The scheduled jobs as the rollout last saw them (kept like {@link #processes}). */
  private List<CronStatus> cron;
  private List<BuildRecord> builds;
  private List<ReleaseRecord> releases;
  private DatabaseStatus databaseStatus;
  private String observedRefresh;
  private String observedDeployRequest;
  private String observedPasswordRotation;
  private String observedReleaseRetry;
  private Long observedProjectGeneration;
  private BackupReference latestBackup;
  private BackupScheduleStatus backupSchedule;
  private Duration recheckAfter;

  /** Starts from what the status says (the request values acted on, what runs, the histories). */
  EnvironmentStatusAggregator(Environment environment, Clock clock) {
    this.environment = environment;
    this.previous = Optional.ofNullable(environment.getStatus()).orElseGet(EnvironmentStatus::new);
    this.clock = clock;
    this.resolvedCommit = previous.getResolvedCommit();
    this.serving = running(previous);
    this.url = previous.getUrl();
    this.processes = previous.getProcesses();
    this.cron = previous.getCron();
    this.builds = previous.getBuilds();
    this.releases = previous.getReleases();
    this.databaseStatus = previous.getDatabase();
    this.observedRefresh = previous.getObservedRefresh();
    this.observedDeployRequest = previous.getObservedDeployRequest();
    this.observedPasswordRotation = previous.getObservedPasswordRotation();
    this.observedReleaseRetry = previous.getObservedReleaseRetry();
    this.observedProjectGeneration = previous.getObservedProjectGeneration();
  }

  /** What a status says runs (null: nothing). */
  static Release running(EnvironmentStatus status) {
    return status.getImage() == null ? null : new Release(status.getDeployedCommit(), status.getImage(), status.getSourceImage());
  }

  // ---- what the steps record

  /**
   * A refresh and a retry are answered by the reconcile that sees them: if nothing failed, there
   * is nothing to run again, and a stale request must not rerun a later failure by surprise.
   */
  EnvironmentStatusAggregator seen(Requests requests) {
    if (requests.refresh().isNew()) {
      observedRefresh = requests.refresh().value();
    }
    if (requests.retryRelease().isNew()) {
      observedReleaseRetry = requests.retryRelease().value();
    }
    return this;
  }

  void rotationAnswered(String value) {
    observedPasswordRotation = value;
  }

  EnvironmentStatusAggregator projectMissing(String project) {
    source = ConditionValue.unknown(Reasons.SourceResolved.ProjectNotFound, "Project " + project + " does not exist");
    return this;
  }

  /** An Environment stored without a spec (made before the CRD refused that): nothing to run, nothing to clean up. */
  EnvironmentStatusAggregator specMissing() {
    source = ConditionValue.no(Reasons.SourceResolved.SpecMissing,
        "this Environment has no spec: Environments are made by their Project, so this one is left from an earlier write; delete it");
    activities.add(Activity.FAILED); // needs a person: nothing the operator does makes it whole
    return this;
  }

  /** The Project's settings reach the Environment without a spec change: this status is built from this generation. */
  EnvironmentStatusAggregator projectGeneration(Long generation) {
    observedProjectGeneration = generation;
    return this;
  }

  EnvironmentStatusAggregator latestBackup(BackupReference backup) {
    latestBackup = backup;
    return this;
  }

  /** The DomainsAccepted condition (null: the Environment names no custom domain); a refusal is looked at again soon. */
  void domains(ConditionValue condition, boolean anyRefused) {
    domains = condition;
    if (anyRefused) {
      recheckAfter(DomainClaims.RECHECK);
    }
  }

  /**
   * Sizes the platform refuses: nothing new is looked at, so the other conditions stay as they were
   * and Deployed says what is refused.
   */
  EnvironmentStatusAggregator refused(ConditionValue deployedRefused, String defaultUrl) {
    source = previousCondition(ConditionTypes.SOURCE_RESOLVED);
    built = previousCondition(ConditionTypes.BUILT);
    database = previousCondition(ConditionTypes.DATABASE_READY);
    migrated = previousCondition(ConditionTypes.MIGRATED);
    deployed = deployedRefused;
    ConditionValue before = previousCondition(ConditionTypes.READY);
    ready = before != null ? before : ConditionValue.no(Reasons.Ready.NotDeployed, NOTHING_DEPLOYED);
    url = url != null ? url : defaultUrl;
    activities.add(Activity.FAILED);
    return this;
  }

  DatabaseStep.Outcome record(DatabaseStep.Outcome d) {
    database = d.condition();
    databaseStatus = d.status();
    recheckAfter(d.recheckAfter());
    note(d.provisioning(), Activity.PROVISIONING);
    note(d.failed(), Activity.FAILED);
    return d;
  }

  Candidate record(Candidate c) {
    source = c.source();
    built = c.built();
    resolvedCommit = c.resolvedCommit();
    builds = c.builds();
    newest = c.release();
    note(c.building(), Activity.BUILDING);
    note(c.failed(), Activity.FAILED);
    return c;
  }

  /** The decision, and the URL the web objects are made for. */
  ReleaseDecision record(ReleaseDecision d, String webUrl) {
    decision = d;
    url = webUrl;
    return d;
  }

  /**
   * The promoted copy: while it is not there, Built says how it stands. Once it is, Built says
   * what every later reconcile says too (the copy itself is in the release history): a message
   * that changed with the next reconcile would be a status write with no news.
   */
  PromotionStep.Copy record(PromotionStep.Copy copy) {
    if (!copy.ready() && copy.built() != null) {
      built = copy.built();
    }
    note(copy.copying(), Activity.BUILDING);
    return copy;
  }

  ReleaseStep.Outcome record(ReleaseStep.Outcome g) {
    gate = g;
    migrated = g.migrated();
    releases = g.releases();
    note(g.migrating(), Activity.MIGRATING);
    note(g.gate() == ReleaseStep.Gate.FAILED, Activity.FAILED);
    return g;
  }

  RolloutStep.Outcome record(RolloutStep.Outcome r, Release serve) {
    rollout = r;
    serving = serve;
    url = r.url();
    processes = r.processes();
    cron = r.cron();
    note(!r.complete() && !r.failed(), Activity.ROLLING_OUT);
    note(r.failed(), Activity.FAILED);
    note(r.scaledToZero(), Activity.STOPPED);
    note(r.complete(), Activity.SERVING);
    return r;
  }

  /**
   * A release that passed its gates rolls out: the release history with it, and the deploy
   * request it answers (null: none), answered by this rollout, not before: one request, one rollout.
   */
  void released(Requests.Request deployRequest, List<ReleaseRecord> history) {
    if (deployRequest != null) {
      observedDeployRequest = deployRequest.value();
    }
    releases = history;
  }

  void backupSchedule(BackupScheduleStatus schedule, Duration recheck) {
    backupSchedule = schedule;
    recheckAfter(recheck);
  }

  /** Looks again after {@code d} at the latest (null: no need). */
  void recheckAfter(Duration d) {
    recheckAfter = recheckAfter == null ? d : d == null ? recheckAfter : recheckAfter.compareTo(d) <= 0 ? recheckAfter : d;
  }

  Optional<Duration> recheckAfter() {
    return Optional.ofNullable(recheckAfter);
  }

  // ---- what is derived

  /**
   * Deployed: while a gate holds a new release back, why (what ran before keeps running); once
   * something rolls out, how far it came (and, when a newer release waits for a deploy request,
   * that it does); with nothing to run, what the decision waits for.
   */
  ConditionValue deployed() {
    if (gate != null && gate.deployed() != null) {
      return gate.deployed();
    }
    if (rollout != null) {
      boolean newerWaits = decision != null && Reasons.Deployed.AwaitingDeployRequest.is(decision.waiting()) && newest != null;
      return rollout.complete() && !rollout.scaledToZero() && newerWaits
          ? ConditionValue.yes(Reasons.Deployed.RolledOut, rollout.deployed().message() + "; " + readyToDeploy(newest))
          : rollout.deployed();
    }
    if (deployed != null) {
      return deployed;
    }
    return decision == null || decision.waiting() == null ? null
        : ConditionValue.no(Reasons.Deployed.valueOf(decision.waiting()), waitingMessage(decision.waiting(), newest));
  }

  /**
   * Ready: what the rollout found; with nothing rolled out, NotDeployed (saying what holds the
   * first release back, if a gate does); left out while no step got as far as a decision.
   */
  ConditionValue ready() {
    if (rollout != null) {
      return rollout.ready();
    }
    if (ready != null) {
      return ready;
    }
    if (decision == null) {
      return null;
    }
    return ConditionValue.no(Reasons.Ready.NotDeployed, gate != null && !gate.open() ? gate.deployed().message() : NOTHING_DEPLOYED);
  }

  Phase phase() {
    return phase(activities);
  }

  /**
   * The phase: what the environment is busy with, else Failed when something needs a person,
   * else Provisioning, Stopped, Ready or Pending.
   */
  static Phase phase(Set<Activity> seen) {
    if (seen.contains(Activity.BUILDING)) {
      return Phase.Building;
    }
    if (seen.contains(Activity.MIGRATING)) {
      return Phase.Migrating;
    }
    if (seen.contains(Activity.ROLLING_OUT)) {
      return Phase.Deploying;
    }
    if (seen.contains(Activity.FAILED)) {
      return Phase.Failed;
    }
    if (seen.contains(Activity.PROVISIONING)) {
      return Phase.Provisioning;
    }
    if (seen.contains(Activity.STOPPED)) {
      return Phase.Stopped;
    }
    return seen.contains(Activity.SERVING) ? Phase.Ready : Phase.Pending;
  }

  /**
   * kstatus's view. Ready or Stopped: converged. Failed: Stalled with the first failing
   * condition's reason and message (a failed build is not retried until a new commit or refresh,
   * a failed release command until a retry request, a rollout past its deadline until a new
   * release), except for failures that clear by themselves ({@link #TRANSIENT}), which are
   * Reconciling. Otherwise Reconciling with what the first unfinished step waits for, unless that
   * is a deploy request ({@link #HELD}).
   *
   * @param steps the step conditions in order (nulls left out)
   */
  static Convergence convergence(Phase phase, List<ConditionValue> steps) {
    if (phase == Phase.Ready || phase == Phase.Stopped) {
      return Convergence.converged();
    }
    if (phase == Phase.Failed) {
      ConditionValue failure = steps.stream().filter(v -> Conditions.FALSE.equals(v.status())).findFirst()
          .orElse(ConditionValue.reported(false, "Failed", "failed"));
      return TRANSIENT.contains(failure.reason())
          ? Convergence.reconciling(failure.reason(), "retrying: " + failure.message())
          : Convergence.stalled(failure.reason(), failure.message());
    }
    ConditionValue waiting = steps.stream().filter(v -> !v.isTrue()).findFirst()
        .orElse(new ConditionValue(Conditions.UNKNOWN, phase.name(), "phase " + phase));
    return HELD.contains(waiting.reason()) ? Convergence.converged() : Convergence.reconciling(waiting.reason(), waiting.message());
  }

  /** The status: conditions in a fixed order, then the fields `kubectl get env` shows. */
  EnvironmentStatus build() {
    long generation = environment.getMetadata().getGeneration() == null ? 0 : environment.getMetadata().getGeneration();
    Phase phase = phase();
    Conditions c = new Conditions(previous.getConditions(), generation, clock);
    List<ConditionValue> steps = new ArrayList<>();
    set(c, steps, ConditionTypes.SOURCE_RESOLVED, source);
    set(c, steps, ConditionTypes.BUILT, built);
    set(c, steps, ConditionTypes.DATABASE_READY, database);
    set(c, steps, ConditionTypes.MIGRATED, migrated);
    set(c, steps, ConditionTypes.DEPLOYED, deployed());
    set(c, steps, ConditionTypes.READY, ready());
    convergence(phase, steps).applyTo(c);
    if (domains != null) {
      c.set(DomainClaims.CONDITION, domains.status(), domains.reason(), domains.message());
    }

    EnvironmentStatus s = new EnvironmentStatus();
    s.setObservedGeneration(generation);
    s.setConditions(c.build());
    s.setResolvedCommit(resolvedCommit);
    if (serving != null) {
      s.setDeployedCommit(serving.commit());
      s.setShortCommit(serving.shortCommit());
      s.setImage(serving.image());
      s.setSourceImage(serving.promotedFrom());
    }
    s.setUrl(url);
    s.setBuilds(builds);
    s.setObservedRefresh(observedRefresh);
    s.setObservedDeployRequest(observedDeployRequest);
    s.setObservedPasswordRotation(observedPasswordRotation);
    s.setObservedReleaseRetry(observedReleaseRetry);
    s.setReleases(releases);
    s.setDatabase(databaseStatus);
    s.setPhase(phase);
    s.setLatestBackup(latestBackup);
    s.setObservedProjectGeneration(observedProjectGeneration);
    s.setBackupSchedule(backupSchedule);
    s.setProcesses(processes);
    s.setCron(cron);
    return s;
  }

  /** Deployed while nothing runs, by what the decision waits for. */
  private static String waitingMessage(String waiting, Release newest) {
    return switch (Reasons.Deployed.valueOf(waiting)) {
      case DeployRequestWaiting -> "deploy requested; waiting for a release to deploy";
      case AwaitingDeployRequest -> readyToDeploy(newest);
      default -> "nothing to deploy yet";
    };
  }

  private static String readyToDeploy(Release newest) {
    return newest.shortCommit() + " is ready to deploy: set a new value of the " + Annotations.DEPLOY + " annotation";
  }

  /** A condition as the status had it before this reconcile (null: it had none). */
  ConditionValue previousCondition(String type) {
    return Conditions.find(previous.getConditions(), type).map(c -> new ConditionValue(c.getStatus(), c.getReason(), c.getMessage()))
        .orElse(null);
  }

  private void note(boolean happened, Activity activity) {
    if (happened) {
      activities.add(activity);
    }
  }

  private static void set(Conditions c, List<ConditionValue> steps, String type, ConditionValue v) {
    if (v != null) {
      c.set(type, v.status(), v.reason(), v.message());
      steps.add(v);
    }
  }
}
