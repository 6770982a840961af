package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorClientTest {

  @Test
  void userAgentNamesTheOperatorItsVersionAndTheReplica() {
    // Outside the jar there is no manifest version.
    assertThat(OperatorClient.userAgent("slipway-7d9f-abcde")).isEqualTo("slipway-operator/dev (slipway-7d9f-abcde)");
    assertThat(OperatorClient.userAgent("host name/with (parens)")).isEqualTo("slipway-operator/dev (host_name_with__parens_)");
  }

  @Test
  void theClientSendsIt() {
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.of("POD_NAME", "slipway-0"));
    try (KubernetesClient client = OperatorClient.create(config)) {
      assertThat(client.getConfiguration().getUserAgent()).isEqualTo("slipway-operator/dev (slipway-0)");
    }
  }
}
