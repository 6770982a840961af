package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.DatabaseStatus;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.config.OperatorConfig;
import dev.slipway.runtime.Collaborators;
import dev.slipway.runtime.SlipwayOperator;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.SecretCheck;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * The Backup controller keeps a running dump Job's part URLs alive on the real API server: with
 * session credentials of 12 seconds (moto's STS, enforced by {@link ExpiringSessionsProxy}) it
 * signs them again at half their life into the transfer Secret, for the same upload, with the
 * newer session once the SDK has renewed it. (No pod runs here: the upload reading them afresh
 * is S3BackupStoreIT's.)
 */
@ControlPlaneTest
class BackupUrlsIT {

  private static final String BUCKET = "slipway-backups";
  private static MotoServer moto;
  private static ExpiringSessionsProxy proxy;
  private static StsClient sts;
  private static StsAssumeRoleCredentialsProvider sessions;
  private static SlipwayOperator operator;
  private static KubernetesClient operatorClient;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) throws Exception {
    moto = MotoServer.start();
    var keys = StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY));
    try (S3Client s3 = S3Client.builder().region(Region.of(MotoServer.REGION)).endpointOverride(moto.endpoint()).credentialsProvider(keys)
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build()).httpClient(UrlConnectionHttpClient.create())
        .build()) {
      s3.createBucket(b -> b.bucket(BUCKET));
    }
    proxy = new ExpiringSessionsProxy(moto.endpoint());
    sts = StsClient.builder().region(Region.of(MotoServer.REGION)).endpointOverride(proxy.endpoint()).credentialsProvider(keys)
        .httpClient(UrlConnectionHttpClient.create()).build();
    sessions = StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
        .refreshRequest(r -> r.roleArn("arn:aws:iam::123456789012:role/slipway-backups").roleSessionName("slipway-operator").durationSeconds(12))
        .prefetchTime(Duration.ofSeconds(4)).staleTime(Duration.ofSeconds(1)).build();
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("SLIPWAY_DATABASE_MODE", "shared"),
        Map.entry("SLIPWAY_WATCH_NAMESPACES", ns.name()),
        Map.entry("SLIPWAY_HTTP_PORT", "0"),
        Map.entry("SLIPWAY_LEADER_ELECTION", "false"),
        Map.entry("SLIPWAY_LEASE_NAMESPACE", ns.name()),
        Map.entry("SLIPWAY_BACKUP_BUCKET", BUCKET),
        Map.entry("SLIPWAY_BACKUP_REGION", MotoServer.REGION),
        Map.entry("SLIPWAY_BACKUP_ENDPOINT", proxy.endpoint().toString())));
    Collaborators real = Collaborators.real(config);
    Collaborators withSessions = new Collaborators(real.sources(), real.images(), real.dedicatedDatabases(), real.sharedDatabases(),
        real.clock(), Optional.of(new S3BackupStore(BUCKET, MotoServer.REGION, proxy.endpoint(), null, sessions)));
    operatorClient = cp.newOperatorClient();
    operator = SlipwayOperator.start(config, operatorClient, () -> { }, withSessions);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (operatorClient != null) {
      operatorClient.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {sessions, sts, proxy, moto}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // closing anyway
      }
    }
  }

  @Test
  void aRunningDumpsPartUrlsAreSignedAgainBeforeTheSessionThatSignedThemEnds(KubernetesClient client, TestNamespace ns) {
    String n = ns.name();
    client.resource(environment(n)).create();
    // What the Environment controller reports once the environment runs and has a database.
    EnvironmentStatus status = new EnvironmentStatus();
    status.setImage("registry.example/shop@sha256:" + "a".repeat(64));
    status.setDeployedCommit("3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39");
    DatabaseStatus database = new DatabaseStatus();
    database.setSecretName("shop-live-database");
    status.setDatabase(database);
    Environment withStatus = environment(n);
    withStatus.setStatus(status);
    client.resource(withStatus).subresource("status").patch(new io.fabric8.kubernetes.client.dsl.base.PatchContext.Builder()
        .withPatchType(io.fabric8.kubernetes.client.dsl.base.PatchType.SERVER_SIDE_APPLY).withForce(true).withFieldManager("test").build());

    Backup backup = new Backup();
    backup.setMetadata(new ObjectMetaBuilder().withName("nightly").withNamespace(n).build());
    backup.setSpec(new BackupSpec());
    backup.getSpec().setEnvironment("shop-live");
    Instant created = Instant.now();
    client.resource(backup).create();

    // The Job runs (it never finishes here); its URLs are signed again and again while it does.
    List<Secret> seen = new ArrayList<>();
    Awaitility.await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(250)).until(() -> {
      Backup b = client.resources(Backup.class).inNamespace(n).withName("nightly").get();
      Secret s = client.secrets().inNamespace(n).withName(DumpJob.transferSecretName(b)).get();
      if (s != null && s.getMetadata().getAnnotations() != null && (seen.isEmpty()
          || !s.getMetadata().getAnnotations().get("slipway.dev/urls-signed").equals(seen.get(seen.size() - 1).getMetadata().getAnnotations().get("slipway.dev/urls-signed")))) {
        seen.add(s);
      }
      return sessionsIn(seen).size() >= 2 && seen.size() >= 3;
    });
    sessionsIn(seen).forEach(SecretCheck::remember); // the run-wide secret check looks for the session tokens too
    Secret first = seen.get(0);
    Secret last = seen.get(seen.size() - 1);
    assertThat(last.getMetadata().getAnnotations().get("slipway.dev/upload-id")).as("the same upload")
        .isEqualTo(first.getMetadata().getAnnotations().get("slipway.dev/upload-id"));
    Instant firstExpiry = Instant.parse(first.getMetadata().getAnnotations().get("slipway.dev/urls-expire"));
    assertThat(firstExpiry).as("the session's end, not the Job's deadline").isBefore(created.plusSeconds(20));
    assertThat(Instant.parse(last.getMetadata().getAnnotations().get("slipway.dev/urls-expire"))).isAfter(firstExpiry);
    assertThat(urls(last)).hasSize(Transfers.PARTS);
    Backup running = client.resources(Backup.class).inNamespace(n).withName("nightly").get();
    assertThat(running.getStatus().getPhase()).isEqualTo(dev.slipway.api.v1alpha1.BackupPhase.Running);
    assertThat(running.getStatus().toString()).doesNotContain("X-Amz");
    client.resource(running).delete();
  }

  private static Environment environment(String namespace) {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName("shop-live").withNamespace(namespace).build());
    EnvironmentSpec spec = new EnvironmentSpec();
    spec.setProject("shop");
    spec.setEnvironment("live");
    spec.setStage(Stage.LIVE);
    spec.setBranch("develop");
    e.setSpec(spec);
    return e;
  }

  private static List<String> urls(Secret s) {
    String text = new String(Base64.getDecoder().decode(s.getData().get(Transfers.URLS_KEY)), StandardCharsets.UTF_8);
    return List.of(text.split("\n"));
  }

  /** The sessions whose credentials signed the URLs seen (their security tokens). */
  private static Set<String> sessionsIn(List<Secret> secrets) {
    Set<String> tokens = new LinkedHashSet<>();
    for (Secret s : secrets) {
      String query = java.net.URI.create(urls(s).get(0)).getRawQuery();
      for (String pair : query.split("&")) {
        if (pair.startsWith("X-Amz-Security-Token=")) {
          tokens.add(URLDecoder.decode(pair.substring(pair.indexOf('=') + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return tokens;
  }
}
