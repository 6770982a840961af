package dev.slipway.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.api.v1alpha1.ComputeResources;
import dev.slipway.api.v1alpha1.ProjectResources;
import dev.slipway.api.v1alpha1.ResourceAmounts;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodResourcesTest {

  private static final OperatorConfig DEFAULTS = OperatorConfig.defaults();

  @Test
  void everyWorkloadHasAllThreeResourcesRequestedAndLimitedByDefault() {
    for (Workload w : Workload.values()) {
      var r = PodResources.requirements(w, DEFAULTS);
      assertThat(r.getRequests()).as(w.name()).containsOnlyKeys("cpu", "memory", "ephemeral-storage");
      assertThat(r.getLimits()).as(w.name()).containsOnlyKeys("cpu", "memory", "ephemeral-storage");
      for (String kind : Amounts.KINDS) {
        assertThat(r.getRequests().get(kind).getNumericalAmount()).as(w + " " + kind)
            .isLessThanOrEqualTo(r.getLimits().get(kind).getNumericalAmount());
      }
    }
  }

  @Test
  void aValueAboveThePlatformsMaximumIsRefusedNamingTheField() {
    ProjectResources declared = new ProjectResources();
    declared.setWeb(new ComputeResources(null, new ResourceAmounts(null, "16Gi", null)));
    assertThat(PodResources.refusal(declared, DEFAULTS)).hasValueSatisfying(r -> {
      assertThat(r.field()).isEqualTo("spec.resources.web.limits.memory");
      assertThat(r.toString()).isEqualTo("spec.resources.web.limits.memory: 16Gi is above the platform's maximum of 8Gi (SLIPWAY_WEB_MAX)");
    });

    declared.setWeb(null);
    declared.setBackup(new ComputeResources(new ResourceAmounts(null, null, "200Gi"), null));
    assertThat(PodResources.refusal(declared, DEFAULTS)).hasValueSatisfying(r ->
        assertThat(r.field()).isEqualTo("spec.resources.backup.requests.ephemeral-storage"));

    // The maximum is the platform's to set.
    OperatorConfig generous = OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_MAX", "ephemeral-storage=500Gi"));
    assertThat(PodResources.refusal(declared, generous)).isEmpty();
    assertThat(PodResources.requirements(Workload.BACKUP, declared.getBackup(), generous).getLimits())
        .containsEntry("ephemeral-storage", new Quantity("200Gi"));
  }

  @Test
  void aRequestAboveItsOwnLimitOrNothingAtAllIsRefused() {
    ProjectResources declared = new ProjectResources();
    declared.setBuild(new ComputeResources(new ResourceAmounts("3", null, null), new ResourceAmounts("2", null, null)));
    assertThat(PodResources.refusal(declared, DEFAULTS)).hasValueSatisfying(r -> assertThat(r.toString())
        .isEqualTo("spec.resources.build.requests.cpu: 3 is above its limit of 2 (spec.resources.build.limits.cpu)"));

    declared.setBuild(new ComputeResources(null, new ResourceAmounts(null, "0", null)));
    assertThat(PodResources.refusal(declared, DEFAULTS)).hasValueSatisfying(r -> assertThat(r.toString())
        .isEqualTo("spec.resources.build.limits.memory: 0 must be more than 0"));
    assertThatThrownBy(() -> PodResources.requirements(Workload.BUILD, declared.getBuild(), DEFAULTS))
        .hasMessageContaining("spec.resources.build.limits.memory");
  }

  @Test
  void settingsAreReadAsKubectlWritesThemAndContradictionsStopTheOperator() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of("SLIPWAY_WEB_REQUESTS", "memory=384Mi, cpu=200m",
        "SLIPWAY_WEB_LIMITS", "ephemeral-storage=2Gi"));
    var r = PodResources.requirements(Workload.WEB, c);
    assertThat(r.getRequests()).isEqualTo(Map.of("cpu", new Quantity("200m"), "memory", new Quantity("384Mi"),
        "ephemeral-storage", new Quantity("256Mi")));
    assertThat(r.getLimits()).containsEntry("ephemeral-storage", new Quantity("2Gi"));

    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BUILD_REQUESTS", "memory=4Gi")))
        .isInstanceOf(OperatorConfig.ConfigException.class)
        .hasMessage("SLIPWAY_BUILD_REQUESTS: memory=4Gi is above SLIPWAY_BUILD_LIMITS's 2Gi");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_WEB_LIMITS", "cpu=8")))
        .hasMessage("SLIPWAY_WEB_LIMITS: cpu=8 is above SLIPWAY_WEB_MAX's 4");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_LIMITS", "disk=1Gi")))
        .hasMessageStartingWith("SLIPWAY_BACKUP_LIMITS: 'disk=1Gi' is not cpu=<quantity>");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BUILD_MEMORY", "3Gi")))
        .hasMessageContaining("SLIPWAY_BUILD_MEMORY is no longer read: set SLIPWAY_BUILD_REQUESTS=memory=");
  }
}
