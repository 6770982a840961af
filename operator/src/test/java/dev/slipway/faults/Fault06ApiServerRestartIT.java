package dev.slipway.faults;

import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildNames;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 6, API server restart and watch expiry: with the operator (the jar) running, the
 * harness stops kube-apiserver (etcd keeps the data); while it is down a branch gets a new commit,
 * and etcd is compacted past every revision the operator has seen, so every watch it resumes is
 * answered {@code 410 Gone} (the test shows that with a watch of its own from an old revision).
 * Right after the API server is back, a Project gains an environment and another Project is
 * created. The same operator process (no restart) applies all of it within 60 s.
 */
@FaultTest
@Tag("faults-slow")
class Fault06ApiServerRestartIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @Scenario(value = 6, name = "API server restart + watch 410 (compaction)")
  void recoversWithoutARestartAndAppliesEveryChange(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    try (GitDaemon daemon = new GitDaemon(); GitRemote alpha = new GitRemote("alpha"); GitRemote beta = new GitRemote("beta")) {
      String first = alpha.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
      beta.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
      Map<String, String> env = OperatorJar.baseEnv(cp, n);
      try (OperatorJar operator = OperatorJar.start(cp, "faults-6", env, log)) {
        client.resource(Environments.project(n, "alpha", daemon.url(alpha), List.of(entry("test", "develop", true)))).create();
        await().atMost(Duration.ofSeconds(90)).until(() ->
            client.batch().v1().jobs().inNamespace(n).withName(BuildNames.jobName("alpha", first)).get() != null);
        ConfigMap marker = client.configMaps().inNamespace(n).resource(new ConfigMapBuilder().withNewMetadata().withName("marker")
            .endMetadata().addToData("at", "start").build()).create();
        String oldVersion = marker.getMetadata().getResourceVersion();
        Thread.sleep(2000);

        // --- the outage --------------------------------------------------------------------------
        cp.stopApiServer();
        Instant down = Instant.now();
        String second = alpha.commit("develop", Environments.files("Dockerfile", "FROM scratch\n", "b", "2\n"), "second");
        long compactedAt = compactEtcd(cp.etcdUrl());
        Thread.sleep(8000);
        cp.startApiServer();
        Instant up = Instant.now();
        System.out.printf("scenario 6: kube-apiserver down %d ms; etcd compacted at revision %d (the test's watch was at %s)%n",
            Duration.between(down, up).toMillis(), compactedAt, oldVersion);

        // Changes right after: the operator's watches are broken or being re-listed.
        Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(n).withName("alpha").edit(p -> {
          List<dev.slipway.api.v1alpha1.EnvironmentTemplate> mapping = new ArrayList<>(p.getSpec().getEnvironments());
          var qa = entry("qa", "develop", false);
          qa.setStage(dev.slipway.api.v1alpha1.Stage.TEST);
          mapping.add(qa);
          p.getSpec().setEnvironments(mapping);
          return p;
        }));
        client.resource(Environments.project(n, "beta", daemon.url(beta), List.of(entry("test", "develop", false)))).create();

        // A watch from a revision before the compaction is told 410 Gone: so were the operator's.
        assertThat(watchFrom(client, n, oldVersion)).as("a watch from before the compaction").isEqualTo(410);

        await("every change applied").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
          Environment qa = Environments.get(client, n, "alpha-qa");
          assertThat(qa).as("alpha-qa").isNotNull();
          assertThat(qa.getStatus()).as("alpha-qa reconciled").isNotNull();
          Environment b = Environments.get(client, n, "beta-test");
          assertThat(b).as("beta-test").isNotNull();
          assertThat(b.getStatus()).as("beta-test reconciled").isNotNull();
          assertThat(b.getStatus().getResolvedCommit()).as("beta-test resolved").isNotNull();
          assertThat(Environments.get(client, n, "alpha-test").getStatus().getResolvedCommit()).isEqualTo(second);
          assertThat(client.batch().v1().jobs().inNamespace(n).withName(BuildNames.jobName("alpha", second)).get())
              .as("the build of the commit pushed during the outage").isNotNull();
        });
        Duration recovery = Duration.between(up, Instant.now());
        FaultReport.recovered(recovery);
        assertThat(operator.alive()).as("the same operator process, not restarted\n" + operator.tail()).isTrue();
        assertThat(Files.readAllLines(log).stream().filter(l -> l.startsWith("==== start")).count()).isEqualTo(1);
        assertThat(Environments.get(client, n, "alpha-test").getStatus().getPhase()).isIn(Phase.Building, Phase.Pending);
        FaultReport.note("API server down " + Duration.between(down, up).toSeconds() + " s; etcd compacted at " + compactedAt);

        Canary.dump(client, n);
        awaitControllerManager(client, n);
        client.resources(Project.class).inNamespace(n).delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty());
        FaultReport.leftovers(client.batch().v1().jobs().inNamespace(n).list().getItems().stream()
            .filter(j -> j.getMetadata().getDeletionTimestamp() == null && j.getMetadata().getOwnerReferences().isEmpty()).toList().size());
      }
    }
  }

  /**
   * The controller manager's watches come back more slowly than the operator's (they were refused
   * while the restarted API server's RBAC cache filled, and back off): the scenarios after this one
   * need it, so wait until its Job controller makes a Pod again.
   */
  private static void awaitControllerManager(KubernetesClient client, String n) {
    Instant start = Instant.now();
    client.batch().v1().jobs().inNamespace(n).resource(new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
        .withNewMetadata().withName("kcm-probe").endMetadata()
        .withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never")
        .addNewContainer().withName("probe").withImage("registry.invalid/probe:1").endContainer()
        .endSpec().endTemplate().endSpec().build()).create();
    await("the controller manager's Job controller works again").atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1))
        .until(() -> !client.pods().inNamespace(n).withLabel("job-name", "kcm-probe").list().getItems().isEmpty());
    System.out.printf("scenario 6: the controller manager made a Pod again %d s after the check began%n",
        Duration.between(start, Instant.now()).toSeconds());
    client.batch().v1().jobs().inNamespace(n).withName("kcm-probe").withPropagationPolicy(
        io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
  }

  /** Writes a key of its own to etcd (a new revision past everything seen) and compacts up to it. */
  private static long compactEtcd(String etcd) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String key = Base64.getEncoder().encodeToString("/slipway-faults/compaction".getBytes(StandardCharsets.UTF_8));
    String value = Base64.getEncoder().encodeToString(Instant.now().toString().getBytes(StandardCharsets.UTF_8));
    JsonNode put = post(http, etcd + "/v3/kv/put", "{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}");
    long revision = put.path("header").path("revision").asLong();
    assertThat(revision).as("etcd's revision after the put: " + put).isPositive();
    post(http, etcd + "/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
    return revision;
  }

  private static JsonNode post(HttpClient http, String url, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + " answered " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** The HTTP code a watch of ConfigMaps from this resource version ends with (410 when it is too old). */
  private static int watchFrom(KubernetesClient client, String namespace, String resourceVersion) throws Exception {
    CompletableFuture<Integer> code = new CompletableFuture<>();
    try (var watch = client.configMaps().inNamespace(namespace).watch(
        new ListOptionsBuilder().withResourceVersion(resourceVersion).build(), new Watcher<ConfigMap>() {
          @Override
          public void eventReceived(Action action, ConfigMap resource) {
          }

          @Override
          public void onClose(WatcherException cause) {
            code.complete(cause.isHttpGone() ? 410 : -1);
          }
        })) {
      return code.get(20, TimeUnit.SECONDS);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      return e.getCode();
    }
  }
}
