package dev.slipway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.EnvVarSource;
import dev.slipway.api.v1alpha1.EnvVarSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.KeyReference;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.SourceSpec;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.config.OperatorConfig;
import dev.slipway.project.EnvironmentMapping;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import dev.slipway.api.v1alpha1.ComputeResources;
import dev.slipway.api.v1alpha1.ProjectResources;
import dev.slipway.api.v1alpha1.ResourceAmounts;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

class WebResourcesTest {

  static final Release RELEASE = new Release("3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39",
      "registry.example.com/slipway/team-a/shop@sha256:" + "a".repeat(64));
  static final OperatorConfig CONFIG = OperatorConfig.fromEnvironment(Map.of(
      "SLIPWAY_BASE_DOMAIN", "apps.example.com", "SLIPWAY_INGRESS_CLASS", "nginx", "SLIPWAY_TLS_ISSUER", "letsencrypt"));

  static Project project(EnvironmentTemplate... entries) {
    Project p = new Project();
    p.setMetadata(new ObjectMetaBuilder().withName("shop").withNamespace("team-a").build());
    ProjectSpec spec = new ProjectSpec();
    SourceSpec source = new SourceSpec();
    source.setUrl("https://git.example.com/acme/shop.git");
    spec.setSource(source);
    EnvVarSpec secret = new EnvVarSpec();
    secret.setName("SECRET_KEY");
    EnvVarSource from = new EnvVarSource();
    from.setSecretKeyRef(new KeyReference("shop-django", "secret-key"));
    secret.setValueFrom(from);
    spec.setEnv(List.of(new EnvVarSpec("DJANGO_SETTINGS_MODULE", "settings"), new EnvVarSpec("LEVEL", "project"), secret,
        new EnvVarSpec("DOMAIN", "user-value")));
    spec.setEnvironments(List.of(entries));
    p.setSpec(spec);
    return p;
  }

  static WebPlan plan(Project project, int index, OperatorConfig config) {
    Environment env = EnvironmentMapping.toEnvironment(project, EnvironmentMapping.environmentSpecs(project).get(index));
    return WebPlan.of(env, project, RELEASE, config);
  }

  @Test
  void webPodsAreRequestedAndLimitedAsTheProjectAsksWithinThePlatformsMaximum() {
    var defaults = WebResources.deployment(plan(project(new EnvironmentTemplate("test")), 0, CONFIG)).getSpec().getTemplate().getSpec()
        .getContainers().get(0).getResources();
    assertThat(defaults.getRequests()).isEqualTo(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("256Mi"),
        "ephemeral-storage", new Quantity("256Mi")));
    assertThat(defaults.getLimits()).isEqualTo(Map.of("cpu", new Quantity("1"), "memory", new Quantity("512Mi"),
        "ephemeral-storage", new Quantity("1Gi")));

