package dev.slipway.faults;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the secret canary (scenario 13) searches: every scenario hands over the passwords and
 * credentials of its run (generated ones from the credentials Secrets, the ones it saw cross the
 * AWS proxy) and, before its namespace goes, a dump of what must never hold them: Events, and the
 * status (and data of ConfigMaps) of every object in the namespace.
 */
public final class Canary {

  private Canary() {}

  static Path dir() {
    Path dir = FaultReport.dir().resolve("canary");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** Remembers a secret value (one per line; values with line breaks are cut at them). */
  public static synchronized void secret(String value) {
    if (value == null || value.length() < 8) {
      return; // too short to search for without false hits (and not something Slipway generates)
    }
    dev.slipway.testing.SecretCheck.remember(value); // the run-wide check looks for it as well
    try {
      Files.writeString(dir().resolve("secrets.txt"), value.lines().findFirst().orElse("") + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every password in the namespace's Slipway credentials Secrets. */
  public static void secretsOf(KubernetesClient client, String namespace) {
    for (Secret s : client.secrets().inNamespace(namespace).list().getItems()) {
      if (s.getData() == null) {
        continue;
      }
      for (String key : new String[] {"password", "PASSWORD", "POSTGRES_PASSWORD"}) {
        String v = s.getData().get(key);
        if (v != null) {
          secret(new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8));
        }
      }
    }
  }

  /** Writes Events and every object's status in the namespace to canary/&lt;namespace&gt;.json. */
  public static void dump(KubernetesClient client, String namespace) {
    Map<String, Object> dump = new LinkedHashMap<>();
    dump.put("events", client.v1().events().inNamespace(namespace).list().getItems());
    dump.put("eventsV1", client.events().v1().events().inNamespace(namespace).list().getItems());
    dump.put("environments", client.resources(Environment.class).inNamespace(namespace).list().getItems().stream()
        .map(e -> Map.of("name", e.getMetadata().getName(), "status", e.getStatus() == null ? Map.of() : e.getStatus())).toList());
    dump.put("projects", client.resources(Project.class).inNamespace(namespace).list().getItems().stream()
        .map(p -> Map.of("name", p.getMetadata().getName(), "status", p.getStatus() == null ? Map.of() : p.getStatus())).toList());
    dump.put("deployments", client.apps().deployments().inNamespace(namespace).list().getItems().stream()
        .map(d -> d.getStatus()).toList());
    dump.put("statefulsets", client.apps().statefulSets().inNamespace(namespace).list().getItems().stream()
        .map(d -> d.getStatus()).toList());
    dump.put("jobs", client.batch().v1().jobs().inNamespace(namespace).list().getItems().stream().map(j -> j.getStatus()).toList());
    dump.put("pods", client.pods().inNamespace(namespace).list().getItems().stream().map(p -> p.getStatus()).toList());
    dump.put("services", client.services().inNamespace(namespace).list().getItems().stream().map(s -> s.getStatus()).toList());
    dump.put("ingresses", client.network().v1().ingresses().inNamespace(namespace).list().getItems().stream()
        .map(i -> i.getStatus()).toList());
    dump.put("configmaps", client.configMaps().inNamespace(namespace).list().getItems().stream()
        .filter(c -> !c.getMetadata().getName().startsWith("big-")).toList());
    try {
      Files.writeString(dir().resolve(namespace + ".json"), Serialization.asJson(dump), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An extra file to search (a server's log). */
  public static synchronized void searchAlso(Path file) {
    try {
      Files.writeString(dir().resolve("files.txt"), file.toAbsolutePath() + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
