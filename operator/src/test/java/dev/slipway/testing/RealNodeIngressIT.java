package dev.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real node's ingress controller (Traefik, IngressClass {@code traefik}, a host process on
 * the node IP) serves an Ingress the way the operator's Deploy step writes one: a Deployment of
 * non-root pods under the restricted profile, a Service, an Ingress for
 * {@code <name>.apps.test}. A request with that Host reaches the pod and answers its page, an
 * unknown Host answers 404, the Ingress's status gets the node IP, and HTTPS on the node IP
 * serves the same route. Every wait is bounded in attempts and time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeIngressIT {

  private static final String NS = "real-node-ingress-" + UUID.randomUUID().toString().substring(0, 8);
  private static final String APP = "web";
  private static final String HOST = NS + ".apps.test";
  /** What only this run's page says. */
  private static final String TEXT = "slipway ingress page " + UUID.randomUUID();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

  private static RealNode node;
  private static KubernetesClient client;

  @BeforeAll
  static void startNodeAndApp() {
    Instant t = Instant.now();
    node = RealNode.get();
    client = node.client();
    System.out.printf("[ingress] real node ready after %ds in this JVM (ingress %s, https %s, class %s)%n",
        Duration.between(t, Instant.now()).toSeconds(), node.ingressAddress(), node.ingressHttpsAddress(), node.ingressClass());
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS)
        .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
    await("the default ServiceAccount in " + NS, Duration.ofSeconds(60),
        () -> client.serviceAccounts().inNamespace(NS).withName("default").get() != null);

    client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("page").withNamespace(NS).endMetadata()
        .addToData("index.html", "<!doctype html><title>ingress</title><p>" + TEXT + "</p>\n")
        .build()).create();
    Deployment deployment = new DeploymentBuilder()
        .withNewMetadata().withName(APP).withNamespace(NS).endMetadata()
        .withNewSpec().withReplicas(1)
        .withNewSelector().addToMatchLabels("app", APP).endSelector()
        .withNewTemplate()
        .withNewMetadata().addToLabels("app", APP).endMetadata()
        .withNewSpec().withAutomountServiceAccountToken(false).withEnableServiceLinks(false)
        .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(10001L).withRunAsGroup(10001L)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
        .addNewContainer().withName(APP).withImage(node.osBaseImage())
        .withCommand("python3", "-m", "http.server", "8080", "--directory", "/srv/www")
        .addNewEnv().withName("PYTHONDONTWRITEBYTECODE").withValue("1").endEnv()
        .addNewPort().withName("http").withContainerPort(8080).endPort()
        .withNewReadinessProbe().withNewHttpGet().withPath("/").withPort(new IntOrString(8080)).endHttpGet()
        .withPeriodSeconds(1).endReadinessProbe()
        .addNewVolumeMount().withName("page").withMountPath("/srv/www").withReadOnly(true).endVolumeMount()
        .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
        .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .endContainer()
        .addNewVolume().withName("page").withNewConfigMap().withName("page").endConfigMap().endVolume()
        .endSpec()
        .endTemplate()
        .endSpec().build();
    client.apps().deployments().inNamespace(NS).resource(deployment).create();
    Service service = new ServiceBuilder()
        .withNewMetadata().withName(APP).withNamespace(NS).endMetadata()
        .withNewSpec().addToSelector("app", APP)
        .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).endPort()
        .endSpec().build();
    client.services().inNamespace(NS).resource(service).create();
    Ingress ingress = new IngressBuilder()
        .withNewMetadata().withName(APP).withNamespace(NS).endMetadata()
        .withNewSpec().withIngressClassName(node.ingressClass())
        .addNewRule().withHost(HOST).withNewHttp()
        .addNewPath().withPath("/").withPathType("Prefix")
        .withNewBackend().withNewService().withName(APP).withNewPort().withNumber(80).endPort().endService().endBackend()
        .endPath()
        .endHttp().endRule()
        .endSpec().build();
    client.network().v1().ingresses().inNamespace(NS).resource(ingress).create();
    client.apps().deployments().inNamespace(NS).withName(APP).waitUntilReady(3, TimeUnit.MINUTES);
  }

  @AfterAll
  static void deleteNamespace() {
    if (client != null) {
      client.namespaces().withName(NS).delete();
    }
  }

  @Test
  @Order(1)
  void theIngressHostAnswersWithThePodsPage() throws Exception {
    Instant t = Instant.now();
    RealNode.HttpAnswer answer = getUntil(HOST, 60, Duration.ofSeconds(60), a -> a.status() == 200 && a.body().contains(TEXT),
        node::ingressGet);
    System.out.printf("ingress: GET http://%s/ via %s -> %d (%d bytes) after %dms%n", HOST, node.ingressAddress(),
        answer.status(), answer.body().getBytes(StandardCharsets.UTF_8).length,
        Duration.between(t, Instant.now()).toMillis());
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).contains(TEXT);
    assertThat(answer.headers().get("server")).as("answered by the pod's http.server").startsWith("SimpleHTTP");

    // the access log names the route and the backend, which is the pod's IP
    String podIp = client.pods().inNamespace(NS).withLabel("app", APP).list().getItems().get(0).getStatus().getPodIP();
    await("the access log to record GET / for " + HOST + " to " + podIp, Duration.ofSeconds(10), () -> {
      try {
        return Files.exists(node.ingressAccessLog()) && Files.readAllLines(node.ingressAccessLog()).stream()
            .anyMatch(l -> l.contains("\"GET / HTTP/1.1\" 200") && l.contains("http://" + podIp + ":8080"));
      } catch (IOException e) {
        return false;
      }
    });
  }

  @Test
  @Order(2)
  void anUnknownHostAnswers404() throws Exception {
    String unknown = "nothing-here-" + UUID.randomUUID().toString().substring(0, 8) + ".apps.test";
    RealNode.HttpAnswer answer = getUntil(unknown, 10, Duration.ofSeconds(15), a -> true, node::ingressGet);
    System.out.printf("ingress: GET http://%s/ via %s -> %d%n", unknown, node.ingressAddress(), answer.status());
    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.body()).doesNotContain(TEXT);
  }

  @Test
  @Order(3)
  void theIngressStatusGetsTheNodeIp() {
    await("Ingress " + NS + "/" + APP + " status.loadBalancer to name " + node.nodeIp(), Duration.ofSeconds(60), () -> {
      Ingress i = client.network().v1().ingresses().inNamespace(NS).withName(APP).get();
      List<IngressLoadBalancerIngress> lb = i.getStatus() == null || i.getStatus().getLoadBalancer() == null
          ? List.of() : i.getStatus().getLoadBalancer().getIngress();
      return lb != null && lb.stream().anyMatch(e -> node.nodeIp().equals(e.getIp()));
    });
    System.out.printf("ingress: %s/%s status.loadBalancer.ingress = %s%n", NS, APP,
        client.network().v1().ingresses().inNamespace(NS).withName(APP).get().getStatus().getLoadBalancer().getIngress()
            .stream().map(IngressLoadBalancerIngress::getIp).toList());
  }

  @Test
  @Order(4)
  void httpsOnTheNodeIpServesTheSameRoute() throws Exception {
    RealNode.HttpAnswer answer = getUntil(HOST, 30, Duration.ofSeconds(30), a -> a.status() == 200 && a.body().contains(TEXT),
        node::ingressGetHttps);
    System.out.printf("ingress: GET https://%s/ via %s -> %d (%d bytes)%n", HOST, node.ingressHttpsAddress(),
        answer.status(), answer.body().getBytes(StandardCharsets.UTF_8).length);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body()).contains(TEXT);
  }

  // ---- helpers -----------------------------------------------------------------------------

  @FunctionalInterface
  private interface Get {
    RealNode.HttpAnswer get(String host, String path, Duration timeout) throws IOException;
  }

  /**
   * GET / with the given Host until an answer satisfies {@code done}: at most {@code attempts}
   * requests and {@code within} in all, 0.5 s apart. Returns that answer, or fails with the last
   * answer or error.
   */
  private static RealNode.HttpAnswer getUntil(String host, int attempts, Duration within,
      Predicate<RealNode.HttpAnswer> done, Get get) throws InterruptedException {
    Instant deadline = Instant.now().plus(within);
    String last = "no attempt";
    for (int i = 0; i < attempts && Instant.now().isBefore(deadline); i++) {
      try {
        RealNode.HttpAnswer a = get.get(host, "/", REQUEST_TIMEOUT);
        if (done.test(a)) {
          return a;
        }
        last = "HTTP " + a.status() + ": " + abbreviate(a.body());
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(500);
    }
    throw new AssertionError("GET / with Host " + host + ": no expected answer within " + attempts + " attempts / "
        + within.toSeconds() + "s; last: " + last + "\ntraefik log (tail):\n" + traefikLogTail());
  }

  private static String traefikLogTail() {
    try {
      List<String> lines = Files.readAllLines(node.stateDir().resolve("logs/traefik.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(" + e + ")";
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  private static void await(String what, Duration timeout, Supplier<Boolean> condition) {
    long attempts = Math.max(1, timeout.toMillis() / 500);
    for (long i = 0; i < attempts; i++) {
      if (Boolean.TRUE.equals(condition.get())) {
        return;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what);
  }
}
