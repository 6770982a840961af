package dev.slipway.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.RunningOperator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The K3sContainer tier: a representative part of the control-plane suite against a cluster that
 * Testcontainers' K3sContainer starts -- real k3s, or where none can be had the stand-in
 * slipway/k3s-compat (e2e/k3s) -- with the CRDs from crds/ installed and the operator running in
 * this JVM against the container's kubeconfig. Each test adds a line to what the tier showed
 * (printed at the end and written to operator/target/k3s-tier/summary.txt).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class K3sOperatorIT {

  private static final Path OUT = LocalControlPlane.repoRootPathStatic().resolve("operator/target/k3s-tier");
  private static final List<String> shown = new ArrayList<>();
  private static K3sCluster cluster;
  private static RunningOperator operator;
  private static String ns;

  @BeforeAll
  static void startCluster() throws IOException {
    K3sImage image = K3sImage.from(System.getenv());
    shown.add("cluster: " + image.describe());
    cluster = K3sCluster.start(image, OUT.resolve("container.log"));
    Instant crdsStart = Instant.now();
    List<String> crds = cluster.installCrds(LocalControlPlane.repoRootPathStatic().resolve("crds"));
    assertThat(crds).contains("projects.slipway.dev", "environments.slipway.dev");
    shown.add(String.format("K3sContainer started it in %.1f s; %d CRDs from crds/ applied and Established in %.1f s",
        seconds(cluster.startup()), crds.size(), seconds(Duration.between(crdsStart, Instant.now()))));
    ns = ("k3s-operator-it-" + UUID.randomUUID().toString().substring(0, 6)).toLowerCase(Locale.ROOT);
    cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    operator = startOperator();
  }

  private static RunningOperator startOperator() {
    return RunningOperator.start(OperatorConfig.defaults()
        .withWatchNamespaces(Set.of(ns))
        .withHttpPort(0)
        .withLeaderElection(false, null), cluster.newClient());
  }

  @AfterAll
  static void stopCluster() throws IOException {
    try {
      if (operator != null) {
        operator.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      shown.add(cluster != null && cluster.image().realK3s()
          ? "shows: the operator on real k3s (its API server, kine, controllers, a node), through Testcontainers"
          : "shows: the Testcontainers wiring (K3sContainer's command line, wait line, kubeconfig copy, port), TLS SANs, the operator "
              + "against an API server in a container; does not show k3s itself: kine, flannel, Traefik, local-path, servicelb, a kubelet");
      Files.createDirectories(OUT);
      Files.write(OUT.resolve("summary.txt"), shown);
      System.out.println("\n==== K3sContainer tier: what it showed ====");
      shown.forEach(line -> System.out.println("  " + line));
    }
  }

  @Test
  @Order(1)
  void theKubeconfigFromK3sYamlReachesTheApiServerOverVerifiedTls() throws Exception {
    assertThat(cluster.kubeconfigInContainer()).as("/etc/rancher/k3s/k3s.yaml, as the cluster wrote it")
        .contains("server: https://127.0.0.1:6443").contains("client-certificate-data");
    Config config = Config.fromKubeconfig(cluster.kubeconfigYaml());
    assertThat(config.getMasterUrl()).isEqualTo("https://" + cluster.host() + ":" + cluster.apiPort() + "/");
    assertThat(config.isTrustCerts()).as("the client verifies the serving certificate").isFalse();
    String version = cluster.client().getKubernetesVersion().getGitVersion();

    // The serving certificate covers the --tls-san values (K3sContainer's host, checked as a client does, and one more).
    assertThat(cluster.command()).contains("server", "--tls-san=" + cluster.host(), "--tls-san=" + K3sCluster.EXTRA_SAN);
    X509Certificate serving = servingCertificate(config, cluster.host(), cluster.apiPort());
    List<String> sans = serving.getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))).toList();
    assertThat(sans).contains(cluster.host(), K3sCluster.EXTRA_SAN);

    List<Node> nodes = cluster.client().nodes().list().getItems();
    if (cluster.image().realK3s()) {
      assertThat(nodes).as("k3s's own node").isNotEmpty();
    } else {
      assertThat(nodes).as("the stand-in runs no kubelet").isEmpty();
    }
    shown.add("command: " + String.join(" ", cluster.command()));
    shown.add("kubeconfig: /etc/rancher/k3s/k3s.yaml (server https://127.0.0.1:6443) -> " + config.getMasterUrl()
        + ", API server " + version + ", TLS verified against the kubeconfig's CA; serving SANs " + sans + "; nodes: " + nodes.size());
  }

  @Test
  @Order(2)
  void theStandInRunsWithoutPrivilege() {
    var host = cluster.inspect().getHostConfig();
    if (cluster.image().realK3s()) {
      assertThat(host.getPrivileged()).as("K3sContainer runs k3s privileged").isTrue();
      shown.add("container: privileged (k3s needs it)");
      return;
    }
    assertThat(host.getPrivileged()).isFalse();
    assertThat(host.getCapDrop()).extracting(Enum::name).containsExactly("ALL");
    assertThat(host.getBinds() == null ? List.of() : List.of(host.getBinds())).as("no host cgroup bind").isEmpty();
    shown.add("container: not privileged, capabilities dropped: ALL, no host mounts");
  }

  @Test
  @Order(3)
  void aProjectAppliedGetsItsEnvironmentsWithStatus() {
    KubernetesClient client = cluster.client();
    Instant applied = Instant.now();
    Project project = client.resource(Environments.project(ns, "blog", "https://git.invalid/acme/blog.git", List.of())).create();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      List<Environment> envs = environments(client, "blog");
      assertThat(envs).extracting(e -> e.getMetadata().getName()).containsExactlyInAnyOrder("blog-test", "blog-live");
      for (Environment env : envs) {
        assertThat(env.getMetadata().getOwnerReferences()).singleElement()
            .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(project.getMetadata().getUid()));
        assertThat(env.getStatus()).isNotNull();
        assertThat(env.getStatus().getObservedGeneration()).isEqualTo(env.getMetadata().getGeneration());
        // git.invalid does not resolve: the source condition says so
        assertThat(Conditions.find(env.getStatus().getConditions(), ConditionTypes.SOURCE_RESOLVED)).isPresent();
      }
      Project p = client.resources(Project.class).inNamespace(ns).withName("blog").get();
      assertThat(p.getStatus()).isNotNull();
      assertThat(p.getStatus().getObservedGeneration()).isEqualTo(p.getMetadata().getGeneration());
      assertThat(p.getStatus().getReady()).isEqualTo("0/2");
      var ready = Conditions.find(p.getStatus().getConditions(), ConditionTypes.READY).orElseThrow();
      assertThat(ready.getStatus()).isEqualTo("False");
      assertThat(ready.getReason()).isEqualTo("EnvironmentsNotReady");
    });
    Environment test = Environments.get(client, ns, "blog-test");
    var source = Conditions.find(test.getStatus().getConditions(), ConditionTypes.SOURCE_RESOLVED).orElseThrow();
    shown.add(String.format("Project applied -> Environments blog-test, blog-live owned by it, with status, in %.1f s "
        + "(Project Ready=False EnvironmentsNotReady, 0/2; blog-test %s=%s %s)",
        seconds(Duration.between(applied, Instant.now())), ConditionTypes.SOURCE_RESOLVED, source.getStatus(), source.getReason()));
  }

  @Test
  @Order(4)
  void theApiServerRefusesInvalidSpecsNamingTheField() throws IOException {
    List<Path> samples;
    try (Stream<Path> files = Files.list(LocalControlPlane.repoRootPathStatic().resolve("operator/src/test/resources/invalid"))) {
      samples = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(samples).hasSizeGreaterThanOrEqualTo(10);
    SoftAssertions softly = new SoftAssertions();
    for (Path sample : samples) {
      String yaml = Files.readString(sample);
      String expected = yaml.lines().findFirst().orElse("").replaceFirst("^# expect: ", "").trim();
      GenericKubernetesResource resource = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
      KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class,
          () -> cluster.client().resource(resource).inNamespace(ns).create());
      softly.assertThat(refused).as("%s is refused", sample.getFileName()).isNotNull();
      if (refused != null) {
        softly.assertThat(refused.getCode()).as("HTTP status for %s", sample.getFileName()).isEqualTo(422);
        softly.assertThat(refused.getMessage()).as("message for %s", sample.getFileName()).contains(expected);
      }
    }
    softly.assertAll();
    shown.add(samples.size() + " invalid specs (operator/src/test/resources/invalid) refused with 422 naming the field, "
        + "as on the local control plane");
  }

  @Test
  @Order(5)
  void deletingTheProjectWaitsForTheEnvironmentFinalizers() throws Exception {
    KubernetesClient client = cluster.client();
    client.resource(Environments.project(ns, "shop", "https://git.invalid/acme/shop.git", List.of())).create();
    await().atMost(Duration.ofSeconds(60)).until(() -> environments(client, "shop").size() == 2
        && environments(client, "shop").stream().allMatch(e -> !e.getMetadata().getFinalizers().isEmpty()));
    List<String> finalizers = environments(client, "shop").get(0).getMetadata().getFinalizers();

    // With the operator stopped, the garbage collector marks the Environments deleted and the finalizers hold them.
    operator.close();
    operator = null;
    client.resources(Project.class).inNamespace(ns).withName("shop").delete();
    await().atMost(Duration.ofSeconds(60)).until(() -> environments(client, "shop").stream()
        .filter(e -> e.getMetadata().getDeletionTimestamp() != null).count() == 2);
    Thread.sleep(2000);
    assertThat(environments(client, "shop")).as("held by %s while the operator is down", finalizers).hasSize(2);

    Instant restarted = Instant.now();
    operator = startOperator();
    await().atMost(Duration.ofSeconds(60)).until(() -> environments(client, "shop").isEmpty()
        && client.resources(Project.class).inNamespace(ns).withName("shop").get() == null);
    shown.add(String.format("Project deleted while the operator was down -> Environments held by %s; gone %.1f s after it started again",
        finalizers, seconds(Duration.between(restarted, Instant.now()))));
  }

  private static List<Environment> environments(KubernetesClient client, String project) {
    return client.resources(Environment.class).inNamespace(ns).withLabel(Labels.PROJECT, project).list().getItems();
  }

  /** The API server's certificate, from a TLS handshake that trusts only the kubeconfig's CA and checks the host name. */
  private static X509Certificate servingCertificate(Config config, String host, int port) throws Exception {
    byte[] pem = Base64.getDecoder().decode(config.getCaCertData());
    Collection<? extends java.security.cert.Certificate> cas = CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem));
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    int i = 0;
    for (var ca : cas) {
      trust.setCertificateEntry("ca-" + i++, ca);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(host, port)) {
      SSLParameters params = socket.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      if (!host.matches("[0-9.]+|.*:.*")) { // SNI carries host names only
        params.setServerNames(List.of(new SNIHostName(host)));
      }
      socket.setSSLParameters(params);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }
}
