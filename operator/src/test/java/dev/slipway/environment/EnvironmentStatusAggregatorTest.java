package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.environment.EnvironmentStatusAggregator.Observed;
import dev.slipway.environment.EnvironmentStatusAggregator.Report;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** kstatus's Reconciling and Stalled as the aggregator derives them from one reconcile's report. */
class EnvironmentStatusAggregatorTest {

  private final Clock clock = Clock.fixed(Instant.parse("2026-03-01T00:00:00Z"), ZoneOffset.UTC);
  private static final ConditionValue RESOLVED = ConditionValue.yes("Resolved", "develop is at 3f2a9c1");
  private static final ConditionValue BUILT = ConditionValue.yes("Succeeded", "built 3f2a9c1 as r/shop@sha256:1");
  private static final ConditionValue NO_DB = ConditionValue.yes("NoDatabase", "the project has no database");
  private static final ConditionValue MIGRATED = ConditionValue.yes("Succeeded", "release command succeeded");
  private static final ConditionValue ROLLED_OUT = ConditionValue.yes("RolledOut", "runs 3f2a9c1");
  private static final ConditionValue AVAILABLE = ConditionValue.yes("Available", "1/1 replicas at http://shop-test.apps.test");

  private static Environment environment(long generation) {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName("shop-test").withNamespace("team-a").withGeneration(generation).build());
    return e;
  }

  private static Report report(Phase phase, ConditionValue source, ConditionValue built, ConditionValue migrated,
      ConditionValue deployed, ConditionValue ready) {
    return new Report(source, built, NO_DB, migrated, deployed, ready, "3f2a9c1", null, null, List.of(), List.of(), null,
        new Observed(null, null, null, null), phase);
  }

  private EnvironmentStatus build(Environment e, Report r) {
    return EnvironmentStatusAggregator.build(e, r, clock);
  }

  private static Optional<Condition> condition(EnvironmentStatus s, String type) {
    return Conditions.find(s.getConditions(), type);
  }

  @Test
  void aBuildInProgressIsReconcilingWithWhatItWaitsFor() {
    EnvironmentStatus s = build(environment(1), report(Phase.Building, RESOLVED,
        ConditionValue.no("Building", "building 3f2a9c1 in Job shop-build-3f2a9c1aaaaa"), null,
        ConditionValue.no("NothingToDeploy", "nothing to deploy yet"), ConditionValue.no("NotDeployed", "nothing is deployed yet")));
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
    assertThat(EnvironmentStatusAggregator.convergence(report(Phase.Pending,
        ConditionValue.unknown("Resolving", "resolving develop at https://git.example.com/shop.git"), null, null, null, null)))
        .satisfies(c -> {
          assertThat(c.isReconciling()).isTrue();
          assertThat(c.reason()).isEqualTo("Resolving");
        });
    assertThat(EnvironmentStatusAggregator.convergence(report(Phase.Migrating, RESOLVED, BUILT,
        ConditionValue.no("Running", "migrating in Job shop-test-release-1"), ConditionValue.no("WaitingForRelease", "migrating for 3f2a9c1"),
        ConditionValue.no("NotDeployed", "migrating for 3f2a9c1"))).reason()).isEqualTo("Running");
    assertThat(EnvironmentStatusAggregator.convergence(report(Phase.Deploying, RESOLVED, BUILT, MIGRATED,
        ConditionValue.no("RollingOut", "rolling out 3f2a9c1: 0/1 updated"), ConditionValue.no("RollingOut", "0/1 updated"))))
        .satisfies(c -> {
          assertThat(c.isReconciling()).isTrue();
          assertThat(c.message()).isEqualTo("rolling out 3f2a9c1: 0/1 updated");
        });
  }

  @Test
  void aFailedBuildIsStalledWithTheBuildsMessage() {
    EnvironmentStatus s = build(environment(2), report(Phase.Failed, RESOLVED,
        ConditionValue.no("BuildFailed", "build of 3f2a9c1 failed: RUN exit 3: the build breaks here"), null,
        ConditionValue.no("NothingToDeploy", "nothing to deploy yet"), ConditionValue.no("NotDeployed", "nothing is deployed yet")));
    Condition stalled = condition(s, ConditionTypes.STALLED).orElseThrow();
    assertThat(stalled.getStatus()).isEqualTo("True");
    assertThat(stalled.getReason()).isEqualTo("BuildFailed");
    assertThat(stalled.getMessage()).isEqualTo("build of 3f2a9c1 failed: RUN exit 3: the build breaks here");
    assertThat(condition(s, ConditionTypes.RECONCILING)).isEmpty();
  }

  @Test
  void aRolloutPastItsDeadlineIsStalled() {
    var c = EnvironmentStatusAggregator.convergence(report(Phase.Failed, RESOLVED, BUILT, MIGRATED,
        ConditionValue.no("RolloutFailed", "rolling out 3f2a9c1 failed: CrashLoopBackOff"),
        ConditionValue.no("ProgressDeadlineExceeded", "CrashLoopBackOff")));
    assertThat(c.isStalled()).isTrue();
    assertThat(c.reason()).isEqualTo("RolloutFailed");
  }

  @Test
  void anUnreachableRemoteIsRetriedSoItIsReconcilingNotStalled() {
    var c = EnvironmentStatusAggregator.convergence(report(Phase.Failed,
        ConditionValue.no("RemoteUnreachable", "git.example.com: connection refused"), BUILT, MIGRATED, ROLLED_OUT, AVAILABLE));
    assertThat(c.isReconciling()).isTrue();
    assertThat(c.reason()).isEqualTo("RemoteUnreachable");
    assertThat(c.message()).isEqualTo("retrying: git.example.com: connection refused");
  }

  @Test
  void readyStoppedAndWaitingForADeployRequestAreConverged() {
    for (Report r : List.of(
        report(Phase.Ready, RESOLVED, BUILT, MIGRATED, ROLLED_OUT, AVAILABLE),
        report(Phase.Stopped, RESOLVED, BUILT, MIGRATED, ConditionValue.yes("ScaledToZero", "runs 3f2a9c1 with 0 replicas"),
            ConditionValue.no("ScaledToZero", "0/0 (replicas: 0)")),
        report(Phase.Pending, RESOLVED, BUILT, null,
            ConditionValue.no("AwaitingDeployRequest", "3f2a9c1 is ready to deploy: set a new value of the slipway.dev/deploy annotation"),
            ConditionValue.no("NotDeployed", "nothing is deployed yet")))) {
      EnvironmentStatus s = build(environment(1), r);
      assertThat(condition(s, ConditionTypes.RECONCILING)).as(r.phase().name()).isEmpty();
      assertThat(condition(s, ConditionTypes.STALLED)).as(r.phase().name()).isEmpty();
    }
  }

  @Test
  void reconcilingGoesAwayOnceReadyAndAQuietReconcileChangesNothing() {
    Environment e = environment(1);
    Report building = report(Phase.Building, RESOLVED, ConditionValue.no("Building", "building 3f2a9c1 in Job j"), null,
        ConditionValue.no("NothingToDeploy", "nothing to deploy yet"), ConditionValue.no("NotDeployed", "nothing is deployed yet"));
    EnvironmentStatus first = build(e, building);
    e.setStatus(first);
    EnvironmentStatus again = EnvironmentStatusAggregator.build(e, building, Clock.offset(clock, Duration.ofMinutes(5)));
    assertThat(Statuses.sameContent(first, again)).as("the same report writes the same status").isTrue();

    EnvironmentStatus ready = build(e, report(Phase.Ready, RESOLVED, BUILT, MIGRATED, ROLLED_OUT, AVAILABLE));
    assertThat(ready.getConditions()).extracting(Condition::getType)
        .containsExactly(ConditionTypes.SOURCE_RESOLVED, ConditionTypes.BUILT, ConditionTypes.DATABASE_READY,
            ConditionTypes.MIGRATED, ConditionTypes.DEPLOYED, ConditionTypes.READY);
  }
}
