package dev.slipway.runtime;

import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Optional;

/**
 * The operator's Kubernetes client: configured from the usual places (in-cluster service account,
 * {@code KUBECONFIG}, {@code ~/.kube/config}), with a user agent that names the operator, its
 * version and this replica's identity, e.g. {@code slipway-operator/0.1.0 (slipway-7d9f-abcde)}.
 * The API server records the user agent of every request in its audit log, so with two replicas
 * the log says which one wrote what.
 */
public final class OperatorClient {

  private OperatorClient() {}

  public static KubernetesClient create(OperatorConfig config) {
    Config kubernetes = Config.autoConfigure(null);
    kubernetes.setUserAgent(userAgent(config.lease().identity()));
    if (certificateOnly(kubernetes)) {
      // fabric8's token refresh re-reads the kubeconfig before every request once a minute has
      // passed, when there is no token to refresh (client-certificate users): the bare fabric8
      // client then spends a sixth of the operator's CPU at scale parsing kubeconfig files. A
      // provider that has no token either stops that without changing how requests authenticate.
      kubernetes.setOauthTokenProvider(() -> null);
    }
    return new KubernetesClientBuilder().withConfig(kubernetes).build();
  }

  /** Authenticates with a client certificate alone: no token, auth provider, exec plugin or password. */
  static boolean certificateOnly(Config c) {
    return (c.getClientCertData() != null || c.getClientCertFile() != null) && c.getOauthToken() == null
        && c.getAutoOAuthToken() == null && c.getAuthProvider() == null && c.getUsername() == null && c.getOauthTokenProvider() == null;
  }

  /** {@code slipway-operator/<version> (<identity>)}; characters a header should not carry become '_'. */
  public static String userAgent(String identity) {
    String version = Optional.ofNullable(OperatorClient.class.getPackage().getImplementationVersion()).orElse("dev");
    return "slipway-operator/" + version + " (" + identity.replaceAll("[^A-Za-z0-9._:-]", "_") + ")";
  }
}
