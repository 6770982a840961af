package dev.slipway.build;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-namespace model of build credentials. Kaniko runs the Dockerfile's RUN steps in its own
 * container, where the push credential is mounted, so a tenant's build can always read it. That
 * is safe only when it is the namespace's own: able to push and pull {@code <registry>/<namespace>/}
 * and nothing of another namespace. The operator cannot see a credential's scope, but it can see
 * two namespaces holding the same one: with {@code SLIPWAY_REGISTRY_CREDENTIALS=per-namespace}
 * (the default) a build in such a namespace is refused, and the operator says at start which
 * namespaces share one. Only fingerprints (SHA-256) are kept, in memory; no credential is logged.
 */
public final class RegistryCredentialCheck {

  /** Build failure reasons of the refusals. */
  public static final String MISSING = "RegistryCredentialsMissing";
  public static final String SHARED = "SharedRegistryCredential";

  /** Why a build may not start (reason and a message for the tenant: nothing of another namespace). */
  public record Refusal(String reason, String message) {}

  private static final Logger log = LoggerFactory.getLogger(RegistryCredentialCheck.class);

  private final KubernetesClient client;
  private final OperatorConfig config;
  /** Fingerprint of a namespace's push credential, by namespace (as last read). */
  private final Map<String, String> fingerprints = new ConcurrentHashMap<>();
  /** Pairs of namespaces already warned about, so the log says it once. */
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  public RegistryCredentialCheck(KubernetesClient client, OperatorConfig config) {
    this.client = client;
    this.config = config;
  }

  /** Whether a build in this namespace may push with its credential; reads its push Secret (and, on a match, the other's again). */
  public Optional<Refusal> refusal(String namespace) {
    Optional<String> secretName = config.registrySecret();
    String host = config.registryHost().orElse(null);
    if (secretName.isEmpty() || host == null) {
      return Optional.empty();
    }
    Optional<String> mine = read(namespace);
    if (mine.isEmpty()) {
      fingerprints.remove(namespace);
      return Optional.of(new Refusal(MISSING, "this namespace has no push Secret " + secretName.get() + " (" + OperatorConfig.REGISTRY_SECRET
          + ") with a credential for " + host + ": builds here push with the namespace's own credential; ask the platform team for one,"
          + " then set a new value of the slipway.dev/refresh annotation to build again"));
    }
    fingerprints.put(namespace, mine.get());
    List<String> sharing = new ArrayList<>();
    for (var e : fingerprints.entrySet()) {
      if (!e.getKey().equals(namespace) && e.getValue().equals(mine.get())) {
        // Seen before: look again, it may have been replaced since.
        Optional<String> now = read(e.getKey());
        now.ifPresentOrElse(f -> fingerprints.put(e.getKey(), f), () -> fingerprints.remove(e.getKey()));
        if (now.isPresent() && now.get().equals(mine.get())) {
          sharing.add(e.getKey());
        }
      }
    }
    if (sharing.isEmpty()) {
      return Optional.empty();
    }
    Set<String> all = new TreeSet<>(sharing);
    all.add(namespace);
    warnShared(host, all);
    if (config.registryCredentials() == OperatorConfig.RegistryCredentials.SHARED) {
      return Optional.empty();
    }
    return Optional.of(new Refusal(SHARED, "the push Secret " + secretName.get() + " in this namespace holds the same credential for " + host
        + " as another namespace's: this build could read it and push to that namespace's images. Builds here wait for a credential"
        + " of this namespace's own (limited to " + config.registry().orElse(host) + "/" + namespace + "/); ask the platform team, then"
        + " set a new value of the slipway.dev/refresh annotation to build again"));
  }

