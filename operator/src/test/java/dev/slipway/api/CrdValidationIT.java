package dev.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CRDs as the real API server enforces them: every invalid sample is refused with 422 and a
 * message naming the field (first line of each sample: "# expect: <text>"); every example in
 * examples/ is accepted.
 */
@ControlPlaneTest
class CrdValidationIT {

  static Stream<Path> invalidSamples() throws IOException {
    Path dir = LocalControlPlane.repoRootPathStatic().resolve("operator/src/test/resources/invalid");
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> list = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
      assertThat(list).hasSizeGreaterThanOrEqualTo(10);
      return list.stream();
    }
  }

  static Stream<Path> examples() throws IOException {
    Path dir = LocalControlPlane.repoRootPathStatic().resolve("examples");
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> list = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
      assertThat(list).isNotEmpty();
      return list.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSamples")
  void invalidSampleIsRejectedNamingTheField(Path sample, KubernetesClient client, TestNamespace ns) throws IOException {
    String yaml = Files.readString(sample);
    String firstLine = yaml.lines().findFirst().orElse("");
    assertThat(firstLine).as("first line of %s", sample.getFileName()).startsWith("# expect: ");
    String expected = firstLine.substring("# expect: ".length()).trim();
    GenericKubernetesResource resource = Serialization.unmarshal(yaml, GenericKubernetesResource.class);

    assertThatThrownBy(() -> client.resource(resource).inNamespace(ns.name()).create())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).as("HTTP status for %s", sample.getFileName()).isEqualTo(422);
          assertThat(e.getMessage()).as("message for %s", sample.getFileName()).contains(expected);
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void exampleIsAccepted(Path example, KubernetesClient client, TestNamespace ns) throws IOException {
    GenericKubernetesResource resource = Serialization.unmarshal(Files.readString(example), GenericKubernetesResource.class);
    GenericKubernetesResource created = client.resource(resource).inNamespace(ns.name()).create();
    assertThat(created.getMetadata().getUid()).isNotBlank();
    client.resource(created).delete();
  }

  @Test
  void committedCrdsApplyWithKubectl(LocalControlPlane cp) {
    LocalControlPlane.CommandResult result = cp.kubectl("apply", "-f", "crds/");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("projects.slipway.dev").contains("environments.slipway.dev");
  }
}
