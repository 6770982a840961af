package dev.slipway.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.EnvVarSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.Stage;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvironmentMappingTest {

  private static Project project(List<EnvironmentTemplate> mapping) {
    Project p = new Project();
    p.setMetadata(new ObjectMetaBuilder().withName("shop").withNamespace("team-a").build());
    ProjectSpec spec = new ProjectSpec();
    spec.setEnvironments(mapping);
    p.setSpec(spec);
    return p;
  }

  @Test
  void emptyMappingIsThePlatformDefault() {
    List<EnvironmentSpec> specs = EnvironmentMapping.environmentSpecs(project(List.of()));
    assertThat(specs).extracting(EnvironmentSpec::getEnvironment).containsExactly("test", "live");
    EnvironmentSpec test = specs.get(0);
    EnvironmentSpec live = specs.get(1);
    assertThat(test.getStage()).isEqualTo(Stage.TEST);
    assertThat(test.getBranch()).isEqualTo("develop");
    assertThat(test.getAutoDeploy()).isTrue();
    assertThat(test.getPromoteFrom()).isNull();
    assertThat(live.getStage()).isEqualTo(Stage.LIVE);
    assertThat(live.getBranch()).as("a promoted environment tracks no branch").isNull();
    assertThat(live.getAutoDeploy()).isFalse();
    assertThat(live.getPromoteFrom()).isEqualTo("test");
    assertThat(live.getReplicas()).isEqualTo(2);
  }

  @Test
  void stageComesFromTheNameWhenNotGiven() {
    EnvironmentTemplate local = new EnvironmentTemplate("local");
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    EnvironmentTemplate qa = new EnvironmentTemplate("qa");
    qa.setStage(Stage.TEST);
    List<EnvironmentSpec> specs = EnvironmentMapping.environmentSpecs(project(List.of(local, live, qa)));
    assertThat(specs).extracting(EnvironmentSpec::getStage).containsExactly(Stage.LOCAL, Stage.LIVE, Stage.TEST);
    assertThat(specs).extracting(EnvironmentSpec::getAutoDeploy).containsExactly(true, false, true);
    assertThat(specs).extracting(EnvironmentSpec::getReplicas).containsExactly(1, 2, 1);
    assertThat(specs).extracting(EnvironmentSpec::getBranch).containsOnly("develop");
    assertThat(specs).extracting(EnvironmentSpec::getProject).containsOnly("shop");
  }

  @Test
  void explicitValuesWin() {
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    live.setBranch("master");
    live.setReplicas(5);
    live.setAutoDeploy(true);
    live.setDomains(List.of("shop.example.com"));
    live.setEnv(List.of(new EnvVarSpec("FEATURE", "on")));
    live.setCommit("3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39");
    EnvironmentSpec spec = EnvironmentMapping.environmentSpecs(project(List.of(live))).get(0);
    assertThat(spec.getBranch()).isEqualTo("master");
    assertThat(spec.getReplicas()).isEqualTo(5);
    assertThat(spec.getAutoDeploy()).isTrue();
    assertThat(spec.getDomains()).containsExactly("shop.example.com");
    assertThat(spec.getEnv()).containsExactly(new EnvVarSpec("FEATURE", "on"));
    assertThat(spec.getCommit()).isEqualTo("3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39");
  }

  @Test
  void promotedEnvironmentGetsNoBranchEvenWhenTheEntryHasOne() {
    EnvironmentTemplate test = new EnvironmentTemplate("test");
    test.setBranch("develop");
    EnvironmentTemplate staging = new EnvironmentTemplate("staging");
    staging.setStage(Stage.TEST);
    staging.setPromoteFrom("test");
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    live.setBranch("master"); // refused at admission; a Project read before that rule existed may still carry it
    live.setPromoteFrom("staging");
    List<EnvironmentSpec> specs = EnvironmentMapping.environmentSpecs(project(List.of(test, staging, live)));
    assertThat(specs).extracting(EnvironmentSpec::getBranch).containsExactly("develop", null, null);
    assertThat(specs).extracting(EnvironmentSpec::getPromoteFrom).containsExactly(null, "test", "staging");
  }

  @Test
  void buildingEnvironmentsTrackTheirOwnBranches() {
    // The Divio workflow on request: test tracks develop, live tracks master and builds it itself.
    EnvironmentTemplate test = new EnvironmentTemplate("test");
    test.setBranch("develop");
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    live.setBranch("master");
    List<EnvironmentSpec> specs = EnvironmentMapping.environmentSpecs(project(List.of(test, live)));
    assertThat(specs).extracting(EnvironmentSpec::getBranch).containsExactly("develop", "master");
    assertThat(specs).extracting(EnvironmentSpec::getPromoteFrom).containsOnlyNulls();
    assertThat(specs).extracting(EnvironmentSpec::getAutoDeploy).containsExactly(true, false);
  }

  @Test
  void environmentObjectIsNamedAndLabelled() {
    Project p = project(List.of(new EnvironmentTemplate("test")));
    Environment env = EnvironmentMapping.toEnvironment(p, EnvironmentMapping.environmentSpecs(p).get(0));
    assertThat(env.getMetadata().getName()).isEqualTo("shop-test");
    assertThat(env.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(env.getMetadata().getLabels())
        .containsEntry(Labels.PROJECT, "shop")
        .containsEntry(Labels.ENVIRONMENT, "test")
        .containsEntry(Labels.MANAGED_BY, "slipway");
  }
}
