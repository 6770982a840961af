package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.client.ConfigBuilder;
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

  @Test
  void onlyACertificateOnlyUserGetsTheNoTokenProvider() {
    // Such a user has no token to refresh; fabric8 would otherwise re-read the kubeconfig before every request.
    assertThat(OperatorClient.certificateOnly(new ConfigBuilder().withClientCertData("Y2VydA==").withClientKeyData("a2V5").build())).isTrue();
    assertThat(OperatorClient.certificateOnly(new ConfigBuilder().withClientCertData("Y2VydA==").withOauthToken("t").build())).isFalse();
    assertThat(OperatorClient.certificateOnly(new ConfigBuilder().withOauthToken("t").build())).isFalse();
    assertThat(OperatorClient.certificateOnly(new ConfigBuilder().withUsername("u").withPassword("p").build())).isFalse();
  }
}
