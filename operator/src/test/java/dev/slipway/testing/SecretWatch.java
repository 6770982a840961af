package dev.slipway.testing;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * For the whole test run: remembers every password the operator generates (from the credentials
 * Secrets it writes, watched as they appear), captures every log line, and checks at the end of
 * each test class that no such password reached a status, an Event or a log line.
 */
public final class SecretWatch {

  private final Set<String> passwords = ConcurrentHashMap.newKeySet();
  private final LogCapture logs = new LogCapture();
  private final SharedIndexInformer<Secret> informer;

  SecretWatch(KubernetesClient client) {
    informer = client.secrets().inAnyNamespace().withLabel(Labels.MANAGED_BY, Labels.MANAGER).inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Secret s) {
        remember(s);
      }

      @Override
      public void onUpdate(Secret old, Secret s) {
        remember(s);
      }

      @Override
      public void onDelete(Secret s, boolean unknown) {
        remember(s);
      }
    });
  }

  private void remember(Secret s) {
    // Database passwords, and the presigned URLs of backup transfers (a credential for one object).
    for (String key : List.of("password", "TRANSFER_URL", "TRANSFER_URLS")) {
      if (s.getData() != null && s.getData().get(key) != null) {
        // (TRANSFER_URLS: one presigned part URL per line, each a credential.)
        for (String value : new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8).split("\n")) {
          if (!value.isEmpty()) {
            passwords.add(value);
          }
        }
      }
    }
  }

  /**
   * Statuses and Events of the namespace, its Jobs' specs, every log line so far and every test
   * Postgres server's log (they log every statement): none holds a generated password or a
   * backup transfer URL.
   */
  public List<String> leaks(KubernetesClient client, String namespace) {
    String statuses = Serialization.asJson(client.resources(Environment.class).inNamespace(namespace).list().getItems().stream()
        .map(Environment::getStatus).toList())
        + Serialization.asJson(client.resources(Project.class).inNamespace(namespace).list().getItems().stream()
        .map(Project::getStatus).toList())
        + Serialization.asJson(client.resources(Backup.class).inNamespace(namespace).list().getItems().stream()
        .map(Backup::getStatus).toList())
        + Serialization.asJson(client.batch().v1().jobs().inNamespace(namespace).list().getItems().stream()
        .map(j -> j.getSpec()).toList());
    String events = Serialization.asJson(client.v1().events().inNamespace(namespace).list());
    List<String> lines = logs.lines();
    List<String> serverLogs = LocalPostgres.allLogs();
    List<String> found = new ArrayList<>();
    for (String p : passwords) {
      if (statuses.contains(p)) {
        found.add("a generated password is in a status or a Job's spec in " + namespace);
      }
      if (events.contains(p)) {
        found.add("a generated password is in an Event in " + namespace);
      }
      if (lines.stream().anyMatch(l -> l.contains(p))) {
        found.add("a generated password is in a log line");
      }
      if (serverLogs.stream().anyMatch(l -> l.contains(p))) {
        found.add("a generated password is in a Postgres server log");
      }
    }
    return found;
  }

  public int passwordsSeen() {
    return passwords.size();
  }

  void close() {
    informer.close();
    logs.close();
  }
}
