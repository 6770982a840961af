package dev.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.ComputeResources;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectResources;
import dev.slipway.api.v1alpha1.ResourceAmounts;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.SourceSpec;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KanikoJobTest {

  static final String COMMIT = "3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39";

  static Project project(String url, String secret) {
    Project p = new Project();
    p.setMetadata(new ObjectMetaBuilder().withName("shop").withNamespace("team-a").withUid("uid-1").build());
    ProjectSpec spec = new ProjectSpec();
    SourceSpec source = new SourceSpec();
    source.setUrl(url);
    source.setCredentialsSecret(secret);
    source.setDockerfile("docker/Dockerfile");
    spec.setSource(source);
    p.setSpec(spec);
    return p;
  }

  private static final OperatorConfig CONFIG = OperatorConfig.fromEnvironment(Map.of(
      "SLIPWAY_REGISTRY", "registry.example.com/slipway",
      "SLIPWAY_PIP_INDEX_URL", "https://wheels.example.com/simple",
      "SLIPWAY_REGISTRY_SECRET", "push-creds"));

  @Test
  void aPrivateGitCaReachesTheFetchOfAnHttpsSourceOnly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path ca = dir.resolve("ca.crt");
    java.nio.file.Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nMIIBprivate\n-----END CERTIFICATE-----\n");
    OperatorConfig withCa = OperatorConfig.fromEnvironment(Map.of(
        "SLIPWAY_REGISTRY", "registry.example.com/slipway", "SLIPWAY_GIT_CA_FILE", ca.toString()));
    Job https = KanikoJob.desired(new BuildRequest(project("https://git.internal/acme/shop.git", null), COMMIT), withCa);
    Container fetch = https.getSpec().getTemplate().getSpec().getInitContainers().get(0);
    assertThat(fetch.getEnv()).filteredOn(e -> e.getName().equals("SOURCE_CA_CERTIFICATES")).singleElement()
        .satisfies(e -> assertThat(e.getValue()).isEqualTo("-----BEGIN CERTIFICATE-----\nMIIBprivate\n-----END CERTIFICATE-----"));
    assertThat(String.join(" ", fetch.getCommand())).contains("GIT_SSL_CAINFO=/tmp/ca-certificates.crt");

    Job ssh = KanikoJob.desired(new BuildRequest(project("ssh://git@git.internal/acme/shop.git", null), COMMIT), withCa);
    assertThat(ssh.getSpec().getTemplate().getSpec().getInitContainers().get(0).getEnv())
        .extracting(EnvVar::getName).doesNotContain("SOURCE_CA_CERTIFICATES");
  }

  @Test
  void everyContainerOfTheBuildIsRequestedAndLimitedAndTheWorkspaceCannotOutgrowThePod() {
    Job job = KanikoJob.desired(new BuildRequest(project("https://git.example.com/acme/shop.git", null), COMMIT), CONFIG);
    var pod = job.getSpec().getTemplate().getSpec();
    Container kaniko = pod.getContainers().get(0);
    assertThat(kaniko.getResources().getRequests()).isEqualTo(Map.of("cpu", new Quantity("1"), "memory", new Quantity("2Gi"),
        "ephemeral-storage", new Quantity("4Gi")));
    assertThat(kaniko.getResources().getLimits()).isEqualTo(Map.of("cpu", new Quantity("2"), "memory", new Quantity("2Gi"),
        "ephemeral-storage", new Quantity("8Gi")));
    Container fetch = pod.getInitContainers().get(0);
    assertThat(fetch.getResources().getRequests()).containsOnlyKeys("cpu", "memory", "ephemeral-storage");
    assertThat(fetch.getResources().getLimits()).containsOnlyKeys("cpu", "memory", "ephemeral-storage");
    assertThat(pod.getVolumes()).filteredOn(v -> v.getEmptyDir() != null).extracting(v -> v.getName() + "=" + v.getEmptyDir().getSizeLimit())
        .containsExactlyInAnyOrder("workspace=8Gi", "tmp=64Mi");
  }

  @Test
  void aProjectSizesItsBuildWithinThePlatformsMaximumAndARequestTakesTheLimitWithIt() {
    Project p = project("https://git.example.com/acme/shop.git", null);
    ProjectResources resources = new ProjectResources();
    resources.setBuild(new ComputeResources(new ResourceAmounts("1500m", "6Gi", "12Gi"), new ResourceAmounts(null, null, "16Gi")));
    p.getSpec().setResources(resources);
    var pod = KanikoJob.desired(new BuildRequest(p, COMMIT), CONFIG).getSpec().getTemplate().getSpec();
    var r = pod.getContainers().get(0).getResources();
    assertThat(r.getRequests()).isEqualTo(Map.of("cpu", new Quantity("1500m"), "memory", new Quantity("6Gi"), "ephemeral-storage",
        new Quantity("12Gi")));
    // memory 6Gi is above the default limit (2Gi): the limit follows it; cpu stays at its default limit.
    assertThat(r.getLimits()).isEqualTo(Map.of("cpu", new Quantity("2"), "memory", new Quantity("6Gi"), "ephemeral-storage",
        new Quantity("16Gi")));
    assertThat(pod.getVolumes()).filteredOn(v -> "workspace".equals(v.getName())).singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("16Gi")));
  }

  @Test
  void anIndexOnPlainHttpIsNamedAsPipsTrustedHost() {
    OperatorConfig inCluster = OperatorConfig.fromEnvironment(Map.of(
        "SLIPWAY_REGISTRY", "registry.example.com/slipway",
        "SLIPWAY_PIP_INDEX_URL", "http://slipway-package-index.slipway-system.svc.cluster.local:8080/simple/"));
    Job job = KanikoJob.desired(new BuildRequest(project("https://git.example.com/acme/shop.git", null), COMMIT), inCluster);
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).contains(
        "--build-arg=PIP_INDEX_URL=http://slipway-package-index.slipway-system.svc.cluster.local:8080/simple/",
        "--build-arg=PIP_TRUSTED_HOST=slipway-package-index.slipway-system.svc.cluster.local");
    // over https pip checks the certificate: no trusted host (asserted exactly in the test below)
  }

  @Test
  void buildsExactlyTheCommitWithoutCacheAndReportsTheDigest() {
    Job job = KanikoJob.desired(new BuildRequest(project("https://git.example.com/acme/shop.git", null), COMMIT), CONFIG);
    assertThat(job.getMetadata().getName()).isEqualTo("shop-build-3f2a9c1e8b7d");
    assertThat(job.getMetadata().getLabels()).containsEntry(Labels.COMPONENT, "build").containsEntry(Labels.COMMIT, COMMIT);
    assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("Project");
      assertThat(o.getController()).isTrue();
    });
    Container kaniko = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(kaniko.getImage()).isEqualTo(OperatorConfig.DEFAULT_KANIKO_IMAGE).contains("@sha256:");
    assertThat(kaniko.getArgs()).containsExactly(
        "--context=dir:///workspace",
        "--dockerfile=docker/Dockerfile",
        "--destination=registry.example.com/slipway/team-a/shop:" + COMMIT,
        "--cache=false",
        "--digest-file=/dev/termination-log",
        "--label=org.opencontainers.image.revision=" + COMMIT,
        "--label=org.opencontainers.image.source=https://git.example.com/acme/shop.git",
        "--build-arg=PIP_INDEX_URL=https://wheels.example.com/simple");
    assertThat(kaniko.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
    assertThat(kaniko.getSecurityContext().getPrivileged()).isFalse();
    assertThat(kaniko.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(kaniko.getResources().getLimits()).containsKey("memory");
    assertThat(kaniko.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/kaniko/.docker"));

    var spec = job.getSpec();
    assertThat(spec.getBackoffLimit()).isZero();
    assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(1800L);
    assertThat(spec.getTtlSecondsAfterFinished()).isEqualTo(86400);
    assertThat(spec.getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(spec.getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(spec.getTemplate().getSpec().getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

    Container source = spec.getTemplate().getSpec().getInitContainers().get(0);
    assertThat(source.getImage()).contains("@sha256:");
    assertThat(source.getEnv()).extracting(EnvVar::getName).contains("SOURCE_URL", "SOURCE_COMMIT");
    assertThat(source.getEnv()).noneMatch(v -> v.getName().startsWith("GIT_"));
    assertThat(source.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(source.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    // The script takes everything from the environment: nothing user-supplied is in its text.
    assertThat(source.getCommand().get(2)).doesNotContain("git.example.com").doesNotContain(COMMIT);
  }

  @Test
  void credentialsComeFromTheSecretAndNeverFromTheUrlIntoLabels() {
    Job job = KanikoJob.desired(new BuildRequest(project("https://bot:tok3n@git.example.com/acme/shop.git", "shop-git"), COMMIT), CONFIG);
    Container source = job.getSpec().getTemplate().getSpec().getInitContainers().get(0);
    assertThat(source.getEnv()).filteredOn(v -> v.getName().startsWith("GIT_"))
        .allSatisfy(v -> {
          assertThat(v.getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-git");
          assertThat(v.getValueFrom().getSecretKeyRef().getOptional()).isTrue();
        })
        .extracting(EnvVar::getName).containsExactly("GIT_USERNAME", "GIT_PASSWORD", "GIT_TOKEN");
    assertThat(job.getSpec().getTemplate().getSpec().getVolumes()).anyMatch(v -> v.getSecret() != null
        && "shop-git".equals(v.getSecret().getSecretName()));
    Container kaniko = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(String.join(" ", kaniko.getArgs())).doesNotContain("tok3n");
    assertThat(job.getMetadata().getAnnotations().values()).noneMatch(v -> v.contains("tok3n"));
  }
}