    Project sized = project(new EnvironmentTemplate("test"));
    ProjectResources resources = new ProjectResources();
    resources.setWeb(new ComputeResources(new ResourceAmounts("250m", null, null), new ResourceAmounts("2", "1Gi", null)));
    sized.getSpec().setResources(resources);
    var r = WebResources.deployment(plan(sized, 0, CONFIG)).getSpec().getTemplate().getSpec().getContainers().get(0).getResources();
    assertThat(r.getRequests()).containsEntry("cpu", new Quantity("250m")).containsEntry("memory", new Quantity("256Mi"));
    assertThat(r.getLimits()).containsEntry("cpu", new Quantity("2")).containsEntry("memory", new Quantity("1Gi"))
        .containsEntry("ephemeral-storage", new Quantity("1Gi"));
    // The release command runs exactly as the web pods, sizes included.
    var release = dev.slipway.release.MigrationJob.desired(plan(sized, 0, CONFIG), sized, CONFIG, 1).getSpec().getTemplate().getSpec()
        .getContainers().get(0).getResources();
    assertThat(release).isEqualTo(r);
  }

  @Test
  void deploymentRunsTheImageByDigestWithTheBaseImageEntrypoint() {
    EnvironmentTemplate test = new EnvironmentTemplate("test");
    test.setEnv(List.of(new EnvVarSpec("LEVEL", "environment")));
    var d = WebResources.deployment(plan(project(test), 0, CONFIG));
    var c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo(RELEASE.image());
    assertThat(c.getCommand()).isEmpty();
    assertThat(c.getArgs()).isEmpty();
    assertThat(c.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8000));
    assertThat(c.getEnv()).extracting(EnvVar::getName).containsExactly("DJANGO_SETTINGS_MODULE", "LEVEL", "SECRET_KEY",
        "DOMAIN", "DOMAIN_ALIASES", "SLIPWAY_STAGE", "SLIPWAY_PROJECT", "SLIPWAY_ENVIRONMENT", "SLIPWAY_INTERNAL_HOSTS", "SLIPWAY_COMMIT");
    assertThat(c.getEnv()).filteredOn(v -> v.getName().equals("LEVEL")).singleElement()
        .extracting(EnvVar::getValue).isEqualTo("environment");
    assertThat(c.getEnv()).filteredOn(v -> v.getName().equals("DOMAIN")).singleElement()
        .extracting(EnvVar::getValue).isEqualTo("shop-test.apps.example.com");
    assertThat(c.getEnv()).filteredOn(v -> v.getName().equals("SECRET_KEY")).singleElement()
        .satisfies(v -> assertThat(v.getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-django"));
    assertThat(c.getEnv()).filteredOn(v -> v.getName().equals("SLIPWAY_STAGE")).singleElement()
        .extracting(EnvVar::getValue).isEqualTo("test");
    assertThat(c.getReadinessProbe().getHttpGet().getHttpHeaders()).singleElement()
        .satisfies(h -> assertThat(h.getValue()).isEqualTo("shop-test.apps.example.com"));
    // Readiness asks the health path (the database); liveness and startup only whether the process answers.
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/livez");
    assertThat(c.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(5L);
    assertThat(d.getSpec().getProgressDeadlineSeconds()).isEqualTo(600);
    assertThat(c.getEnv()).filteredOn(v -> v.getName().equals("SLIPWAY_INTERNAL_HOSTS")).singleElement()
        .extracting(EnvVar::getValue).isEqualTo("shop-test,shop-test.team-a,shop-test.team-a.svc,shop-test.team-a.svc.cluster.local");
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    assertThat(d.getSpec().getSelector().getMatchLabels()).containsOnlyKeys("slipway.dev/project", "slipway.dev/environment",
        "slipway.dev/component");
  }

  @Test
  void thePlatformGeneratedSecretKeyUnlessTheProjectSetsOne() {
    Project p = project(new EnvironmentTemplate("test"));
    p.getSpec().setEnv(List.of(new EnvVarSpec("DJANGO_SETTINGS_MODULE", "settings")));
    var c = WebResources.deployment(plan(p, 0, CONFIG)).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getEnv()).filteredOn(v -> v.getName().equals("SECRET_KEY")).singleElement().satisfies(v -> {
      assertThat(v.getValue()).isNull();
      assertThat(v.getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-test-app");
      assertThat(v.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("SECRET_KEY");
    });
  }

  @Test
  void liveGetsTwoReplicasABudgetAndAllItsHosts() {
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    live.setDomains(List.of("shop.example.com", "www.shop.example.com"));
    WebPlan plan = plan(project(live), 0, CONFIG);
    assertThat(plan.replicas()).isEqualTo(2);
    assertThat(plan.wantsDisruptionBudget()).isTrue();
    assertThat(WebResources.podDisruptionBudget(plan).getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    var ingress = WebResources.ingress(plan);
    assertThat(ingress.getSpec().getRules()).extracting("host")
        .containsExactly("shop-live.apps.example.com", "shop.example.com", "www.shop.example.com");
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(ingress.getSpec().getTls()).singleElement().satisfies(t -> assertThat(t.getSecretName()).isEqualTo("shop-live-tls"));
    assertThat(ingress.getMetadata().getAnnotations()).containsEntry("cert-manager.io/cluster-issuer", "letsencrypt");
    assertThat(plan.url()).isEqualTo("https://shop-live.apps.example.com");
    var env = WebResources.deployment(plan).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    assertThat(env).filteredOn(v -> v.getName().equals("DOMAIN_ALIASES")).singleElement()
        .extracting(EnvVar::getValue).isEqualTo("shop.example.com,www.shop.example.com");
  }

  @Test
  void localHasNoTlsAndNoBaseDomainMeansNoIngress() {
    WebPlan local = plan(project(new EnvironmentTemplate("local")), 0, CONFIG);
    assertThat(local.stage()).isEqualTo(Stage.LOCAL);
    assertThat(local.tls()).isFalse();
    assertThat(WebResources.ingress(local).getSpec().getTls()).isEmpty();
    assertThat(local.url()).isEqualTo("http://shop-local.apps.example.com");

    WebPlan bare = plan(project(new EnvironmentTemplate("test")), 0, OperatorConfig.defaults());
    assertThat(bare.wantsIngress()).isFalse();
    assertThat(bare.url()).isEqualTo("http://shop-test.team-a.svc.cluster.local");
    assertThat(bare.probeHost()).isEqualTo("localhost");
  }

  @Test
  void serviceTargetsTheNamedPort() {
    var s = WebResources.service(plan(project(new EnvironmentTemplate("test")), 0, CONFIG));
    assertThat(s.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(80);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
    });
  }
}
