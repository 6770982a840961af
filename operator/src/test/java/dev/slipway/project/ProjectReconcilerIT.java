package dev.slipway.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.SourceSpec;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Project controller against the real API server and garbage collector. */
@ControlPlaneTest
class ProjectReconcilerIT {

  private static RunningOperator operator;

  @BeforeAll
  static void startOperator(TestNamespace ns) {
    operator = RunningOperator.watching(ns);
  }

  @AfterAll
  static void stopOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  @Test
  void emptyMappingMakesTestAndLiveOnDevelopOwnedByTheProject(KubernetesClient client, TestNamespace ns, LocalControlPlane cp) {
    Project project = client.resource(project(ns, "blog", List.of())).create();

    List<Environment> envs = awaitEnvironments(client, ns, "blog", 2);
    Environment test = byName(envs, "blog-test");
    Environment live = byName(envs, "blog-live");
    assertThat(test.getSpec().getStage()).isEqualTo(Stage.TEST);
    assertThat(test.getSpec().getBranch()).isEqualTo("develop");
    assertThat(test.getSpec().getAutoDeploy()).isTrue();
    assertThat(test.getSpec().getReplicas()).isEqualTo(1);
    assertThat(live.getSpec().getStage()).isEqualTo(Stage.LIVE);
    assertThat(live.getSpec().getBranch()).as("a promoted environment tracks no branch").isNull();
    assertThat(live.getSpec().getAutoDeploy()).isFalse();
    assertThat(live.getSpec().getPromoteFrom()).isEqualTo("test");
    assertThat(live.getSpec().getReplicas()).isEqualTo(2);
    for (Environment env : envs) {
      assertThat(env.getMetadata().getLabels())
          .containsEntry(Labels.PROJECT, "blog")
          .containsEntry(Labels.ENVIRONMENT, env.getSpec().getEnvironment());
      OwnerReference owner = env.getMetadata().getOwnerReferences().get(0);
      assertThat(owner.getKind()).isEqualTo("Project");
      assertThat(owner.getName()).isEqualTo("blog");
      assertThat(owner.getUid()).isEqualTo(project.getMetadata().getUid());
      assertThat(owner.getController()).isTrue();
    }
    // kubectl get env says where each release comes from: test builds develop, live runs what test has Ready.
    LocalControlPlane.CommandResult table = cp.kubectl("get", "env", "-n", ns.name(), "-l", Labels.PROJECT + "=blog",
        "--sort-by=.metadata.name");
    assertThat(table.exitCode()).as(table.output()).isZero();
    List<String> lines = table.output().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(List.of(cell(lines, 1, "NAME"), cell(lines, 1, "BRANCH"), cell(lines, 1, "FROM")))
        .as(table.output()).containsExactly("blog-live", "", "test");
    assertThat(List.of(cell(lines, 2, "NAME"), cell(lines, 2, "BRANCH"), cell(lines, 2, "FROM")))
        .as(table.output()).containsExactly("blog-test", "develop", "");

    // Each Environment is seen by its own controller, and the Project reports them.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (String name : List.of("blog-test", "blog-live")) {
        Environment env = client.resources(Environment.class).inNamespace(ns.name()).withName(name).get();
        assertThat(env.getStatus()).isNotNull();
        assertThat(env.getStatus().getObservedGeneration()).isEqualTo(env.getMetadata().getGeneration());
        assertThat(env.getStatus().getPhase()).isNotNull();
        // The remote (git.example.com) is not reachable from here; the source condition says so.
        assertThat(Conditions.find(env.getStatus().getConditions(), ConditionTypes.SOURCE_RESOLVED)).isPresent();
      }
      Project p = client.resources(Project.class).inNamespace(ns.name()).withName("blog").get();
      assertThat(p.getStatus()).isNotNull();
      assertThat(p.getStatus().getObservedGeneration()).isEqualTo(p.getMetadata().getGeneration());
      assertThat(p.getStatus().getEnvironmentNames()).isEqualTo("test,live");
      assertThat(p.getStatus().getReady()).isEqualTo("0/2");
      assertThat(p.getStatus().getEnvironments()).extracting("name").containsExactly("test", "live");
      for (var summary : p.getStatus().getEnvironments()) {
        Environment env = client.resources(Environment.class).inNamespace(ns.name()).withName(summary.getEnvironment()).get();
        assertThat(summary.getPhase()).isEqualTo(env.getStatus().getPhase());
        assertThat(summary.getReady()).isFalse();
      }
      var ready = Conditions.find(p.getStatus().getConditions(), ConditionTypes.READY).orElseThrow();
      assertThat(ready.getStatus()).isEqualTo("False");
      assertThat(ready.getReason()).isEqualTo("EnvironmentsNotReady");
      assertThat(ready.getObservedGeneration()).isEqualTo(p.getMetadata().getGeneration());
      assertThat(ready.getLastTransitionTime()).isNotBlank();
    });

    // Deleting the Project removes its Environments through the real garbage collector.
    client.resource(project).delete();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
        assertThat(environments(client, ns, "blog")).isEmpty());
  }

  @Test
  void removingAMappingEntryDeletesThatEnvironment(KubernetesClient client, TestNamespace ns) {
    EnvironmentTemplate test = new EnvironmentTemplate("test");
    test.setBranch("develop");
    EnvironmentTemplate staging = new EnvironmentTemplate("staging");
    staging.setStage(Stage.TEST);
    staging.setBranch("release/2.0");
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    live.setPromoteFrom("test");
    live.setDomains(List.of("shop.example.com"));
    client.resource(project(ns, "shop", List.of(test, staging, live))).create();

    List<Environment> envs = awaitEnvironments(client, ns, "shop", 3);
    assertThat(byName(envs, "shop-staging").getSpec().getBranch()).isEqualTo("release/2.0");
    assertThat(byName(envs, "shop-live").getSpec().getDomains()).containsExactly("shop.example.com");
    String liveUid = byName(envs, "shop-live").getMetadata().getUid();

    dev.slipway.testing.Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(ns.name()).withName("shop").edit(p -> {
      p.getSpec().setEnvironments(List.of(p.getSpec().getEnvironments().get(0), p.getSpec().getEnvironments().get(2)));
      return p;
    }));

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(environments(client, ns, "shop")).extracting(e -> e.getMetadata().getName())
            .containsExactlyInAnyOrder("shop-test", "shop-live"));
    // The others were left alone, not recreated.
    assertThat(client.resources(Environment.class).inNamespace(ns.name()).withName("shop-live").get().getMetadata().getUid())
        .isEqualTo(liveUid);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(client.resources(Project.class).inNamespace(ns.name()).withName("shop").get().getStatus().getEnvironmentNames())
            .isEqualTo("test,live"));
  }

  @Test
  void changingAnEntryUpdatesItsEnvironment(KubernetesClient client, TestNamespace ns) {
    EnvironmentTemplate test = new EnvironmentTemplate("test");
    client.resource(project(ns, "wiki", List.of(test))).create();
    awaitEnvironments(client, ns, "wiki", 1);

    dev.slipway.testing.Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(ns.name()).withName("wiki").edit(p -> {
      p.getSpec().getEnvironments().get(0).setBranch("feature/search");
      p.getSpec().getEnvironments().get(0).setReplicas(3);
      return p;
    }));

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Environment env = client.resources(Environment.class).inNamespace(ns.name()).withName("wiki-test").get();
      assertThat(env.getSpec().getBranch()).isEqualTo("feature/search");
      assertThat(env.getSpec().getReplicas()).isEqualTo(3);
    });
  }

  /** One cell of kubectl's table: the row's text under the header's column (columns are left-aligned). */
  static String cell(List<String> lines, int row, String column) {
    String header = lines.get(0);
    int start = header.indexOf(column);
    assertThat(start).as("column %s in %s", column, header).isNotNegative();
    int next = header.indexOf(' ', start);
    while (next >= 0 && next < header.length() && header.charAt(next) == ' ') {
      next++;
    }
    String line = lines.get(row);
    int end = next < 0 || next >= header.length() ? line.length() : Math.min(next, line.length());
    return start >= line.length() ? "" : line.substring(start, end).trim();
  }

  static Project project(TestNamespace ns, String name, List<EnvironmentTemplate> mapping) {
    Project p = new Project();
    p.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns.name()).build());
    ProjectSpec spec = new ProjectSpec();
    SourceSpec source = new SourceSpec();
    source.setUrl("https://git.example.com/acme/" + name + ".git");
    spec.setSource(source);
    spec.setEnvironments(mapping);
    p.setSpec(spec);
    return p;
  }

  static List<Environment> environments(KubernetesClient client, TestNamespace ns, String project) {
    return client.resources(Environment.class).inNamespace(ns.name()).withLabel(Labels.PROJECT, project).list().getItems();
  }

  static List<Environment> awaitEnvironments(KubernetesClient client, TestNamespace ns, String project, int count) {
    await().atMost(Duration.ofSeconds(30)).until(() -> environments(client, ns, project).size() == count);
    return environments(client, ns, project);
  }

  static Environment byName(List<Environment> envs, String name) {
    return envs.stream().filter(e -> e.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no Environment " + name + " among " + envs.stream().map(e -> e.getMetadata().getName()).toList()));
  }
}
