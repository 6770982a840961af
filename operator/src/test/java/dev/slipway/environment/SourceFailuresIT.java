package dev.slipway.environment;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static dev.slipway.testing.Environments.files;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LogCapture;
import dev.slipway.testing.SecretCheck;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitHttpServer;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What happens when the source cannot be resolved: each cause shows as a condition with its
 * reason, retries back off instead of looping, and no credential ever reaches a status, an Event
 * or a log line. Fixing the cause and nudging (webhook) brings the environment back.
 */
@ControlPlaneTest
class SourceFailuresIT {

  /** Canary credentials: they must never show up outside the Secret and the Project spec. */
  static final String SECRET_CANARY = "canary-secret-7f3e9a";
  static final String URL_CANARY = "canary-url-4b81c2";
  static final String WEBHOOK_TOKEN = "webhook-token-for-tests";

  private static RunningOperator operator;
  private static GitDaemon daemon;
  private static GitHttpServer http;
  private static LogCapture logs;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) {
    logs = new LogCapture();
    SecretCheck.remember(WEBHOOK_TOKEN);
    daemon = new GitDaemon();
    http = new GitHttpServer("builder", "right-password");
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("SLIPWAY_DATABASE_MODE", "none"),
        Map.entry("SLIPWAY_WATCH_NAMESPACES", ns.name()),
        Map.entry("SLIPWAY_HTTP_PORT", "0"),
        Map.entry("SLIPWAY_LEADER_ELECTION", "false"),
        Map.entry("SLIPWAY_REGISTRY", "registry.test.invalid/slipway"),
        Map.entry("SLIPWAY_POLL_INTERVAL", "5s"),
        Map.entry("SLIPWAY_GIT_TIMEOUT", "5s"),
        Map.entry("SLIPWAY_WEBHOOK_TOKEN", WEBHOOK_TOKEN)));
    operator = RunningOperator.start(config, cp);
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (http != null) {
      http.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (logs != null) {
      logs.close();
    }
  }

  @Test
  void unreachableUnknownBranchAndBadCredentialsAreConditionsWithoutABusyLoop(KubernetesClient client, TestNamespace ns)
      throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("app");
    remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    client.resource(new SecretBuilder().withNewMetadata().withName("badauth-git").withNamespace(n)
        .addToLabels(dev.slipway.git.SourceCredentialsPolicy.LABEL, "true").endMetadata()
        .addToStringData("username", "builder").addToStringData("password", SECRET_CANARY).build()).create();

    client.resource(Environments.project(n, "gone", "git://127.0.0.1:" + closedPort + "/app.git", List.of(entry("test", "develop", true)))).create();
    client.resource(Environments.project(n, "nobranch", daemon.url(remote), List.of(entry("test", "no-such-branch", true)))).create();
    Project badauth = Environments.project(n, "badauth", http.url(remote), List.of(entry("test", "develop", true)));
    badauth.getSpec().getSource().setCredentialsSecret("badauth-git");
    client.resource(badauth).create();
    String urlWithToken = http.url(remote).replace("://", "://builder:" + URL_CANARY + "@");
    client.resource(Environments.project(n, "inurl", urlWithToken, List.of(entry("test", "develop", true)))).create();

    Environment gone = Environments.await(client, n, "gone-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.SOURCE_RESOLVED, "False", "RemoteUnreachable"));
    Environments.await(client, n, "nobranch-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.SOURCE_RESOLVED, "False", "BranchNotFound"));
    Environments.await(client, n, "badauth-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.SOURCE_RESOLVED, "False", "AuthFailed"));
    Environments.await(client, n, "inurl-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.SOURCE_RESOLVED, "False", "AuthFailed"));
    assertThat(gone.getStatus().getPhase()).isEqualTo(Phase.Failed);
    assertThat(Environments.condition(gone, ConditionTypes.SOURCE_RESOLVED).orElseThrow().getMessage()).contains("127.0.0.1");

    // Retries keep going (every 5 s here) but the answers do not change: no reconcile loop.
    long before = operator.reconciles("environment");
    Thread.sleep(12_000);
    long during = operator.reconciles("environment") - before;
    assertThat(during).as("reconciles of 4 failing environments in 12 s").isLessThanOrEqualTo(4);
    assertThat(client.batch().v1().jobs().inNamespace(n).list().getItems()).isEmpty();
    assertThat(client.apps().deployments().inNamespace(n).list().getItems()).isEmpty();

    // Fix the credentials and nudge through the webhook: the environment resolves and builds.
    client.secrets().inNamespace(n).withName("badauth-git").edit(s -> {
      s.setData(null);
      s.setStringData(java.util.Map.of("username", "builder", "password", "right-password"));
      return s;
    });
    HttpClient web = HttpClient.newHttpClient();
    HttpResponse<String> refused = web.send(HttpRequest.newBuilder(URI.create(operator.httpBase() + "/hooks/git/" + n + "/badauth"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).header("X-Slipway-Token", "wrong").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(401);
    HttpResponse<String> accepted = web.send(HttpRequest.newBuilder(URI.create(operator.httpBase() + "/hooks/git/" + n + "/badauth"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).header("X-Slipway-Token", WEBHOOK_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(accepted.statusCode()).isEqualTo(202);
    assertThat(accepted.body()).isEqualTo("accepted\n");
    Environment fixed = Environments.await(client, n, "badauth-test", Duration.ofSeconds(10),
        e -> e.getStatus().getPhase() == Phase.Building);
    assertThat(fixed.getStatus().getResolvedCommit()).isEqualTo(remote.head("develop"));

    // The canaries are nowhere: statuses, Events, logs.
    String statuses = Serialization.asJson(client.resources(Environment.class).inNamespace(n).list())
        + Serialization.asJson(client.resources(Project.class).inNamespace(n).list().getItems().stream().map(Project::getStatus).toList());
    assertThat(statuses).doesNotContain(SECRET_CANARY).doesNotContain(URL_CANARY).doesNotContain("right-password");
    String events = Serialization.asJson(client.v1().events().inNamespace(n).list());
    assertThat(events).doesNotContain(SECRET_CANARY).doesNotContain(URL_CANARY).doesNotContain("right-password");
    assertThat(logs.lines()).isNotEmpty().noneMatch(l -> l.contains(SECRET_CANARY) || l.contains(URL_CANARY) || l.contains("right-password"));
  }
}