  /**
   * What the platform team should know at start, said in the log: builds without any push
   * credential, one credential for every namespace by choice, or namespaces (those watched, else
   * those with a Project) that hold the same one. Run before the controllers start, so the first
   * build of a namespace already knows the others (one Secret read per namespace).
   */
  public void audit() {
    if (config.registry().isEmpty()) {
      return;
    }
    String host = config.registryHost().orElseThrow();
    if (config.registrySecret().isEmpty()) {
      log.warn("{} is unset: builds push to {} without credentials, so the registry accepts pushes from anyone who reaches it and every"
          + " tenant's builds can push to every other tenant's images; give each namespace its own push credential (README: Security model)",
          OperatorConfig.REGISTRY_SECRET, host);
      return;
    }
    if (config.registryCredentials() == OperatorConfig.RegistryCredentials.SHARED) {
      log.warn("{}=shared: one push credential may serve every namespace; every tenant's builds can read it (RUN steps see what Kaniko"
          + " mounts) and push to every other tenant's images on {}", OperatorConfig.REGISTRY_CREDENTIALS, host);
    }
    try {
      for (String namespace : namespaces()) {
        read(namespace).ifPresent(f -> fingerprints.put(namespace, f));
      }
    } catch (KubernetesClientException e) {
      log.warn("cannot check the push Secrets ({}): {}", OperatorConfig.REGISTRY_SECRET, e.getMessage());
      return;
    }
    fingerprints.entrySet().stream()
        .collect(Collectors.groupingBy(Map.Entry::getValue, Collectors.mapping(Map.Entry::getKey, Collectors.toCollection(TreeSet::new))))
        .values().stream().filter(group -> group.size() > 1)
        .forEach(group -> warnShared(host, group));
  }

  private void warnShared(String host, Set<String> namespaces) {
    if (warned.add(String.join(",", namespaces))) {
      log.warn("the push Secrets {} ({}) of namespaces {} hold one and the same credential for {}: each namespace's builds can read it and"
          + " push to the others' images; give each namespace its own, limited to <registry>/<namespace>/ (README: Security model){}",
          config.registrySecret().orElseThrow(), OperatorConfig.REGISTRY_SECRET, String.join(", ", namespaces), host,
          config.registryCredentials() == OperatorConfig.RegistryCredentials.PER_NAMESPACE ? "; their builds are refused until then" : "");
    }
  }

  private Set<String> namespaces() {
    if (!config.watchesAllNamespaces()) {
      return config.watchNamespaces();
    }
    return client.resources(Project.class).inAnyNamespace().list().getItems().stream()
        .map(p -> p.getMetadata().getNamespace()).collect(Collectors.toCollection(TreeSet::new));
  }

  /** The fingerprint of the namespace's credential for the registry's host, if its push Secret has one. */
  private Optional<String> read(String namespace) {
    Secret secret = client.secrets().inNamespace(namespace).withName(config.registrySecret().orElseThrow()).get();
    return fingerprint(secret, config.registryHost().orElseThrow());
  }

  /** SHA-256 of what a dockerconfigjson Secret holds for {@code host} (auth, or username and password, or a token); empty if nothing. */
  static Optional<String> fingerprint(Secret secret, String host) {
    if (secret == null || secret.getData() == null || secret.getData().get(".dockerconfigjson") == null) {
      return Optional.empty();
    }
    JsonNode auths;
    try {
      String json = new String(Base64.getDecoder().decode(secret.getData().get(".dockerconfigjson")), StandardCharsets.UTF_8);
      auths = Serialization.jsonMapper().readTree(json).path("auths");
    } catch (Exception e) {
      return Optional.empty(); // not a docker config: no credential (the message never quotes it)
    }
    JsonNode entry = auths.path(host);
    if (entry.isMissingNode()) {
      for (var it = auths.fields(); it.hasNext(); ) {
        var e = it.next();
        String key = e.getKey().replaceFirst("^https?://", "").replaceAll("/.*$", "");
        if (key.equals(host)) {
          entry = e.getValue();
        }
      }
    }
    if (entry.isMissingNode()) {
      return Optional.empty();
    }
    String auth = entry.path("auth").asText("");
    String credential = !auth.isEmpty() ? "auth:" + auth
        : !entry.path("identitytoken").asText("").isEmpty() ? "identitytoken:" + entry.path("identitytoken").asText()
        : !entry.path("registrytoken").asText("").isEmpty() ? "registrytoken:" + entry.path("registrytoken").asText()
        : "auth:" + Base64.getEncoder().encodeToString((entry.path("username").asText("") + ":" + entry.path("password").asText(""))
            .getBytes(StandardCharsets.UTF_8));
    if (credential.equals("auth:" + Base64.getEncoder().encodeToString(":".getBytes(StandardCharsets.UTF_8)))) {
      return Optional.empty();
    }
    try {
      return Optional.of(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(credential.getBytes(StandardCharsets.UTF_8))));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
