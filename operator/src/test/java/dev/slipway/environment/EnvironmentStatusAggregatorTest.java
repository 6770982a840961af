package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.deploy.Release;
import dev.slipway.environment.EnvironmentStatusAggregator.Activity;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Convergence;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The status as the aggregator derives it from what one reconcile's steps recorded: phase, Deployed, Ready, kstatus. */
class EnvironmentStatusAggregatorTest {

  private final Clock clock = Clock.fixed(Instant.parse("2026-03-01T00:00:00Z"), ZoneOffset.UTC);
  private static final ConditionValue RESOLVED = yes("Resolved", "develop is at 3f2a9c1");
  private static final ConditionValue BUILT = yes("Succeeded", "built 3f2a9c1 as r/shop@sha256:1");
  private static final ConditionValue NO_DB = yes("NoDatabase", "the project has no database");
  private static final ConditionValue MIGRATED = yes("Succeeded", "release command succeeded");
  private static final ConditionValue ROLLED_OUT = yes("RolledOut", "runs 3f2a9c1");
  private static final ConditionValue AVAILABLE = yes("Available", "1/1 replicas at http://shop-test.apps.test");

  private static Environment environment(long generation) {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName("shop-test").withNamespace("team-a").withGeneration(generation).build());
    return e;
  }

  private static final String IMAGE = "r/shop@sha256:1";
  private static final Release RELEASE = new Release("3f2a9c1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", IMAGE);

  /** An aggregator as one reconcile's steps fill it: the database (none), then the candidate. */
  private EnvironmentStatusAggregator steps(Environment e, Candidate candidate) {
    EnvironmentStatusAggregator a = new EnvironmentStatusAggregator(e, clock);
    a.record(new DatabaseStep.Outcome(null, true, NO_DB, null, null, false, false));
    a.record(candidate);
    a.record(ReleaseDecision.decide(null, candidate.release(), true, false), "http://shop-test.apps.test");
    return a;
  }

  private static Candidate candidate(ConditionValue built, boolean building, boolean failed, Release release) {
    return new Candidate(release, "3f2a9c1", RESOLVED, built, List.of(), building, failed);
  }

  private static RolloutStep.Outcome rolledOut() {
    return new RolloutStep.Outcome(ROLLED_OUT, AVAILABLE, true, "http://shop-test.apps.test", false, false, false);
  }

  private static List<ConditionValue> conditions(ConditionValue... values) {
    return java.util.Arrays.stream(values).filter(java.util.Objects::nonNull).toList();
  }

  private static ConditionValue yes(String reason, String message) {
    return new ConditionValue(Conditions.TRUE, reason, message);
  }

  private static ConditionValue no(String reason, String message) {
    return new ConditionValue(Conditions.FALSE, reason, message);
  }

  private static ConditionValue unknown(String reason, String message) {
    return new ConditionValue(Conditions.UNKNOWN, reason, message);
  }

  private static Optional<Condition> condition(EnvironmentStatus s, String type) {
    return Conditions.find(s.getConditions(), type);
  }

  @Test
  void aBuildInProgressIsReconcilingWithWhatItWaitsFor() {
    EnvironmentStatus s = steps(environment(1),
        candidate(no("Building", "building 3f2a9c1 in Job shop-build-3f2a9c1aaaaa"), true, false, null)).build();
    assertThat(s.getPhase()).isEqualTo(Phase.Building);
    assertThat(condition(s, ConditionTypes.DEPLOYED).orElseThrow().getReason()).isEqualTo("NothingToDeploy");
    Condition reconciling = condition(s, ConditionTypes.RECONCILING).orElseThrow();
    assertThat(reconciling.getStatus()).isEqualTo("True");
    assertThat(reconciling.getReason()).isEqualTo("Building");
    assertThat(reconciling.getMessage()).isEqualTo("building 3f2a9c1 in Job shop-build-3f2a9c1aaaaa");
    assertThat(reconciling.getObservedGeneration()).isEqualTo(1L);
    assertThat(condition(s, ConditionTypes.STALLED)).isEmpty();
    assertThat(condition(s, ConditionTypes.READY).orElseThrow().getStatus()).as("Ready is kept").isEqualTo("False");
  }

  @Test
  void everyBusyPhaseIsReconciling() {
    assertThat(EnvironmentStatusAggregator.convergence(Phase.Pending,
        conditions(unknown("Resolving", "resolving develop at https://git.example.com/shop.git"))))
        .satisfies(c -> {
          assertThat(c.isReconciling()).isTrue();
          assertThat(c.reason()).isEqualTo("Resolving");
        });
    assertThat(EnvironmentStatusAggregator.convergence(Phase.Migrating, conditions(RESOLVED, BUILT, NO_DB,
        no("Running", "migrating in Job shop-test-release-1"), no("WaitingForRelease", "migrating for 3f2a9c1"),
        no("NotDeployed", "migrating for 3f2a9c1"))).reason()).isEqualTo("Running");
    assertThat(EnvironmentStatusAggregator.convergence(Phase.Deploying, conditions(RESOLVED, BUILT, NO_DB, MIGRATED,
        no("RollingOut", "rolling out 3f2a9c1: 0/1 updated"), no("RollingOut", "0/1 updated"))))
        .satisfies(c -> {
          assertThat(c.isReconciling()).isTrue();
          assertThat(c.message()).isEqualTo("rolling out 3f2a9c1: 0/1 updated");
        });
  }

  @Test
  void aFailedBuildIsStalledWithTheBuildsMessage() {
    EnvironmentStatus s = steps(environment(2),
        candidate(no("BuildFailed", "build of 3f2a9c1 failed: RUN exit 3: the build breaks here"), false, true, null)).build();
    assertThat(s.getPhase()).isEqualTo(Phase.Failed);
    Condition stalled = condition(s, ConditionTypes.STALLED).orElseThrow();
    assertThat(stalled.getStatus()).isEqualTo("True");
    assertThat(stalled.getReason()).isEqualTo("BuildFailed");
    assertThat(stalled.getMessage()).isEqualTo("build of 3f2a9c1 failed: RUN exit 3: the build breaks here");
    assertThat(condition(s, ConditionTypes.RECONCILING)).isEmpty();
  }

  @Test
  void aRolloutPastItsDeadlineIsStalled() {
    var c = EnvironmentStatusAggregator.convergence(Phase.Failed, conditions(RESOLVED, BUILT, NO_DB, MIGRATED,
        no("RolloutFailed", "rolling out 3f2a9c1 failed: CrashLoopBackOff"),
        no("ProgressDeadlineExceeded", "CrashLoopBackOff")));
    assertThat(c.isStalled()).isTrue();
    assertThat(c.reason()).isEqualTo("RolloutFailed");
  }

  @Test
  void anUnreachableRemoteIsRetriedSoItIsReconcilingNotStalled() {
    var c = EnvironmentStatusAggregator.convergence(Phase.Failed, conditions(
        no("RemoteUnreachable", "git.example.com: connection refused"), BUILT, NO_DB, MIGRATED, ROLLED_OUT, AVAILABLE));
    assertThat(c.isReconciling()).isTrue();
    assertThat(c.reason()).isEqualTo("RemoteUnreachable");
    assertThat(c.message()).isEqualTo("retrying: git.example.com: connection refused");
  }

  @Test
  void readyStoppedAndWaitingForADeployRequestAreConverged() {
    Map<Phase, List<ConditionValue>> cases = new LinkedHashMap<>();
    cases.put(Phase.Ready, conditions(RESOLVED, BUILT, NO_DB, MIGRATED, ROLLED_OUT, AVAILABLE));
    cases.put(Phase.Stopped, conditions(RESOLVED, BUILT, NO_DB, MIGRATED, yes("ScaledToZero", "runs 3f2a9c1 with 0 replicas"),
        no("ScaledToZero", "0/0 (replicas: 0)")));
    cases.put(Phase.Pending, conditions(RESOLVED, BUILT, NO_DB,
        no("AwaitingDeployRequest", "3f2a9c1 is ready to deploy: set a new value of the slipway.dev/deploy annotation"),
        no("NotDeployed", "nothing is deployed yet")));
    cases.forEach((phase, steps) -> assertThat(EnvironmentStatusAggregator.convergence(phase, steps)).as(phase.name())
        .isEqualTo(Convergence.converged()));
  }

  @Test
  void reconcilingGoesAwayOnceReadyAndAQuietReconcileChangesNothing() {
    Environment e = environment(1);
    Candidate building = candidate(no("Building", "building 3f2a9c1 in Job j"), true, false, null);
    EnvironmentStatus first = steps(e, building).build();
    assertThat(condition(first, ConditionTypes.RECONCILING)).isPresent();
    e.setStatus(first);
    EnvironmentStatusAggregator again = new EnvironmentStatusAggregator(e, Clock.offset(clock, Duration.ofMinutes(5)));
    again.record(new DatabaseStep.Outcome(null, true, NO_DB, null, null, false, false));
    again.record(building);
    again.record(ReleaseDecision.decide(null, null, true, false), "http://shop-test.apps.test");
    assertThat(Statuses.sameContent(first, again.build())).as("the same steps write the same status").isTrue();

    EnvironmentStatusAggregator done = steps(e, candidate(BUILT, false, false, RELEASE));
    done.record(new ReleaseStep.Outcome(ReleaseStep.Gate.OPEN, null, MIGRATED, List.of(), null));
    done.record(rolledOut(), RELEASE);
    EnvironmentStatus ready = done.build();
    assertThat(ready.getPhase()).isEqualTo(Phase.Ready);
    assertThat(condition(ready, ConditionTypes.RECONCILING)).isEmpty();
    assertThat(ready.getImage()).isEqualTo(IMAGE);
    assertThat(ready.getConditions()).extracting(Condition::getType)
        .containsExactly(ConditionTypes.SOURCE_RESOLVED, ConditionTypes.BUILT, ConditionTypes.DATABASE_READY,
            ConditionTypes.MIGRATED, ConditionTypes.DEPLOYED, ConditionTypes.READY);
  }

  /** The phase rules, one row per case: what the steps found, and the phase that summarizes it. */
  @Test
  void thePhaseIsWhatTheEnvironmentIsBusyWithThenFailedThenWhereItStands() {
    record Row(Set<Activity> seen, Phase phase) {}
    List<Row> table = List.of(
        new Row(EnumSet.noneOf(Activity.class), Phase.Pending),
        new Row(EnumSet.of(Activity.SERVING), Phase.Ready),
        new Row(EnumSet.of(Activity.SERVING, Activity.STOPPED), Phase.Stopped),
        new Row(EnumSet.of(Activity.PROVISIONING), Phase.Provisioning),
        new Row(EnumSet.of(Activity.PROVISIONING, Activity.STOPPED, Activity.SERVING), Phase.Provisioning),
        new Row(EnumSet.of(Activity.FAILED), Phase.Failed),
        new Row(EnumSet.of(Activity.FAILED, Activity.PROVISIONING, Activity.SERVING), Phase.Failed),
        new Row(EnumSet.of(Activity.ROLLING_OUT, Activity.FAILED), Phase.Deploying),
        new Row(EnumSet.of(Activity.MIGRATING, Activity.ROLLING_OUT, Activity.FAILED), Phase.Migrating),
        new Row(EnumSet.of(Activity.BUILDING, Activity.MIGRATING, Activity.FAILED, Activity.SERVING), Phase.Building),
        new Row(EnumSet.allOf(Activity.class), Phase.Building));
    for (Row row : table) {
      assertThat(EnvironmentStatusAggregator.phase(row.seen())).as(row.seen().toString()).isEqualTo(row.phase());
    }
  }

  /** Deployed and Ready as derived from what the steps recorded, one row per way a reconcile ends. */
  @Test
  void deployedAndReadyAreDerivedFromTheStepsThatRan() {
    record Row(String name, java.util.function.Consumer<EnvironmentStatusAggregator> steps, String deployed, String ready, Phase phase) {}
    ConditionValue waitingForDb = no("WaitingForDatabase", "waiting for the database before deploying 3f2a9c1");
    List<Row> table = List.of(
        new Row("no Project: nothing but the source", a -> a.projectMissing("shop"), null, null, Phase.Pending),
        new Row("no spec: left from an earlier write", EnvironmentStatusAggregator::specMissing, null, null, Phase.Failed),
        new Row("nothing to deploy", a -> a.record(ReleaseDecision.decide(null, null, true, false), "u"),
            "NothingToDeploy:nothing to deploy yet", "NotDeployed:nothing is deployed yet", Phase.Pending),
        new Row("a deploy request, nothing built", a -> a.record(ReleaseDecision.decide(null, null, false, true), "u"),
            "DeployRequestWaiting:deploy requested; waiting for a release to deploy", "NotDeployed:nothing is deployed yet", Phase.Pending),
        new Row("built, waiting for a deploy request", a -> {
          a.record(candidate(BUILT, false, false, RELEASE));
          a.record(ReleaseDecision.decide(null, RELEASE, false, false), "u");
        }, "AwaitingDeployRequest:3f2a9c1 is ready to deploy: set a new value of the slipway.dev/deploy annotation",
            "NotDeployed:nothing is deployed yet", Phase.Pending),
        new Row("the first release held at a gate", a -> {
          a.record(ReleaseDecision.decide(null, RELEASE, true, false), "u");
          a.record(new ReleaseStep.Outcome(ReleaseStep.Gate.WAITING, waitingForDb, null, List.of(), null));
        }, "WaitingForDatabase:" + waitingForDb.message(), "NotDeployed:" + waitingForDb.message(), Phase.Pending),
        new Row("a new release held while the old one serves", a -> {
          a.record(ReleaseDecision.decide(null, RELEASE, true, false), "u");
          a.record(new ReleaseStep.Outcome(ReleaseStep.Gate.FAILED, no("WaitingForRelease", "the release command failed"),
              no("MigrationFailed", "exit 1"), List.of(), null));
          a.record(rolledOut(), RELEASE);
        }, "WaitingForRelease:the release command failed", "Available:" + AVAILABLE.message(), Phase.Failed),
        new Row("rolled out, a newer build waits for a deploy request", a -> {
          Release newer = new Release("77d01beaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "r/shop@sha256:2");
          a.record(candidate(BUILT, false, false, newer));
          a.record(ReleaseDecision.decide(RELEASE, newer, false, false), "u");
          a.record(new ReleaseStep.Outcome(ReleaseStep.Gate.OPEN, null, MIGRATED, List.of(), null));
          a.record(rolledOut(), RELEASE);
        }, "RolledOut:runs 3f2a9c1; 77d01be is ready to deploy: set a new value of the slipway.dev/deploy annotation",
            "Available:" + AVAILABLE.message(), Phase.Ready),
        new Row("rolling out", a -> {
          a.record(ReleaseDecision.decide(null, RELEASE, true, false), "u");
          a.record(new ReleaseStep.Outcome(ReleaseStep.Gate.OPEN, null, MIGRATED, List.of(), null));
          a.record(new RolloutStep.Outcome(no("RollingOut", "rolling out"), no("RollingOut", "0/1"), false,
              "u", true, false, false), RELEASE);
        }, "RollingOut:rolling out", "RollingOut:0/1", Phase.Deploying),
        new Row("scaled to zero", a -> {
          a.record(ReleaseDecision.decide(null, RELEASE, true, false), "u");
          a.record(new RolloutStep.Outcome(yes("ScaledToZero", "0 replicas"), no("ScaledToZero", "0/0"), true,
              "u", false, false, true), RELEASE);
        }, "ScaledToZero:0 replicas", "ScaledToZero:0/0", Phase.Stopped),
        new Row("sizes refused, nothing ran before", a -> a.refused(no("ResourcesRefused", "too big"), "u"),
            "ResourcesRefused:too big", "NotDeployed:nothing is deployed yet", Phase.Failed));
    for (Row row : table) {
      EnvironmentStatusAggregator a = new EnvironmentStatusAggregator(environment(1), clock);
      row.steps().accept(a);
      EnvironmentStatus s = a.build();
      assertThat(condition(s, ConditionTypes.DEPLOYED).map(c -> c.getReason() + ":" + c.getMessage()).orElse(null)).as(row.name())
          .isEqualTo(row.deployed());
      assertThat(condition(s, ConditionTypes.READY).map(c -> c.getReason() + ":" + c.getMessage()).orElse(null)).as(row.name())
          .isEqualTo(row.ready());
      assertThat(s.getPhase()).as(row.name()).isEqualTo(row.phase());
    }
  }

  @Test
  void requestsAreAnsweredOnlyWhereAStepActsOnThem() {
    Environment e = environment(1);
    e.getMetadata().setAnnotations(Map.of(dev.slipway.Annotations.REFRESH, "r1", dev.slipway.Annotations.DEPLOY, "d1",
        dev.slipway.Annotations.RETRY_RELEASE, "t1"));
    Requests requests = Requests.of(e, new EnvironmentStatus());
    EnvironmentStatus seen = new EnvironmentStatusAggregator(e, clock).seen(requests).build();
    assertThat(seen.getObservedRefresh()).isEqualTo("r1");
    assertThat(seen.getObservedReleaseRetry()).isEqualTo("t1");
    assertThat(seen.getObservedDeployRequest()).as("answered by the rollout, not by being seen").isNull();
    EnvironmentStatusAggregator refused = new EnvironmentStatusAggregator(e, clock);
    refused.refused(no("ResourcesRefused", "too big"), "u");
    assertThat(refused.build().getObservedRefresh()).as("sizes refused: requests stay pending").isNull();
  }
}
