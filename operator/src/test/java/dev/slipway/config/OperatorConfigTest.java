package dev.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.database.rds.InstanceBounds;
import dev.slipway.database.rds.RdsSettings;
import dev.slipway.resources.Workload;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

  @Test
  void defaultsWatchEverythingWithLeaderElection() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of());
    assertThat(c.controllers().watchesAllNamespaces()).isTrue();
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.lease().enabled()).isTrue();
    assertThat(c.lease().name()).isEqualTo("slipway-operator");
    assertThat(c.lease().namespace()).isEmpty();
    assertThat(c.controllers().reconcileThreads()).isEqualTo(50);
    assertThat(c.controllers().shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.lease().identity()).isNotBlank();
  }

  @Test
  void readsEveryVariable() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of(
        "SLIPWAY_WATCH_NAMESPACES", " team-a, team-b ,,",
        "SLIPWAY_HTTP_PORT", "9090",
        "SLIPWAY_LEADER_ELECTION", "false",
        "SLIPWAY_LEASE_NAME", "lock",
        "SLIPWAY_LEASE_NAMESPACE", "slipway-system",
        "POD_NAME", "slipway-0",
        "SLIPWAY_RECONCILE_THREADS", "4",
        "SLIPWAY_SHUTDOWN_TIMEOUT", "2m"));
    assertThat(c.controllers().watchNamespaces()).isEqualTo(Set.of("team-a", "team-b"));
    assertThat(c.http().port()).isEqualTo(9090);
    assertThat(c.lease().enabled()).isFalse();
    assertThat(c.lease().name()).isEqualTo("lock");
    assertThat(c.lease().namespace()).contains("slipway-system");
    assertThat(c.lease().identity()).isEqualTo("slipway-0");
    assertThat(c.controllers().reconcileThreads()).isEqualTo(4);
    assertThat(c.controllers().shutdownTimeout()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void rdsBoundsDefaultToSmallClassesAndAreReadAndChecked() {
    assertThat(rds(Map.of()).bounds()).isEqualTo(InstanceBounds.DEFAULTS);
    RdsSettings c = rds(Map.of(
        "SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES", " db.t4g.* , db.r7g.large,,",
        "SLIPWAY_RDS_MAX_STORAGE_GIB", "500",
        "SLIPWAY_RDS_STORAGE_GIB", "50"));
    assertThat(c.bounds().allowedClasses()).containsExactly("db.t4g.*", "db.r7g.large");
    assertThat(c.bounds().maxStorageGiB()).isEqualTo(500);
    assertThat(c.defaultStorageGiB()).isEqualTo(50);
    assertThat(rds(Map.of("SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES", "*")).bounds().allows("db.r7g.16xlarge")).isTrue();
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES", "large")))
        .isInstanceOf(OperatorConfig.ConfigException.class).hasMessageContaining("SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_RDS_INSTANCE_CLASS", "db.r6g.large")))
        .isInstanceOf(OperatorConfig.ConfigException.class)
        .hasMessageContaining("SLIPWAY_RDS_INSTANCE_CLASS (db.r6g.large) is not among SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_RDS_STORAGE_GIB", "200")))
        .isInstanceOf(OperatorConfig.ConfigException.class)
        .hasMessageContaining("SLIPWAY_RDS_STORAGE_GIB (200) is more than SLIPWAY_RDS_MAX_STORAGE_GIB (100)");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_RDS_MAX_STORAGE_GIB", "10")))
        .isInstanceOf(OperatorConfig.ConfigException.class).hasMessageContaining("SLIPWAY_RDS_MAX_STORAGE_GIB");
  }

  @Test
  void leaseTimingsDefaultToJosdksAndAreReadAndChecked() {
    OperatorConfig d = OperatorConfig.fromEnvironment(Map.of());
    assertThat(d.lease().duration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(d.lease().renewDeadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.lease().retryPeriod()).isEqualTo(Duration.ofSeconds(2));

    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of(
        "SLIPWAY_LEASE_DURATION", "6s",
        "SLIPWAY_LEASE_RENEW_DEADLINE", "4s",
        "SLIPWAY_LEASE_RETRY_PERIOD", "500ms"));
    assertThat(c.lease().duration()).isEqualTo(Duration.ofSeconds(6));
    assertThat(c.lease().renewDeadline()).isEqualTo(Duration.ofSeconds(4));
    assertThat(c.lease().retryPeriod()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.with("SLIPWAY_LEASE_NAME", "other").lease().duration()).as("a variant keeps the other settings")
        .isEqualTo(Duration.ofSeconds(6));

    // The deadline must end before a standby may take over, and leave room for a jittered retry.
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_LEASE_DURATION", "10s")))
        .hasMessageContaining("SLIPWAY_LEASE_DURATION").hasMessageContaining("SLIPWAY_LEASE_RENEW_DEADLINE");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_LEASE_RETRY_PERIOD", "9s")))
        .hasMessageContaining("SLIPWAY_LEASE_RENEW_DEADLINE").hasMessageContaining("SLIPWAY_LEASE_RETRY_PERIOD");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_LEASE_DURATION", "soon")))
        .isInstanceOf(OperatorConfig.ConfigException.class).hasMessageContaining("SLIPWAY_LEASE_DURATION");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of(
        "SLIPWAY_LEASE_DURATION", "5s", "SLIPWAY_LEASE_RENEW_DEADLINE", "5s", "SLIPWAY_LEASE_RETRY_PERIOD", "1s")))
        .isInstanceOf(OperatorConfig.ConfigException.class);
  }

  @Test
  void buildDeployAndRegistrySettings() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.ofEntries(
        Map.entry("SLIPWAY_REGISTRY", "registry.example.com:5000/slipway/"),
        Map.entry("SLIPWAY_REGISTRY_INSECURE", "true"),
        Map.entry("SLIPWAY_REGISTRY_SECRET", "push-creds"),
        Map.entry("SLIPWAY_REGISTRY_LAYOUT", "per-stage"),
        Map.entry("SLIPWAY_REGISTRY_CREDENTIALS", "shared"),
        Map.entry("SLIPWAY_REGISTRY_AUTH_FILE", "/etc/slipway/registry/config.json"),
        Map.entry("SLIPWAY_BUILD_TIMEOUT", "45m"),
        Map.entry("SLIPWAY_BUILD_HISTORY", "5"),
        Map.entry("SLIPWAY_BUILD_REQUESTS", "cpu=500m,memory=3Gi"),
        Map.entry("SLIPWAY_BUILD_LIMITS", "memory=3Gi"),
        Map.entry("SLIPWAY_PIP_INDEX_URL", "https://wheels.example.com/simple"),
        Map.entry("SLIPWAY_POLL_INTERVAL", "2m"),
        Map.entry("SLIPWAY_GIT_TIMEOUT", "10s"),
        Map.entry("SLIPWAY_WEBHOOK_TOKEN", "t0ken"),
        Map.entry("SLIPWAY_BASE_DOMAIN", "Apps.Example.com"),
        Map.entry("SLIPWAY_INGRESS_CLASS", "nginx"),
        Map.entry("SLIPWAY_TLS_ISSUER", "letsencrypt"),
        Map.entry("SLIPWAY_TLS_ISSUER_KIND", "issuer"),
        Map.entry("SLIPWAY_HEALTH_PATH", "/health/")));
    assertThat(c.registry().url()).contains("registry.example.com:5000/slipway");
    assertThat(c.registry().host()).contains("registry.example.com:5000");
    assertThat(c.registry().insecure()).isTrue();
    assertThat(c.registry().secret()).contains("push-creds");
    assertThat(c.registry().layout()).isEqualTo(RegistrySettings.Layout.PER_STAGE);
    assertThat(c.registry().credentials()).isEqualTo(RegistrySettings.Credentials.SHARED);
    assertThat(OperatorConfig.defaults().registry().credentials()).as("each namespace's own, unless said otherwise")
        .isEqualTo(RegistrySettings.Credentials.PER_NAMESPACE);
    assertThat(c.registry().authFile()).contains("/etc/slipway/registry/config.json");
    assertThat(c.build().timeout()).isEqualTo(Duration.ofMinutes(45));
    assertThat(c.build().history()).isEqualTo(5);
    assertThat(c.pods().budget(Workload.BUILD).requests().values())
        .containsExactly(Map.entry("cpu", "500m"), Map.entry("memory", "3Gi"), Map.entry("ephemeral-storage", "4Gi"));
    assertThat(c.pods().budget(Workload.BUILD).limits().values())
        .containsExactly(Map.entry("cpu", "2"), Map.entry("memory", "3Gi"), Map.entry("ephemeral-storage", "8Gi"));
    assertThat(c.build().pipIndexUrl()).contains("https://wheels.example.com/simple");
    assertThat(c.source().pollInterval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.source().gitTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.source().webhookToken()).contains("t0ken");
    assertThat(c.toString()).doesNotContain("t0ken");
    assertThat(c.web().baseDomain()).contains("apps.example.com");
    assertThat(c.web().ingressClass()).contains("nginx");
    assertThat(c.web().tlsIssuer()).contains("letsencrypt");
    assertThat(c.web().tlsIssuerKind()).isEqualTo(WebSettings.IssuerKind.Issuer);
    assertThat(c.web().healthPath()).isEqualTo("/health/");
  }

  @Test
  void imagesMustBePinnedByDigest() {
    assertThat(OperatorConfig.defaults().build().kanikoImage()).startsWith("ghcr.io/osscontainertools/kaniko").contains("@sha256:");
    assertThat(OperatorConfig.defaults().build().gitImage()).contains("@sha256:");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_KANIKO_IMAGE", "ghcr.io/osscontainertools/kaniko:latest")))
        .hasMessageContaining("SLIPWAY_KANIKO_IMAGE").hasMessageContaining("digest");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_REGISTRY", "https://registry.example.com")))
        .hasMessageContaining("SLIPWAY_REGISTRY");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_POLL_INTERVAL", "1s")))
        .hasMessageContaining("SLIPWAY_POLL_INTERVAL");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_REGISTRY_LAYOUT", "flat")))
        .hasMessageContaining("SLIPWAY_REGISTRY_LAYOUT");
  }

  @Test
  void leaseNamespaceFallsBackToThePodNamespace() {
    assertThat(OperatorConfig.fromEnvironment(Map.of("POD_NAMESPACE", "slipway")).lease().namespace()).contains("slipway");
  }

  @Test
  void durationsInSeveralForms() {
    assertThat(Format.duration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Format.duration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Format.duration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Format.duration("PT45S")).isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void probesGetAPortOfTheirOwnAndTheHttpPortIsBounded() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of());
    assertThat(c.http().probePort()).isEqualTo(8081);
    assertThat(c.http().requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.http().maxConnections()).isEqualTo(256);
    // A free HTTP port (tests, several operators on one machine) frees the probe port as well.
    assertThat(OperatorConfig.fromEnvironment(Map.of("SLIPWAY_HTTP_PORT", "0")).http().probePort()).isZero();
    assertThat(OperatorConfig.defaults().with("SLIPWAY_HTTP_PORT", "0").http().probePort()).isZero();
    OperatorConfig set = OperatorConfig.fromEnvironment(Map.of("SLIPWAY_PROBE_PORT", "9091",
        "SLIPWAY_HTTP_REQUEST_TIMEOUT", "3s", "SLIPWAY_HTTP_MAX_CONNECTIONS", "40"));
    assertThat(set.http().probePort()).isEqualTo(9091);
    assertThat(set.http().requestTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(set.http().maxConnections()).isEqualTo(40);
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_HTTP_PORT", "9090", "SLIPWAY_PROBE_PORT", "9090")))
        .hasMessageContaining("SLIPWAY_PROBE_PORT").hasMessageContaining("SLIPWAY_HTTP_PORT");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_HTTP_REQUEST_TIMEOUT", "100ms")))
        .hasMessageContaining("SLIPWAY_HTTP_REQUEST_TIMEOUT");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_HTTP_MAX_CONNECTIONS", "0")))
        .hasMessageContaining("SLIPWAY_HTTP_MAX_CONNECTIONS");
  }

  @Test
  void badValuesNameTheVariable() {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_HTTP_PORT", "http")))
        .isInstanceOf(OperatorConfig.ConfigException.class)
        .hasMessageContaining("SLIPWAY_HTTP_PORT");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_LEADER_ELECTION", "maybe")))
        .hasMessageContaining("SLIPWAY_LEADER_ELECTION");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_WATCH_NAMESPACES", "Team_A")))
        .hasMessageContaining("SLIPWAY_WATCH_NAMESPACES").hasMessageContaining("Team_A");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_RECONCILE_THREADS", "0")))
        .hasMessageContaining("SLIPWAY_RECONCILE_THREADS");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_SHUTDOWN_TIMEOUT", "soon")))
        .hasMessageContaining("SLIPWAY_SHUTDOWN_TIMEOUT");
  }

  @Test
  void backupStorageNeedsABucketNameAndARegion() {
    OperatorConfig none = OperatorConfig.defaults();
    assertThat(none.backup().bucket()).isEmpty();
    assertThat(none.backup().postgresImage()).isEqualTo(none.database().localPostgresImage());
    assertThat(none.backup().timeout()).isEqualTo(Duration.ofHours(2));

    OperatorConfig withRds = OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_BUCKET", "acme-backups", "SLIPWAY_AWS_REGION", "eu-west-1",
        "SLIPWAY_BACKUP_TIMEOUT", "3h"));
    assertThat(withRds.backup().bucket()).contains("acme-backups");
    assertThat(withRds.backup().region()).as("the RDS region by default").contains("eu-west-1");
    assertThat(withRds.backup().timeout()).isEqualTo(Duration.ofHours(3));
    assertThat(OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_BUCKET", "acme-backups", "SLIPWAY_AWS_REGION", "eu-west-1",
        "SLIPWAY_BACKUP_REGION", "us-east-2")).backup().region()).contains("us-east-2");

    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_BUCKET", "acme-backups")))
        .hasMessageContaining("SLIPWAY_BACKUP_REGION");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_BUCKET", "Acme_Backups", "SLIPWAY_AWS_REGION", "eu-west-1")))
        .hasMessageContaining("SLIPWAY_BACKUP_BUCKET");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_POSTGRES_IMAGE", "postgres:16")))
        .hasMessageContaining("SLIPWAY_BACKUP_POSTGRES_IMAGE");
  }

  @Test
  void rdsIsMadeFromTheSettingsOnceARegionIsSet() {
    assertThat(OperatorConfig.defaults().rds()).as("no region, no RDS").isEmpty();
    RdsSettings s = rds(Map.of("SLIPWAY_RDS_ENDPOINT", "http://127.0.0.1:5000", "SLIPWAY_AWS_ACCESS_KEY_ID", "AKIA",
        "SLIPWAY_AWS_SECRET_ACCESS_KEY", "s3cret", "SLIPWAY_RDS_SECURITY_GROUPS", "sg-1, sg-2", "SLIPWAY_RDS_SUBNET_GROUP", "private"));
    assertThat(s.region()).isEqualTo("eu-west-1");
    assertThat(s.endpointOverride()).hasToString("http://127.0.0.1:5000");
    assertThat(s.accessKeyId()).isEqualTo("AKIA");
    assertThat(s.secretAccessKey()).isEqualTo("s3cret");
    assertThat(s.securityGroupIds()).containsExactly("sg-1", "sg-2");
    assertThat(s.subnetGroup()).isEqualTo("private");
    assertThat(s.defaultInstanceClass()).isEqualTo(RdsSettings.DEFAULT_INSTANCE_CLASS);
    assertThat(s.defaultStorageGiB()).isEqualTo(RdsSettings.DEFAULT_STORAGE_GIB);
    assertThat(s.backupRetentionDaysLive()).isEqualTo(RdsSettings.DEFAULT_BACKUP_RETENTION_LIVE);
    assertThat(s.backupRetentionDaysOther()).isEqualTo(RdsSettings.DEFAULT_BACKUP_RETENTION_OTHER);
  }

  @Test
  void variantsAreReadThroughTheSameDeclarations() {
    OperatorConfig base = OperatorConfig.fromEnvironment(Map.of("SLIPWAY_REGISTRY", "registry.example.com/slipway",
        "SLIPWAY_HTTP_PORT", "9090"));
    OperatorConfig variant = base.with("SLIPWAY_POLL_INTERVAL", "5s");
    assertThat(variant.source().pollInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(variant.registry().url()).contains("registry.example.com/slipway");
    assertThat(base.source().pollInterval()).as("the original is unchanged").isEqualTo(Duration.ofSeconds(60));
    assertThat(variant.with("SLIPWAY_HTTP_PORT", null).http().port()).as("null unsets").isEqualTo(8080);
    // A variant is checked as at start: the same bounds, the same messages.
    assertThatThrownBy(() -> base.with("SLIPWAY_POLL_INTERVAL", "1s"))
        .isInstanceOf(OperatorConfig.ConfigException.class).hasMessageContaining("SLIPWAY_POLL_INTERVAL");
    assertThatThrownBy(() -> base.with("SLIPWAY_PROBE_PORT", "9090")).hasMessageContaining("SLIPWAY_PROBE_PORT");
    assertThatThrownBy(() -> base.with("SLIPWAY_POLL_INTERVALL", "5s")).hasMessageContaining("is not an operator setting");
  }

  @Test
  void retiredVariablesStopTheOperatorSayingWhatReplacesThem() {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BUILD_CPU", "2")))
        .isInstanceOf(OperatorConfig.ConfigException.class)
        .hasMessage("SLIPWAY_BUILD_CPU is no longer read: set SLIPWAY_BUILD_REQUESTS=cpu=... (and SLIPWAY_BUILD_LIMITS)");
  }

  @Test
  void secretsAreNeverShown() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of("SLIPWAY_WEBHOOK_TOKEN", "hook-canary",
        "SLIPWAY_AWS_REGION", "eu-west-1", "SLIPWAY_AWS_SECRET_ACCESS_KEY", "aws-canary", "SLIPWAY_AWS_ACCESS_KEY_ID", "AKIA"));
    assertThat(c.toString()).doesNotContain("hook-canary").doesNotContain("aws-canary").contains("AKIA").contains("webhookToken=***");
    List<Object> capabilities = List.of(c.controllers(), c.http(), c.lease(), c.source(), c.registry(), c.build(), c.pods(), c.web(),
        c.database(), c.aws(), c.backup(), c.rds().orElseThrow());
    assertThat(capabilities).allSatisfy(settings -> assertThat(settings.toString()).doesNotContain("hook-canary").doesNotContain("aws-canary"));
  }

  /** The RDS settings with a region and {@code env}. */
  private static RdsSettings rds(Map<String, String> env) {
    Map<String, String> withRegion = new java.util.HashMap<>(env);
    withRegion.put("SLIPWAY_AWS_REGION", "eu-west-1");
    return OperatorConfig.fromEnvironment(withRegion).rds().orElseThrow();
  }
}
