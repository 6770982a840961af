package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.OwnerReferences;
import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The environment's own Secret of generated application settings: {@code SECRET_KEY} (Django's
 * signing key), made once per environment like the database password and never changed, so
 * sessions survive rollouts. The web pods and the release Job read it by {@code secretKeyRef},
 * unless the Project or the environment sets {@code SECRET_KEY} itself.
 */
public final class AppSecret {

  public static final String SECRET_KEY = "SECRET_KEY";
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*(-_=+)";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesClient client;
  /** Environments whose Secret this process saw or made: one read per environment and process. */
  private final Set<ResourceID> known = ConcurrentHashMap.newKeySet();

  public AppSecret(KubernetesClient client) {
    this.client = client;
  }

  /** {@code <environment object name>-app}. */
  public static String name(String environmentObjectName) {
    return environmentObjectName + "-app";
  }

  /** Makes the Secret if it does not exist yet (a key is never replaced). */
  public void ensure(Environment environment) {
    ResourceID id = ResourceID.fromResource(environment);
    if (known.contains(id)) {
      return;
    }
    String name = name(environment.getMetadata().getName());
    String namespace = environment.getMetadata().getNamespace();
    if (client.secrets().inNamespace(namespace).withName(name).get() == null) {
      Secret secret = new SecretBuilder()
          .withNewMetadata().withName(name).withNamespace(namespace)
          .withLabels(Labels.forEnvironment(environment.getSpec().getProject(), environment.getSpec().getEnvironment()))
          .endMetadata()
          .withType("Opaque")
          .addToData(SECRET_KEY, Base64.getEncoder().encodeToString(generate().getBytes(StandardCharsets.UTF_8)))
          .build();
      try {
        client.resource(OwnerReferences.controlledBy(secret, environment)).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
      }
    }
    known.add(id);
  }

  /** Forgets the environment (it was deleted; its Secret goes with it). */
  public void forget(ResourceID id) {
    known.remove(id);
  }

  static String generate() {
    StringBuilder b = new StringBuilder(50);
    for (int i = 0; i < 50; i++) {
      b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }
}
