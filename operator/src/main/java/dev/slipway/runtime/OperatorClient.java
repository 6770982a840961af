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
    kubernetes.setUserAgent(userAgent(config.identity()));
    return new KubernetesClientBuilder().withConfig(kubernetes).build();
  }

  /** {@code slipway-operator/<version> (<identity>)}; characters a header should not carry become '_'. */
  public static String userAgent(String identity) {
    String version = Optional.ofNullable(OperatorClient.class.getPackage().getImplementationVersion()).orElse("dev");
    return "slipway-operator/" + version + " (" + identity.replaceAll("[^A-Za-z0-9._:-]", "_") + ")";
  }
}
