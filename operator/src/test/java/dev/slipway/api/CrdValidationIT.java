package dev.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.SourceSpec;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
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
 * examples/ is accepted, and so is every promotion chain within the hop limit.
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

  /**
   * A finalizer added by server-side apply (as the operator's framework adds one) to an
   * Environment deleted a moment before would create the object anew, with nothing but the
   * finalizer: a spec-less Environment no Project owns, which nothing ever deletes. The CRD
   * refuses it; the same write to an Environment that exists adds the finalizer.
   */
  @Test
  void aFinalizerAppliedToAnEnvironmentThatIsGoneCreatesNothing(KubernetesClient client, TestNamespace ns) {
    GenericKubernetesResource finalizerOnly = new GenericKubernetesResource();
    finalizerOnly.setApiVersion("slipway.dev/v1alpha1");
    finalizerOnly.setKind("Environment");
    finalizerOnly.setMetadata(new ObjectMetaBuilder().withName("gone-test").withNamespace(ns.name())
        .withFinalizers("environments.slipway.dev/finalizer").build());

    assertThatThrownBy(() -> client.resource(finalizerOnly).fieldManager("environment").forceConflicts().serverSideApply())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("spec is required");
        });
    assertThat(client.resources(dev.slipway.api.v1alpha1.Environment.class).inNamespace(ns.name()).withName("gone-test").get())
        .as("nothing was created").isNull();

    GenericKubernetesResource existing = Serialization.unmarshal("""
        apiVersion: slipway.dev/v1alpha1
        kind: Environment
        metadata:
          name: here-test
        spec:
          project: here
          environment: test
          stage: test
          branch: develop
        """, GenericKubernetesResource.class);
    client.resource(existing).inNamespace(ns.name()).create();
    finalizerOnly.getMetadata().setName("here-test");
    GenericKubernetesResource applied = client.resource(finalizerOnly).fieldManager("environment").forceConflicts().serverSideApply();
    assertThat(applied.getMetadata().getFinalizers()).containsExactly("environments.slipway.dev/finalizer");
    assertThat(applied.getAdditionalProperties().get("spec")).as("the spec is kept").isNotNull();
    finalizerOnly.getMetadata().setFinalizers(List.of());
    client.resource(finalizerOnly).fieldManager("environment").forceConflicts().serverSideApply();
    client.resource(existing).inNamespace(ns.name()).delete();
  }

  /** Chains of up to three hops reach a building environment, in whatever order the entries are listed. */
  @Test
  void promotionChainsOfUpToThreeHopsAreAccepted(KubernetesClient client, TestNamespace ns) {
    List<List<EnvironmentTemplate>> mappings = List.of(
        List.of(entry("live", "test"), entry("test", null)),
        List.of(entry("live", "staging"), entry("staging", "test"), entry("test", null)),
        List.of(entry("test", null), entry("qa", "test"), entry("staging", "qa"), entry("live", "staging")),
        // two chains side by side, one of them at the limit
        List.of(entry("live", "preview"), entry("preview", "staging"), entry("staging", "test"), entry("test", null),
            entry("local", null), entry("demo", "local")));
    for (int i = 0; i < mappings.size(); i++) {
      List<EnvironmentTemplate> mapping = mappings.get(i);
      Project project = new Project();
      project.setMetadata(new ObjectMetaBuilder().withName("chain-" + i).build());
      ProjectSpec spec = new ProjectSpec();
      SourceSpec source = new SourceSpec();
      source.setUrl("https://git.example.com/acme/chain.git");
      spec.setSource(source);
      spec.setEnvironments(mapping);
      project.setSpec(spec);
      Project created = client.resource(project).inNamespace(ns.name()).create();
      assertThat(created.getSpec().getEnvironments()).as("mapping %s", mapping.stream().map(EnvironmentTemplate::getName).toList())
          .hasSameSizeAs(mapping);
      client.resource(created).delete();
    }
  }

  private static EnvironmentTemplate entry(String name, String promoteFrom) {
    EnvironmentTemplate t = new EnvironmentTemplate(name);
    t.setStage(Stage.defaultFor(name));
    t.setPromoteFrom(promoteFrom);
    return t;
  }

  @Test
  void committedCrdsApplyWithKubectl(LocalControlPlane cp) {
    LocalControlPlane.CommandResult result = cp.kubectl("apply", "-f", "crds/");
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("projects.slipway.dev").contains("environments.slipway.dev");
  }

  /**
   * No operator runs here: a new Project reads as "generation 1, observed 0" straight away (the
   * CRD's status default, applied on every read), and an edit keeps it unobserved, so kstatus
   * (Flux's wait) and Argo CD count it in progress instead of current.
   */
  @Test
  void aProjectNobodyReconciledReadsAsUnobserved(KubernetesClient client, TestNamespace ns) {
    Project project = new Project();
    project.setMetadata(new ObjectMetaBuilder().withName("unseen").withNamespace(ns.name()).build());
    ProjectSpec spec = new ProjectSpec();
    SourceSpec source = new SourceSpec();
    source.setUrl("https://git.example.com/acme/unseen.git");
    spec.setSource(source);
    project.setSpec(spec);
    Project created = client.resource(project).create();
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(created.getStatus()).isNotNull();
    assertThat(created.getStatus().getObservedGeneration()).isZero();
    assertThat(created.getStatus().getConditions()).isEmpty();

    created.getSpec().setEnvironments(List.of(entry("test", null)));
    Project edited = client.resource(created).update();
    Project read = client.resources(Project.class).inNamespace(ns.name()).withName("unseen").get();
    assertThat(edited.getMetadata().getGeneration()).isEqualTo(2L);
    assertThat(read.getStatus().getObservedGeneration()).isZero();
    client.resource(read).delete();
  }
}
