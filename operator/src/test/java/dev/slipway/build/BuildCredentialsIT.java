package dev.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LogCapture;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Build credentials per namespace, on the real API server: a build mounts only Secrets of its own
 * namespace, and its push Secret holds only that namespace's credential; namespaces holding one
 * and the same credential (which lets each one's builds push to the others' images) get no build,
 * and the operator says at start which namespaces share one, never the credential.
 */
@ControlPlaneTest
class BuildCredentialsIT {

  private static final String REGISTRY = "registry.test.invalid:5000/slipway";
  private static final String HOST = "registry.test.invalid:5000";
  private static final String PUSH = "registry-push";

  private static RunningOperator operator;
  private static GitDaemon daemon;
  private static LogCapture logs;
  private static String teamB;
  private static String teamC;
  private static String teamD;
  private static String remoteUrl;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) {
    KubernetesClient client = cp.client();
    teamB = ns.name() + "-b";
    teamC = ns.name() + "-c";
    teamD = ns.name() + "-d";
    for (String n : List.of(teamB, teamC, teamD)) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(n).endMetadata().build()).create();
    }
    daemon = new GitDaemon();
    GitRemote remote = new GitRemote("app");
    remote.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
    remoteUrl = daemon.url(remote);
    // Team A has its own credential; teams B and C were given the same one (the platform copied it);
    // team D none.
    client.resource(push(ns.name(), "team-a", "secret-of-a")).create();
    client.resource(push(teamB, "platform", "one-for-all")).create();
    client.resource(push(teamC, "platform", "one-for-all")).create();
    logs = new LogCapture();
    OperatorConfig config = OperatorConfig.defaults().toBuilder()
        .databaseMode(DatabaseMode.NONE)
        .watchNamespaces(Set.of(ns.name(), teamB, teamC, teamD))
        .httpPort(0)
        .leaderElection(false)
        .registry(REGISTRY)
        .registrySecret(PUSH)
        .pollInterval(Duration.ofSeconds(5))
        .build();
    operator = RunningOperator.start(config, cp);
  }

  @AfterAll
  static void stop(LocalControlPlane cp) throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (logs != null) {
      logs.close();
    }
    for (String n : List.of(teamB, teamC, teamD)) {
      cp.client().namespaces().withName(n).delete();
    }
  }

  @Test
  void atStartTheOperatorSaysWhichNamespacesShareAPushCredentialWithoutTheCredential() {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> logs.lines().stream()
        .anyMatch(l -> l.contains("of namespaces " + teamB + ", " + teamC + " hold one and the same credential for " + HOST)));
    String warning = logs.lines().stream().filter(l -> l.contains("hold one and the same credential")).findFirst().orElseThrow();
    assertThat(warning).contains("each namespace's builds can read it and push to the others' images", "their builds are refused until then");
    assertThat(logs.lines()).noneMatch(l -> l.contains("one-for-all") || l.contains(basic("platform", "one-for-all")));
  }

  @Test
  void aBuildMountsOnlyItsOwnNamespacesSecretsAndNamespacesSharingACredentialGetNoBuild(KubernetesClient client, TestNamespace ns) {
    String teamA = ns.name();
    Project own = Environments.project(teamA, "shop", remoteUrl, List.of(Environments.entry("test", "develop", true)));
    client.resource(own).create();
    Awaitility.await().atMost(Duration.ofSeconds(30))
        .until(() -> client.batch().v1().jobs().inNamespace(teamA).withLabel("slipway.dev/component", "build").list().getItems().size() == 1);
    Job build = client.batch().v1().jobs().inNamespace(teamA).withLabel("slipway.dev/component", "build").list().getItems().get(0);
    assertThat(build.getMetadata().getNamespace()).isEqualTo(teamA);
    PodSpec pod = build.getSpec().getTemplate().getSpec();
    List<String> secrets = secretsReferenced(pod);
    assertThat(secrets).as("every Secret the build reads is named in its own namespace (a pod can name no other)")
        .containsExactly(PUSH);
    Secret mounted = client.secrets().inNamespace(teamA).withName(PUSH).get();
    String config = new String(Base64.getDecoder().decode(mounted.getData().get(".dockerconfigjson")), StandardCharsets.UTF_8);
    assertThat(config).as("the push Secret it mounts holds team A's credential only").contains(basic("team-a", "secret-of-a"))
        .doesNotContain(basic("platform", "one-for-all"));
    assertThat(Serialization.asJson(build)).doesNotContain(teamB).doesNotContain(teamC).doesNotContain("one-for-all");

    // B and C share one credential: neither builds; the message names neither the other namespace nor the credential.
    client.resource(Environments.project(teamB, "shop", remoteUrl, List.of(Environments.entry("test", "develop", true)))).create();
    client.resource(Environments.project(teamC, "blog", remoteUrl, List.of(Environments.entry("test", "develop", true)))).create();
    for (String n : List.of(teamB, teamC)) {
      Environment refused = Environments.await(client, n, n.equals(teamB) ? "shop-test" : "blog-test", Duration.ofSeconds(30),
          Environments.conditionIs(ConditionTypes.BUILT, "False", RegistryCredentialCheck.SHARED));
      String message = Environments.condition(refused, ConditionTypes.BUILT).orElseThrow().getMessage();
      assertThat(message).contains("holds the same credential for " + HOST + " as another namespace's",
          "limited to " + REGISTRY + "/" + n + "/").doesNotContain(n.equals(teamB) ? teamC : teamB).doesNotContain("one-for-all");
      assertThat(client.batch().v1().jobs().inNamespace(n).list().getItems()).as("no build in " + n).isEmpty();
    }

    // D has no push Secret: its build does not push anonymously, it waits for one.
    client.resource(Environments.project(teamD, "wiki", remoteUrl, List.of(Environments.entry("test", "develop", true)))).create();
    Environment missing = Environments.await(client, teamD, "wiki-test", Duration.ofSeconds(30),
        Environments.conditionIs(ConditionTypes.BUILT, "False", RegistryCredentialCheck.MISSING));
    assertThat(Environments.condition(missing, ConditionTypes.BUILT).orElseThrow().getMessage())
        .contains("this namespace has no push Secret " + PUSH);
    assertThat(client.batch().v1().jobs().inNamespace(teamD).list().getItems()).isEmpty();
  }

  private static List<String> secretsReferenced(PodSpec pod) {
    List<String> names = new ArrayList<>();
    pod.getVolumes().forEach(v -> {
      if (v.getSecret() != null) {
        names.add(v.getSecret().getSecretName());
      }
      assertThat(v.getProjected()).as("no projected volume").isNull();
    });
    List<io.fabric8.kubernetes.api.model.Container> containers = new ArrayList<>(pod.getInitContainers());
    containers.addAll(pod.getContainers());
    for (var c : containers) {
      c.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)
          .forEach(e -> names.add(e.getValueFrom().getSecretKeyRef().getName()));
      assertThat(c.getEnvFrom()).isNullOrEmpty();
    }
    return names;
  }

  private static Secret push(String namespace, String user, String password) {
    String json = "{\"auths\":{\"" + HOST + "\":{\"auth\":\"" + basic(user, password) + "\"}}}";
    return new SecretBuilder().withNewMetadata().withName(PUSH).withNamespace(namespace).endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .addToData(".dockerconfigjson", Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8))).build();
  }

  private static String basic(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
