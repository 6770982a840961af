package dev.slipway.testing;

import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Restore;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * For the whole test run: remembers every credential a Secret in the cluster holds (the
 * passwords the operator generates, the presigned URLs of backup transfers, the registry and Git
 * credentials tests hand it, watched as they appear), captures every log line, and checks at the
 * end of each test class that none of them reached a status, an Event, a Job's spec or a log
 * line; at the end of the run, the log lines, every test Postgres server's log and the cluster's
 * own logs once more. Each search goes into the run-wide report ({@link SecretCheck}).
 */
public final class SecretWatch {

  private final LogCapture logs = new LogCapture();
  private final SharedIndexInformer<Secret> informer;
  private final Supplier<List<Path>> clusterLogs;

  /** Watches the cluster's Secrets; the files {@code clusterLogs} lists at the end are searched then. */
  public SecretWatch(KubernetesClient client, Supplier<List<Path>> clusterLogs) {
    this.clusterLogs = clusterLogs;
    informer = client.secrets().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Secret s) {
        SecretCheck.remember(s);
      }

      @Override
      public void onUpdate(Secret old, Secret s) {
        SecretCheck.remember(s);
      }

      @Override
      public void onDelete(Secret s, boolean unknown) {
        SecretCheck.remember(s);
      }
    });
  }

  /**
   * Statuses and Events of the namespace, its Jobs' specs, every log line so far and every test
   * Postgres server's log (they log every statement): none holds a credential.
   */
  public List<String> leaks(KubernetesClient client, String namespace) {
    String statuses = Serialization.asJson(client.resources(Environment.class).inNamespace(namespace).list().getItems().stream()
        .map(Environment::getStatus).toList())
        + Serialization.asJson(client.resources(Project.class).inNamespace(namespace).list().getItems().stream()
        .map(Project::getStatus).toList())
        + Serialization.asJson(client.resources(Backup.class).inNamespace(namespace).list().getItems().stream()
        .map(Backup::getStatus).toList())
        + Serialization.asJson(client.resources(Restore.class).inNamespace(namespace).list().getItems().stream()
        .map(Restore::getStatus).toList())
        + Serialization.asJson(client.batch().v1().jobs().inNamespace(namespace).list().getItems().stream()
        .map(j -> j.getSpec()).toList());
    String events = Serialization.asJson(client.v1().events().inNamespace(namespace).list())
        + Serialization.asJson(client.events().v1().events().inNamespace(namespace).list());
    List<String> found = new ArrayList<>();
    found.addAll(SecretCheck.search(namespace, "statuses and Job specs", statuses));
    found.addAll(SecretCheck.search(namespace, "Events", events));
    found.addAll(SecretCheck.search(namespace, "log lines", String.join("\n", logs.lines())));
    found.addAll(SecretCheck.search(namespace, "Postgres server logs", String.join("\n", LocalPostgres.allLogs())));
    return found;
  }

  /** Every regular file below these directories (the logs a cluster's components and pods wrote). */
  public static List<Path> filesBelow(Path... dirs) {
    List<Path> files = new ArrayList<>();
    for (Path dir : dirs) {
      if (java.nio.file.Files.isDirectory(dir)) {
        try (java.util.stream.Stream<Path> walk = java.nio.file.Files.walk(dir)) {
          walk.filter(java.nio.file.Files::isRegularFile).forEach(files::add);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
          // a pod's log went while we walked: the others are still searched
        }
      } else if (java.nio.file.Files.isRegularFile(dir)) {
        files.add(dir);
      }
    }
    return files;
  }

  public int passwordsSeen() {
    return SecretCheck.credentials();
  }

  /** The last look: every log line of the run, every Postgres server's log, the cluster's logs. */
  void close() {
    SecretCheck.search("the whole run", "log lines", String.join("\n", logs.lines()));
    SecretCheck.search("the whole run", "Postgres server logs", String.join("\n", LocalPostgres.allLogs()));
    for (Path log : clusterLogs.get()) {
      SecretCheck.searchFile("cluster logs", log);
    }
    informer.close();
    logs.close();
  }
}
