package dev.slipway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.BuildRecord;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the informer caches keep of an object. */
class PrunedTest {

  @Test
  void theCachesKeepNoManagedFieldsNorLastAppliedCopy() {
    Pruned.Store<Environment> store = new Pruned.Store<>();
    Environment env = environment();
    store.put(store.getKey(env), env);

    Environment cached = store.get("team/shop-test");
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getMetadata().getAnnotations()).containsOnlyKeys("slipway.dev/deploy");
    assertThat(cached.getMetadata().getResourceVersion()).isEqualTo("42");
    assertThat(cached.getSpec().getBranch()).isEqualTo("develop");
    assertThat(cached.getStatus().getBuilds()).hasSize(1);
  }

  @Test
  void theProjectControllerKeepsOnlyWhatAProjectReports() {
    Pruned.ProjectViewStore store = new Pruned.ProjectViewStore();
    Environment env = environment();
    store.put(store.getKey(env), env);

    Environment cached = store.get("team/shop-test");
    assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
    assertThat(cached.getMetadata().getLabels()).containsEntry("slipway.dev/project", "shop");
    assertThat(cached.getSpec().getBranch()).isEqualTo("develop");
    EnvironmentStatus status = cached.getStatus();
    assertThat(status.getPhase()).isEqualTo(Phase.Building);
    assertThat(status.getUrl()).isEqualTo("https://shop-test.example.com");
    assertThat(status.getShortCommit()).isEqualTo("3f2a9c1");
    assertThat(status.getConditions()).extracting(Condition::getType).containsExactly("Ready", "Reconciling");
    assertThat(status.getObservedGeneration()).as("whether Ready speaks for the current spec").isEqualTo(3L);
    assertThat(status.getObservedProjectGeneration()).as("and for the Project's current settings").isEqualTo(7L);
    assertThat(status.getBuilds()).isNullOrEmpty();
    assertThat(status.getImage()).isNull();
  }

  private static Environment environment() {
    Environment env = new Environment();
    env.setMetadata(new ObjectMetaBuilder().withName("shop-test").withNamespace("team").withResourceVersion("42")
        .withLabels(Map.of("slipway.dev/project", "shop"))
        .withAnnotations(Map.of(Pruned.LAST_APPLIED, "{\"big\":true}", "slipway.dev/deploy", "1"))
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("project").withOperation("Apply").build())
        .build());
    EnvironmentSpec spec = new EnvironmentSpec();
    spec.setProject("shop");
    spec.setEnvironment("test");
    spec.setBranch("develop");
    env.setSpec(spec);
    EnvironmentStatus status = new EnvironmentStatus();
    status.setPhase(Phase.Building);
    status.setUrl("https://shop-test.example.com");
    status.setShortCommit("3f2a9c1");
    status.setImage("registry.example.com/shop@sha256:abc");
    status.setConditions(List.of(
        new ConditionBuilder().withType("Built").withStatus("False").build(),
        new ConditionBuilder().withType("Ready").withStatus("False").build(),
        new ConditionBuilder().withType("Reconciling").withStatus("True").withReason("Building").build()));
    status.setObservedGeneration(3L);
    status.setObservedProjectGeneration(7L);
    status.setBuilds(List.of(new BuildRecord()));
    env.setStatus(status);
    return env;
  }
}
