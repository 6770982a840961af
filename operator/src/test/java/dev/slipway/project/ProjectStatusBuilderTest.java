package dev.slipway.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.ProjectStatus;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
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
    Environment e = new Environment();
    EnvironmentStatus s = new EnvironmentStatus();
    s.setPhase(phase);
    s.setUrl("https://shop-" + name + ".apps.example.com");
    s.setShortCommit("3f2a9c1");
    s.setConditions(new Conditions(null, 1, clock).set(ConditionTypes.READY, ready, ready ? "Available" : "Building", "").build());
    e.setStatus(s);
    return e;
  }

  @Test
  void missingEnvironmentsArePendingAndNotReady() {
    ProjectStatus status = ProjectStatusBuilder.build(project(), Map.of(), clock);
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
        Map.of("test", environment("test", Phase.Ready, true), "live", environment("live", Phase.Building, false)), clock);
    assertThat(partly.getReady()).isEqualTo("1/2");
    assertThat(partly.getEnvironments().get(0).getUrl()).isEqualTo("https://shop-test.apps.example.com");
    assertThat(partly.getEnvironments().get(0).getCommit()).isEqualTo("3f2a9c1");
    assertThat(Conditions.isTrue(partly.getConditions(), ConditionTypes.READY)).isFalse();

    ProjectStatus all = ProjectStatusBuilder.build(project(),
        Map.of("test", environment("test", Phase.Ready, true), "live", environment("live", Phase.Ready, true)), clock);
    assertThat(all.getReady()).isEqualTo("2/2");
    assertThat(Conditions.find(all.getConditions(), ConditionTypes.READY).orElseThrow().getReason()).isEqualTo("AllEnvironmentsReady");
    assertThat(all.getEnvironments()).extracting("ready").containsOnly(true);
  }

  @Test
  void rebuildingFromItsOwnOutputChangesNothing() {
    Project p = project();
    ProjectStatus first = ProjectStatusBuilder.build(p, Map.of(), clock);
    p.setStatus(first);
    ProjectStatus second = ProjectStatusBuilder.build(p, Map.of(), Clock.offset(clock, java.time.Duration.ofHours(1)));
    assertThat(dev.slipway.status.Statuses.sameContent(first, second)).isTrue();
    assertThat(List.of(second.getConditions().get(0).getLastTransitionTime())).containsExactly("2026-03-01T00:00:00Z");
  }
}
