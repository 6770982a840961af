package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator process as a platform sees it: probes, Prometheus metrics, leader election. */
@ControlPlaneTest
class OperatorRuntimeIT {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void metricsShowReconcilesAndProbesAnswer(KubernetesClient client, TestNamespace ns, LocalControlPlane cp) throws Exception {
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.of(
        "SLIPWAY_WATCH_NAMESPACES", ns.name(), "SLIPWAY_HTTP_PORT", "0",
        "SLIPWAY_LEADER_ELECTION", "true", "SLIPWAY_LEASE_NAMESPACE", ns.name()));
    try (RunningOperator operator = RunningOperator.start(config, cp)) {
      // Leader election: this instance takes the Lease in the configured namespace.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        Lease lease = client.leases().inNamespace(ns.name()).withName(config.lease().name()).get();
        assertThat(lease).isNotNull();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(config.lease().holderIdentity()).startsWith(config.lease().identity() + "_");
      });

      GenericKubernetesResource project = Serialization.unmarshal(
          Files.readString(cp.repoRootPath().resolve("examples/blog.yaml")), GenericKubernetesResource.class);
      client.resource(project).inNamespace(ns.name()).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        Project p = client.resources(Project.class).inNamespace(ns.name()).withName("blog").get();
        return p.getStatus() != null && p.getStatus().getEnvironments().size() == 2;
      });

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        HttpResponse<String> metrics = get(operator.httpBase() + "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        String sdkLines = metrics.body().lines().filter(l -> l.startsWith("operator_sdk")).reduce("", (a, b) -> a + "\n" + b);
        // JOSDK's reconcile timers per controller, and success counters per kind.
        assertThat(metricValue(metrics.body(), "operator_sdk_controllers_execution_reconcile_seconds_count", "controller=\"project\""))
            .as(sdkLines).isGreaterThanOrEqualTo(1.0);
        assertThat(metricValue(metrics.body(), "operator_sdk_controllers_execution_reconcile_seconds_count", "controller=\"environment\""))
            .as(sdkLines).isGreaterThanOrEqualTo(2.0);
        assertThat(metricValue(metrics.body(), "operator_sdk_reconciliations_success_total", "kind=\"Project\""))
            .as(sdkLines).isGreaterThanOrEqualTo(1.0);
        // The queue wait JOSDK does not time: submitted → picked up by a reconcile thread.
        assertThat(metricValue(metrics.body(), "slipway_reconcile_queue_wait_seconds_count", "controller=\"environment\""))
            .as(metrics.body().lines().filter(l -> l.startsWith("slipway_reconcile")).reduce("", (a, b) -> a + "\n" + b))
            .isGreaterThanOrEqualTo(2.0);
        assertThat(metrics.body()).contains("slipway_reconcile_queue_wait_seconds_bucket");
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
      });

      assertThat(get(operator.httpBase() + "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(operator.httpBase() + "/readyz").statusCode()).isEqualTo(200);
      // The kubelet's port: the probes alone, on a server of their own.
      assertThat(operator.operator().probePort()).isNotEqualTo(operator.operator().httpPort());
      assertThat(get(operator.probeBase() + "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(operator.probeBase() + "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(operator.probeBase() + "/metrics").statusCode()).isEqualTo(404);
      assertThat(operator.operator().isLeading()).isTrue();
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sums the samples of one metric whose labels contain the given label. */
  static double metricValue(String exposition, String name, String label) {
    double sum = 0;
    boolean found = false;
    for (String line : exposition.lines().toList()) {
      if (line.startsWith(name + "{") && line.contains(label)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    return found ? sum : -1;
  }
}
