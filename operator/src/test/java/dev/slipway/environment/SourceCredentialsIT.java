package dev.slipway.environment;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static dev.slipway.testing.Environments.files;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.git.SourceCredentialsPolicy;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitHttpServer;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which Secrets the operator sends to a Git remote: only those labelled as source credentials,
 * never its own, and never over plain http to another host. A Project naming another
 * environment's database Secret, with its source on a server the "attacker" runs (here: the
 * test's own Git server on loopback, which records every Authorization header), is refused and
 * that server never sees the password.
 */
@ControlPlaneTest
class SourceCredentialsIT {

  private static RunningOperator operator;
  private static LocalPostgres postgres;
  private static GitHttpServer http;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) {
    postgres = LocalPostgres.start();
    http = new GitHttpServer("builder", "right-password");
    cp.client().resource(postgres.adminSecret("shared-db", ns.name())).create();
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("SLIPWAY_WATCH_NAMESPACES", ns.name()),
        Map.entry("SLIPWAY_HTTP_PORT", "0"),
        Map.entry("SLIPWAY_LEADER_ELECTION", "false"),
        Map.entry("SLIPWAY_LEASE_NAMESPACE", ns.name()),
        Map.entry("SLIPWAY_REGISTRY", "registry.test.invalid/slipway"),
        Map.entry("SLIPWAY_DATABASE_MODE", "none"),
        Map.entry("SLIPWAY_SHARED_DATABASE_SECRET", "shared-db"),
        Map.entry("SLIPWAY_POLL_INTERVAL", "5s")));
    operator = RunningOperator.start(config, cp);
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    if (http != null) {
      http.close();
    }
  }

  @Test
  void onlySecretsMeantAsSourceCredentialsReachAGitRemote(KubernetesClient client, TestNamespace ns) throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("app");
    String commit = remote.commit("develop", files("Dockerfile", "FROM scratch\n"), "one");
    String url = http.url(remote);

    // An environment with a database on the shared server: its Secret holds a generated password.
    Project cms = Environments.project(n, "cms", url, List.of(entry("test", "develop", true)));
    DatabaseSpec shared = new DatabaseSpec();
    shared.setMode(DatabaseMode.SHARED);
    cms.getSpec().setDatabase(shared);
    cms.getSpec().getSource().setCredentialsSecret("cms-git");
    client.resource(new SecretBuilder().withNewMetadata().withName("cms-git").withNamespace(n)
        .addToLabels(SourceCredentialsPolicy.LABEL, "true").endMetadata()
        .addToStringData("username", "builder").addToStringData("password", "right-password").build()).create();
    client.resource(cms).create();
    Environments.await(client, n, "cms-test", Duration.ofSeconds(30), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
    String databasePassword = new String(Base64.getDecoder().decode(
        client.secrets().inNamespace(n).withName("cms-test-database").get().getData().get("password")), StandardCharsets.UTF_8);

    // A Project editor names that Secret as source credentials, pointing at "their" server.
    Project thief = Environments.project(n, "thief", url, List.of(entry("test", "develop", true)));
    thief.getSpec().getSource().setCredentialsSecret("cms-test-database");
    client.resource(thief).create();
    // And one names a Secret nobody marked as source credentials.
    client.resource(new SecretBuilder().withNewMetadata().withName("unmarked").withNamespace(n).endMetadata()
        .addToStringData("username", "builder").addToStringData("password", "unmarked-password-4711").build()).create();
    Project unmarked = Environments.project(n, "unmarked", url, List.of(entry("test", "develop", true)));
    unmarked.getSpec().getSource().setCredentialsSecret("unmarked");
    client.resource(unmarked).create();
    // A labelled Secret, but the remote is plain http on another host.
    Project cleartext = Environments.project(n, "cleartext", "http://git.example.invalid/acme/app.git", List.of(entry("test", "develop", true)));
    cleartext.getSpec().getSource().setCredentialsSecret("cms-git");
    client.resource(cleartext).create();

    Environment refused = Environments.await(client, n, "thief-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.SOURCE_RESOLVED, "False", "CredentialsRefused"));
    assertThat(Environments.condition(refused, ConditionTypes.SOURCE_RESOLVED).orElseThrow().getMessage())
        .contains("cms-test-database").contains("Slipway manages");
    assertThat(refused.getStatus().getPhase()).isEqualTo(Phase.Failed);
    Environment notMarked = Environments.await(client, n, "unmarked-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.SOURCE_RESOLVED, "False", "CredentialsRefused"));
    assertThat(Environments.condition(notMarked, ConditionTypes.SOURCE_RESOLVED).orElseThrow().getMessage())
        .contains("not labelled " + SourceCredentialsPolicy.LABEL + "=true");
    Environment insecure = Environments.await(client, n, "cleartext-test", Duration.ofSeconds(30),
        conditionIs(ConditionTypes.SOURCE_RESOLVED, "False", "InsecureTransport"));
    assertThat(Environments.condition(insecure, ConditionTypes.SOURCE_RESOLVED).orElseThrow().getMessage()).contains("https or ssh");

    // The labelled Secret works (the server records what it receives), and builds run for it alone.
    Environments.await(client, n, "cms-test", Duration.ofSeconds(30), e -> commit.equals(e.getStatus().getResolvedCommit()));
    Thread.sleep(6000); // more than one poll interval for everybody
    assertThat(http.authorizationsReceived()).isNotEmpty().allMatch("builder:right-password"::equals);
    assertThat(http.authorizationsReceived()).noneMatch(a -> a.contains(databasePassword) || a.contains("unmarked-password-4711"));
    assertThat(client.batch().v1().jobs().inNamespace(n).list().getItems()).extracting(j -> j.getMetadata().getName())
        .containsExactly(BuildNames.jobName("cms", commit));
    assertThat(client.v1().events().inNamespace(n).list().getItems())
        .anyMatch(e -> "thief-test".equals(e.getInvolvedObject().getName()) && "SourceFailed".equals(e.getReason()));
  }
}
