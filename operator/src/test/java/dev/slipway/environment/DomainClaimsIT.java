package dev.slipway.environment;

import static dev.slipway.testing.Environments.entry;
import static dev.slipway.testing.Environments.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Custom domains across tenants, on the real API server: a domain one team's environment serves
 * cannot be taken by another team's (first come keeps it), and no one claims a name under the
 * platform's base domain, where every environment gets its own; the refusal names the field and
 * nothing of the other tenant.
 */
@ControlPlaneTest
class DomainClaimsIT {

  private static RunningOperator operator;
  private static GitDaemon daemon;
  private static FakeKubelet kubelet;
  private static String other;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) {
    other = ns.name() + "-b";
    cp.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(other).endMetadata().build()).create();
    daemon = new GitDaemon();
    kubelet = new FakeKubelet(cp.client());
    OperatorConfig config = OperatorConfig.defaults().toBuilder()
        .databaseMode(DatabaseMode.NONE)
        .watchNamespaces(Set.of(ns.name(), other))
        .httpPort(0)
        .leaderElection(false)
        .registry("registry.test.invalid:5000/slipway")
        .baseDomain("apps.test")
        .ingressClass("nginx")
        .pollInterval(Duration.ofSeconds(5))
        .build();
    operator = RunningOperator.start(config, cp);
  }

  @AfterAll
  static void stop(LocalControlPlane cp) throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    cp.client().namespaces().withName(other).delete();
  }

  @Test
  void aDomainAnotherTenantServesOrOneOfThePlatformsNamesIsRefusedAndTheRestIsServed(KubernetesClient client, TestNamespace ns) {
    String first = ns.name();
    // Team A serves shop.example.com.
    GitRemote shop = new GitRemote("shop");
    String shopCommit = shop.commit("develop", files("Dockerfile", "FROM scratch\n"), "first");
    client.resource(project(first, "shop", daemon.url(shop), List.of("shop.example.com"))).create();
    deploy(client, first, "shop", shopCommit);
    await().atMost(Duration.ofSeconds(30)).until(() -> hosts(client, first, "shop-test").contains("shop.example.com"));
    Environment holder = Environments.get(client, first, "shop-test");
    assertThat(Environments.condition(holder, DomainClaims.CONDITION).orElseThrow().getStatus()).isEqualTo("True");

    // Team B, in another namespace, names it too, and team A's default host, and one of its own.
    GitRemote copycat = new GitRemote("copycat");
    String copyCommit = copycat.commit("develop", files("Dockerfile", "FROM scratch\n"), "first");
    client.resource(project(other, "copycat", daemon.url(copycat), List.of("shop.example.com", "shop-test.apps.test", "copycat.example.com")))
        .create();
    Environment refused = Environments.await(client, other, "copycat-test", Duration.ofSeconds(30),
        Environments.conditionIs(DomainClaims.CONDITION, "False", DomainClaims.REFUSED));
    String message = Environments.condition(refused, DomainClaims.CONDITION).orElseThrow().getMessage();
    assertThat(message).isEqualTo("spec.domains[0] shop.example.com: already served by another environment, which keeps it"
        + " (the first to serve a domain does); ask the platform team if it should be yours; spec.domains[1] shop-test.apps.test:"
        + " names directly under apps.test are the platform's (each environment is served at <project>-<environment>.apps.test);"
        + " use a domain of your own; serves copycat.example.com");
    assertThat(message).as("nothing of the other tenant").doesNotContain(first);
    await().atMost(Duration.ofSeconds(10)).until(() -> client.v1().events().inNamespace(other).list().getItems().stream()
        .anyMatch(e -> DomainClaims.REFUSED.equals(e.getReason()) && "copycat-test".equals(e.getInvolvedObject().getName())));

    // B is served at its own names only; A keeps serving its domain.
    deploy(client, other, "copycat", copyCommit);
    await().atMost(Duration.ofSeconds(30)).until(() -> !hosts(client, other, "copycat-test").isEmpty());
    assertThat(hosts(client, other, "copycat-test")).containsExactly("copycat-test.apps.test", "copycat.example.com");
    assertThat(hosts(client, first, "shop-test")).contains("shop.example.com");
    assertThat(Environments.get(client, other, "copycat-test").getStatus().getUrl()).isEqualTo("http://copycat-test.apps.test");

    // A lets the domain go: B gets it at its next look (within DomainClaims.RECHECK; nudged here).
    Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(first).withName("shop").edit(p -> {
      p.getSpec().getEnvironments().get(0).setDomains(List.of());
      return p;
    }));
    await().atMost(Duration.ofSeconds(30)).until(() -> !hosts(client, first, "shop-test").contains("shop.example.com"));
    Environments.annotate(client, other, "copycat-test", Annotations.REFRESH, "now");
    await().atMost(Duration.ofSeconds(30)).until(() -> hosts(client, other, "copycat-test").contains("shop.example.com"));
    assertThat(hosts(client, other, "copycat-test")).doesNotContain("shop-test.apps.test");
  }

  private static Project project(String namespace, String name, String url, List<String> domains) {
    EnvironmentTemplate test = entry("test", "develop", true);
    test.setDomains(domains);
    return Environments.project(namespace, name, url, List.of(test));
  }

  private static void deploy(KubernetesClient client, String namespace, String project, String commit) {
    String job = BuildNames.jobName(project, commit);
    await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(namespace).withName(job).get() != null);
    kubelet.succeedBuild(namespace, job, "sha256:" + "d".repeat(64));
  }

  private static List<String> hosts(KubernetesClient client, String namespace, String name) {
    Ingress ingress = client.network().v1().ingresses().inNamespace(namespace).withName(name).get();
    return ingress == null ? List.of() : ingress.getSpec().getRules().stream().map(IngressRule::getHost).toList();
  }
}
