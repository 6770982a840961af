package dev.slipway.database;

import dev.slipway.Labels;
import dev.slipway.OwnerReferences;
import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The environment's database credentials Secret, the one contract every mode fulfils:
 * {@code DATABASE_URL} plus host, port, name, user and password. The password is generated and
 * stored before anything is asked of the provider, and never regenerated, so a crash at any
 * point loses nothing.
 */
public final class CredentialsSecret {

  public static final String DATABASE_URL = "DATABASE_URL";

  /**
   * Annotation on the Secret: {@code pending} while the database may not have the stored password
   * yet (a Secret made again after it was lost, or a rotation), {@code applied} once the
   * provider confirmed it. Absent means applied (Secrets from before the annotation existed).
   */
  public static final String PASSWORD_STATE = "slipway.dev/password-state";
  static final String PENDING = "pending";
  static final String APPLIED = "applied";
  private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesClient client;

  public CredentialsSecret(KubernetesClient client) {
    this.client = client;
  }

  public static String name(Environment environment) {
    return environment.getMetadata().getName() + "-database";
  }

  /**
   * What the Secret holds now, read once per reconcile: the password, the raw data, and whether
   * the database may not have that password yet.
   */
  public record Stored(String password, Map<String, String> data, boolean pending) {
    @Override
    public String toString() {
      return "Stored[password=***, keys=" + (data == null ? "[]" : data.keySet()) + ", pending=" + pending + "]";
    }
  }

  /**
   * The stored password, generating and storing one first if there is none. A password made
   * here is {@code pending}: for a new database that is harmless (it is created with it), for
   * one that exists (the Secret was deleted) the provider sets it before anything uses it.
   */
  public Stored password(Environment environment) {
    Secret existing = read(environment);
    if (existing != null && existing.getData() != null && existing.getData().get("password") != null) {
      String state = existing.getMetadata().getAnnotations() == null ? null : existing.getMetadata().getAnnotations().get(PASSWORD_STATE);
      return new Stored(decode(existing.getData().get("password")), existing.getData(), PENDING.equals(state));
    }
    String password = generate();
    Secret secret = base(environment).addToData("password", encode(password)).build();
    secret.getMetadata().setAnnotations(new LinkedHashMap<>(Map.of(PASSWORD_STATE, PENDING)));
    try {
      client.resource(secret).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      return password(environment); // created by a concurrent reconcile a moment ago
    }
    return new Stored(password, secret.getData(), true);
  }

  /** The provider confirmed the database has the stored password. */
  public void markApplied(Environment environment) {
    client.secrets().inNamespace(environment.getMetadata().getNamespace()).withName(name(environment))
        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + PASSWORD_STATE + "\":\"" + APPLIED + "\"}}}");
  }

  /** A new password, stored (pending) before the provider is told (the next ensure applies it). */
  public String rotate(Environment environment) {
    String password = generate();
    client.secrets().inNamespace(environment.getMetadata().getNamespace()).withName(name(environment)).edit(s -> {
      s.getData().put("password", encode(password));
      if (s.getMetadata().getAnnotations() == null) {
        s.getMetadata().setAnnotations(new LinkedHashMap<>());
      }
      s.getMetadata().getAnnotations().put(PASSWORD_STATE, PENDING);
      return s;
    });
    return password;
  }

  /** Writes the full contract once the database is reachable; no write, and no second read, when nothing changed. */
  public void complete(Environment environment, DatabaseEndpoint endpoint, Stored stored) {
    String password = stored.password();
    Map<String, String> data = new LinkedHashMap<>();
    data.put(DATABASE_URL, url(endpoint, password));
    data.put("host", endpoint.host());
    data.put("port", Integer.toString(endpoint.port()));
    data.put("name", endpoint.database());
    data.put("user", endpoint.username());
    data.put("password", password);
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach((k, v) -> encoded.put(k, encode(v)));
    if (Objects.equals(stored.data(), encoded)) {
      return;
    }
    client.resource(base(environment).withData(encoded).build()).forceConflicts().serverSideApply();
  }

  /** Retain: the credentials outlive the environment (no owner, so no garbage collection). */
  public void keep(Environment environment) {
    Secret existing = read(environment);
    if (existing != null && existing.getMetadata().getOwnerReferences() != null && !existing.getMetadata().getOwnerReferences().isEmpty()) {
      client.secrets().inNamespace(environment.getMetadata().getNamespace()).withName(name(environment)).edit(s -> {
        s.getMetadata().setOwnerReferences(null);
        return s;
      });
    }
  }

  /** postgres://user:password@host:port/name, with sslmode=require where TLS is expected (RDS). */
  public static String url(DatabaseEndpoint e, String password) {
    return "postgres://" + enc(e.username()) + ":" + enc(password) + "@" + e.host() + ":" + e.port() + "/" + enc(e.database())
        + (e.requireTls() ? "?sslmode=require" : "");
  }

  private Secret read(Environment environment) {
    return client.secrets().inNamespace(environment.getMetadata().getNamespace()).withName(name(environment)).get();
  }

  private static SecretBuilder base(Environment environment) {
    Secret s = new SecretBuilder()
        .withNewMetadata()
        .withName(name(environment))
        .withNamespace(environment.getMetadata().getNamespace())
        .withLabels(Labels.forEnvironment(environment.getSpec().getProject(), environment.getSpec().getEnvironment()))
        .endMetadata()
        .withType("Opaque")
        .build();
    return new SecretBuilder(OwnerReferences.controlledBy(s, environment));
  }

  static String generate() {
    StringBuilder b = new StringBuilder(32);
    for (int i = 0; i < 32; i++) {
      b.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }
}
