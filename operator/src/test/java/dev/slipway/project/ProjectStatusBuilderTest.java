package dev.slipway.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.ProjectStatus;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Convergence;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProjectStatusBuilderTest {

  private final Clock clock = Clock.fixed(Instant.parse("2026-03-01T00:00:00Z"), ZoneOffset.UTC);

  private static Project project() {
    Project p = new Project();
    p.setMetadata(new ObjectMetaBuilder().withName("shop").withNamespace("team-a").withGeneration(4L).build());
    p.setSpec(new ProjectSpec());
    return p;
  }

  private Environment environment(String name, Phase phase, boolean ready) {
    return environment(name, phase, ready, Convergence.converged());
  }

  /** An Environment at generation 1 that reported on it, with Ready and kstatus's condition. */
  private Environment environment(String name, Phase phase, boolean ready, Convergence convergence) {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName("shop-" + name).withNamespace("team-a").withGeneration(1L).build());
    e.setSpec(EnvironmentMapping.environmentSpecs(project(), DatabaseMode.DEDICATED).stream()
        .filter(spec -> spec.getEnvironment().equals(name)).findFirst().orElseThrow());
    EnvironmentStatus s = new EnvironmentStatus();
    s.setObservedGeneration(1L);
    s.setObservedProjectGeneration(4L);
    s.setPhase(phase);
    s.setUrl("https://shop-" + name + ".apps.example.com");
    s.setShortCommit("3f2a9c1");
    Conditions c = new Conditions(null, 1, clock).set(ConditionTypes.READY, ready, ready ? "Available" : "Building", "");
    s.setConditions(convergence.applyTo(c).build());
    e.setStatus(s);
    return e;
  }

  private static Optional<Condition> condition(ProjectStatus s, String type) {
    return Conditions.find(s.getConditions(), type);
  }

  @Test
  void missingEnvironmentsArePendingAndNotReady() {
    ProjectStatus status = ProjectStatusBuilder.build(project(), Map.of(), DatabaseMode.DEDICATED, clock);
    assertThat(status.getObservedGeneration()).isEqualTo(4L);
    assertThat(status.getEnvironmentNames()).isEqualTo("test,live");
    assertThat(status.getReady()).isEqualTo("0/2");
    assertThat(status.getEnvironments()).extracting("environment").containsExactly("shop-test", "shop-live");
    assertThat(status.getEnvironments()).extracting("phase").containsOnly(Phase.Pending);
    var ready = Conditions.find(status.getConditions(), ConditionTypes.READY).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getMessage()).isEqualTo("not ready: test (Pending), live (Pending)");
  }

  @Test
  void readyWhenEveryEnvironmentIsReady() {
    ProjectStatus partly = ProjectStatusBuilder.build(project(),
        Map.of("test", environment("test", Phase.Ready, true), "live", environment("live", Phase.Building, false)), DatabaseMode.DEDICATED, clock);
    assertThat(partly.getReady()).isEqualTo("1/2");
    assertThat(partly.getEnvironments().get(0).getUrl()).isEqualTo("https://shop-test.apps.example.com");
    assertThat(partly.getEnvironments().get(0).getCommit()).isEqualTo("3f2a9c1");
    assertThat(Conditions.isTrue(partly.getConditions(), ConditionTypes.READY)).isFalse();

    ProjectStatus all = ProjectStatusBuilder.build(project(),
        Map.of("test", environment("test", Phase.Ready, true), "live", environment("live", Phase.Ready, true)), DatabaseMode.DEDICATED, clock);
    assertThat(all.getReady()).isEqualTo("2/2");
    assertThat(Conditions.find(all.getConditions(), ConditionTypes.READY).orElseThrow().getReason()).isEqualTo("AllEnvironmentsReady");
    assertThat(all.getEnvironments()).extracting("ready").containsOnly(true);
  }

  @Test
  void reconcilingWhileEnvironmentsAreMissingUnreportedOrBusy() {
    ProjectStatus none = ProjectStatusBuilder.build(project(), Map.of(), DatabaseMode.DEDICATED, clock);
    Condition reconciling = condition(none, ConditionTypes.RECONCILING).orElseThrow();
    assertThat(reconciling.getStatus()).isEqualTo("True");
    assertThat(reconciling.getReason()).isEqualTo("EnvironmentsReconciling");
    assertThat(reconciling.getMessage()).isEqualTo("test: not created yet; live: not created yet");
    assertThat(reconciling.getObservedGeneration()).isEqualTo(4L);

    Environment unreported = environment("live", Phase.Pending, false);
    unreported.setStatus(null);
    ProjectStatus busy = ProjectStatusBuilder.build(project(), Map.of(
        "test", environment("test", Phase.Building, false, Convergence.reconciling("Building", "building 3f2a9c1 in Job j")),
        "live", unreported), DatabaseMode.DEDICATED, clock);
    assertThat(condition(busy, ConditionTypes.RECONCILING).orElseThrow().getMessage())
        .isEqualTo("test: building 3f2a9c1 in Job j; live: no status yet");
    assertThat(condition(busy, ConditionTypes.STALLED)).isEmpty();
  }

  @Test
  void anEnvironmentWhoseStatusPredatesItsSpecIsNeitherReadyNorDone() {
    Environment changed = environment("test", Phase.Ready, true);
    changed.getMetadata().setGeneration(2L); // the Project just changed its spec
    ProjectStatus status = ProjectStatusBuilder.build(project(),
        Map.of("test", changed, "live", environment("live", Phase.Ready, true)), DatabaseMode.DEDICATED, clock);
    assertThat(status.getReady()).isEqualTo("1/2");
    assertThat(Conditions.isTrue(status.getConditions(), ConditionTypes.READY)).isFalse();
    assertThat(condition(status, ConditionTypes.RECONCILING).orElseThrow().getMessage())
        .isEqualTo("test: has not reported on generation 2 yet");
  }

  @Test
  void anEnvironmentTheCacheShowsWithItsOldSpecIsNotDoneEvenIfItWasReady() {
    Environment before = environment("test", Phase.Ready, true);
    before.getSpec().setReplicas(3); // what it was before this reconcile applied the Project's new spec
    ProjectStatus status = ProjectStatusBuilder.build(project(),
        Map.of("test", before, "live", environment("live", Phase.Ready, true)), DatabaseMode.DEDICATED, clock);
    assertThat(Conditions.isTrue(status.getConditions(), ConditionTypes.READY)).isFalse();
    assertThat(condition(status, ConditionTypes.RECONCILING).orElseThrow().getMessage()).isEqualTo("test: getting the Project's new spec");
  }

  @Test
  void anEnvironmentThatHasNotSeenTheProjectsNewSettingsIsNotDone() {
    Environment behind = environment("test", Phase.Ready, true);
    behind.getStatus().setObservedProjectGeneration(3L); // the Project's env changed (generation 4): same Environment spec
    ProjectStatus status = ProjectStatusBuilder.build(project(),
        Map.of("test", behind, "live", environment("live", Phase.Ready, true)), DatabaseMode.DEDICATED, clock);
    assertThat(status.getReady()).isEqualTo("1/2");
    assertThat(condition(status, ConditionTypes.RECONCILING).orElseThrow().getMessage())
        .isEqualTo("test: has not caught up with the Project's generation 4 yet");
  }

  @Test
  void stalledWhenAnEnvironmentIsWithItsReasonAndMessage() {
    ProjectStatus status = ProjectStatusBuilder.build(project(), Map.of(
        "test", environment("test", Phase.Failed, false, Convergence.stalled("BuildFailed", "build of 3f2a9c1 failed: exit 3")),
        "live", environment("live", Phase.Pending, false, Convergence.reconciling("SourceNotReady", "test has nothing Ready to promote"))),
        DatabaseMode.DEDICATED, clock);
    Condition stalled = condition(status, ConditionTypes.STALLED).orElseThrow();
    assertThat(stalled.getStatus()).isEqualTo("True");
    assertThat(stalled.getReason()).isEqualTo("BuildFailed");
    assertThat(stalled.getMessage()).isEqualTo("test: build of 3f2a9c1 failed: exit 3");
    assertThat(condition(status, ConditionTypes.RECONCILING)).as("one or the other").isEmpty();
  }

  @Test
  void convergedWhenEveryEnvironmentIsDoneEvenIfOneIsStopped() {
    ProjectStatus ready = ProjectStatusBuilder.build(project(),
        Map.of("test", environment("test", Phase.Ready, true), "live", environment("live", Phase.Ready, true)), DatabaseMode.DEDICATED, clock);
    assertThat(condition(ready, ConditionTypes.RECONCILING)).isEmpty();
    assertThat(condition(ready, ConditionTypes.STALLED)).isEmpty();

    ProjectStatus stopped = ProjectStatusBuilder.build(project(),
        Map.of("test", environment("test", Phase.Ready, true), "live", environment("live", Phase.Stopped, false)), DatabaseMode.DEDICATED, clock);
    assertThat(Conditions.isTrue(stopped.getConditions(), ConditionTypes.READY)).isFalse();
    assertThat(condition(stopped, ConditionTypes.RECONCILING)).isEmpty();
    assertThat(condition(stopped, ConditionTypes.STALLED)).isEmpty();
  }

  @Test
  void rebuildingFromItsOwnOutputChangesNothing() {
    Project p = project();
    ProjectStatus first = ProjectStatusBuilder.build(p, Map.of(), DatabaseMode.DEDICATED, clock);
    p.setStatus(first);
    ProjectStatus second = ProjectStatusBuilder.build(p, Map.of(), DatabaseMode.DEDICATED, Clock.offset(clock, java.time.Duration.ofHours(1)));
    assertThat(dev.slipway.status.Statuses.sameContent(first, second)).isTrue();
    assertThat(List.of(second.getConditions().get(0).getLastTransitionTime())).containsExactly("2026-03-01T00:00:00Z");
  }
}
