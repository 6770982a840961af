package dev.slipway.runtime;

import dev.slipway.environment.SourcePoller;
import dev.slipway.git.GitCredentials;
import dev.slipway.git.SourceCredentialsPolicy;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Git credentials from the Project's credentials Secret, read when a poll needs them (not
 * cached: a fixed Secret takes effect at the next poll, and no Secret stays in memory). Only
 * Secrets {@link SourceCredentialsPolicy} allows are used (the reconciler checks first; this
 * checks again, right where the Secret's content is read).
 */
final class SecretCredentials implements SourcePoller.CredentialsLookup {

  private final KubernetesClient client;
  private final boolean allowPlainHttp;

  SecretCredentials(KubernetesClient client, boolean allowPlainHttp) {
    this.client = client;
    this.allowPlainHttp = allowPlainHttp;
  }

  @Override
  public GitCredentials apply(SourcePoller.Target target) {
    Secret secret;
    try {
      secret = client.secrets().inNamespace(target.namespace()).withName(target.credentialsSecret()).get();
    } catch (KubernetesClientException e) {
      throw new SourcePoller.CredentialsUnavailable("cannot read credentials Secret " + target.credentialsSecret()
          + " (HTTP " + e.getCode() + ")");
    }
    if (secret == null) {
      throw new SourcePoller.CredentialsUnavailable("credentials Secret " + target.credentialsSecret()
          + " does not exist in namespace " + target.namespace());
    }
    var refused = SourceCredentialsPolicy.check(target.url(), target.credentialsSecret(),
        secret.getMetadata().getLabels() == null ? Map.of() : secret.getMetadata().getLabels(), allowPlainHttp);
    if (refused.isPresent()) {
      throw new SourcePoller.CredentialsUnavailable(refused.get().message());
    }
    Map<String, byte[]> data = new HashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    if (secret.getStringData() != null) {
      secret.getStringData().forEach((k, v) -> data.put(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    GitCredentials credentials = GitCredentials.fromSecretData(data);
    if (credentials.isEmpty()) {
      throw new SourcePoller.CredentialsUnavailable("credentials Secret " + target.credentialsSecret()
          + " has none of username/password, token or ssh-privatekey");
    }
    return credentials;
  }
}
