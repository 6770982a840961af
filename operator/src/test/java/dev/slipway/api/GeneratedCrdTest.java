package dev.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the build generated into crds/: names, scope, status subresource and printer columns. */
class GeneratedCrdTest {

  private static CustomResourceDefinition crd(String file) throws IOException {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("crds"))) {
      root = root.getParent();
    }
    return Serialization.unmarshal(Files.readString(root.resolve("crds").resolve(file)), CustomResourceDefinition.class);
  }

  @Test
  void projectCrd() throws IOException {
    CustomResourceDefinition crd = crd("projects.slipway.dev-v1.yml");
    assertThat(crd.getSpec().getGroup()).isEqualTo("slipway.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("proj");
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("slipway");
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    assertThat(v.getName()).isEqualTo("v1alpha1");
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getAdditionalPrinterColumns()).extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("ENVIRONMENTS", "READY", "AGE");
  }

  @Test
  void environmentCrd() throws IOException {
    CustomResourceDefinition crd = crd("environments.slipway.dev-v1.yml");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("env");
    assertThat(crd.getSpec().getNames().getCategories()).containsExactly("slipway");
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    assertThat(v.getSubresources().getStatus()).isNotNull();
    assertThat(v.getAdditionalPrinterColumns()).extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("PROJECT", "STAGE", "BRANCH", "FROM", "COMMIT", "PHASE", "URL", "AGE");
    assertThat(v.getAdditionalPrinterColumns()).extracting(CustomResourceColumnDefinition::getJsonPath)
        .containsExactly(".spec.project", ".spec.stage", ".spec.branch", ".spec.promoteFrom", ".status.shortCommit",
            ".status.phase", ".status.url", ".metadata.creationTimestamp");
  }

  @Test
  void branchHasNoSchemaDefault() throws IOException {
    // A schema default would put a branch next to every promoteFrom, which admission refuses;
    // the Project controller fills in develop for environments that build.
    JSONSchemaProps entry = crd("projects.slipway.dev-v1.yml").getSpec().getVersions().get(0).getSchema()
        .getOpenAPIV3Schema().getProperties().get("spec").getProperties().get("environments").getItems().getSchema();
    assertThat(entry.getProperties().get("branch").getDefault()).isNull();
    JSONSchemaProps envSpec = crd("environments.slipway.dev-v1.yml").getSpec().getVersions().get(0).getSchema()
        .getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(envSpec.getProperties().get("branch").getDefault()).isNull();
  }

  @Test
  void onePromotionChainRulePerPossibleEntry() throws IOException {
    // The chain rules are unrolled per list index: growing maxItems without adding rules would let
    // the entries past the last rule form cycles unchecked.
    JSONSchemaProps environments = crd("projects.slipway.dev-v1.yml").getSpec().getVersions().get(0).getSchema()
        .getOpenAPIV3Schema().getProperties().get("spec").getProperties().get("environments");
    List<ValidationRule> chainRules = environments.getXKubernetesValidations().stream()
        .filter(r -> r.getMessage().contains("within 3 hops")).toList();
    assertThat(chainRules).hasSize(environments.getMaxItems().intValue());
    for (int i = 0; i < chainRules.size(); i++) {
      assertThat(chainRules.get(i).getRule()).startsWith("size(self) <= " + i + " || !(has(self[" + i + "].promoteFrom)");
      assertThat(chainRules.get(i).getMessageExpression()).startsWith("'spec.environments[" + i + "].promoteFrom: '");
    }
  }
}
