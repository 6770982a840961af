package dev.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.resources.Workload;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

  @Test
  void defaultsWatchEverythingWithLeaderElection() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of());
    assertThat(c.watchesAllNamespaces()).isTrue();
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.leaderElection()).isTrue();
    assertThat(c.leaseName()).isEqualTo("slipway-operator");
    assertThat(c.leaseNamespace()).isEmpty();
    assertThat(c.reconcileThreads()).isEqualTo(50);
    assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.identity()).isNotBlank();
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
    assertThat(c.watchNamespaces()).isEqualTo(Set.of("team-a", "team-b"));
    assertThat(c.httpPort()).isEqualTo(9090);
    assertThat(c.leaderElection()).isFalse();
    assertThat(c.leaseName()).isEqualTo("lock");
    assertThat(c.leaseNamespace()).contains("slipway-system");
    assertThat(c.identity()).isEqualTo("slipway-0");
    assertThat(c.reconcileThreads()).isEqualTo(4);
    assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void rdsBoundsDefaultToSmallClassesAndAreReadAndChecked() {
    OperatorConfig d = OperatorConfig.fromEnvironment(Map.of());
    assertThat(d.rdsBounds()).isEqualTo(dev.slipway.database.rds.InstanceBounds.DEFAULTS);
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of(
        "SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES", " db.t4g.* , db.r7g.large,,",
        "SLIPWAY_RDS_MAX_STORAGE_GIB", "500",
        "SLIPWAY_RDS_STORAGE_GIB", "50"));
    assertThat(c.rdsBounds().allowedClasses()).containsExactly("db.t4g.*", "db.r7g.large");
    assertThat(c.rdsBounds().maxStorageGiB()).isEqualTo(500);
    assertThat(OperatorConfig.fromEnvironment(Map.of("SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES", "*")).rdsBounds().allows("db.r7g.16xlarge"))
        .isTrue();
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
    assertThat(d.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(d.leaseRenewDeadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.leaseRetryPeriod()).isEqualTo(Duration.ofSeconds(2));

    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of(
        "SLIPWAY_LEASE_DURATION", "6s",
        "SLIPWAY_LEASE_RENEW_DEADLINE", "4s",
        "SLIPWAY_LEASE_RETRY_PERIOD", "500ms"));
    assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(6));
    assertThat(c.leaseRenewDeadline()).isEqualTo(Duration.ofSeconds(4));
    assertThat(c.leaseRetryPeriod()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.toBuilder().build().leaseDuration()).isEqualTo(Duration.ofSeconds(6));

    // The deadline must end before a standby may take over, and leave room for a jittered retry.
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_LEASE_DURATION", "10s")))
        .hasMessageContaining("SLIPWAY_LEASE_DURATION").hasMessageContaining("SLIPWAY_LEASE_RENEW_DEADLINE");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_LEASE_RETRY_PERIOD", "9s")))
        .hasMessageContaining("SLIPWAY_LEASE_RENEW_DEADLINE").hasMessageContaining("SLIPWAY_LEASE_RETRY_PERIOD");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_LEASE_DURATION", "soon")))
        .isInstanceOf(OperatorConfig.ConfigException.class).hasMessageContaining("SLIPWAY_LEASE_DURATION");
    assertThatThrownBy(() -> OperatorConfig.defaults().toBuilder()
        .leaseTimings(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(1)))
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
    assertThat(c.registry()).contains("registry.example.com:5000/slipway");
    assertThat(c.registryHost()).contains("registry.example.com:5000");
    assertThat(c.registryInsecure()).isTrue();
    assertThat(c.registrySecret()).contains("push-creds");
    assertThat(c.registryLayout()).isEqualTo(OperatorConfig.RegistryLayout.PER_STAGE);
    assertThat(c.registryCredentials()).isEqualTo(OperatorConfig.RegistryCredentials.SHARED);
    assertThat(OperatorConfig.defaults().registryCredentials()).as("each namespace's own, unless said otherwise")
        .isEqualTo(OperatorConfig.RegistryCredentials.PER_NAMESPACE);
    assertThat(c.registryAuthFile()).contains("/etc/slipway/registry/config.json");
    assertThat(c.buildTimeout()).isEqualTo(Duration.ofMinutes(45));
    assertThat(c.buildHistory()).isEqualTo(5);
    assertThat(c.resources(Workload.BUILD).requests().values())
        .containsExactly(Map.entry("cpu", "500m"), Map.entry("memory", "3Gi"), Map.entry("ephemeral-storage", "4Gi"));
    assertThat(c.resources(Workload.BUILD).limits().values())
        .containsExactly(Map.entry("cpu", "2"), Map.entry("memory", "3Gi"), Map.entry("ephemeral-storage", "8Gi"));
    assertThat(c.pipIndexUrl()).contains("https://wheels.example.com/simple");
    assertThat(c.pollInterval()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.gitTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.webhookToken()).contains("t0ken");
    assertThat(c.toString()).doesNotContain("t0ken");
    assertThat(c.baseDomain()).contains("apps.example.com");
    assertThat(c.ingressClass()).contains("nginx");
    assertThat(c.tlsIssuer()).contains("letsencrypt");
    assertThat(c.tlsIssuerKind()).isEqualTo(OperatorConfig.IssuerKind.Issuer);
    assertThat(c.healthPath()).isEqualTo("/health/");
  }

  @Test
  void imagesMustBePinnedByDigest() {
    assertThat(OperatorConfig.defaults().kanikoImage()).startsWith("ghcr.io/osscontainertools/kaniko").contains("@sha256:");
    assertThat(OperatorConfig.defaults().gitImage()).contains("@sha256:");
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
    assertThat(OperatorConfig.fromEnvironment(Map.of("POD_NAMESPACE", "slipway")).leaseNamespace()).contains("slipway");
  }

  @Test
  void durationsInSeveralForms() {
    assertThat(OperatorConfig.duration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(OperatorConfig.duration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(OperatorConfig.duration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(OperatorConfig.duration("PT45S")).isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void probesGetAPortOfTheirOwnAndTheHttpPortIsBounded() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of());
    assertThat(c.probePort()).isEqualTo(8081);
    assertThat(c.httpRequestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.httpMaxConnections()).isEqualTo(256);
    // A free HTTP port (tests, several operators on one machine) frees the probe port as well.
    assertThat(OperatorConfig.fromEnvironment(Map.of("SLIPWAY_HTTP_PORT", "0")).probePort()).isZero();
    assertThat(OperatorConfig.defaults().withHttpPort(0).probePort()).isZero();
    OperatorConfig set = OperatorConfig.fromEnvironment(Map.of("SLIPWAY_PROBE_PORT", "9091",
        "SLIPWAY_HTTP_REQUEST_TIMEOUT", "3s", "SLIPWAY_HTTP_MAX_CONNECTIONS", "40"));
    assertThat(set.probePort()).isEqualTo(9091);
    assertThat(set.httpRequestTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(set.httpMaxConnections()).isEqualTo(40);
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
    assertThat(none.backupBucket()).isEmpty();
    assertThat(none.backupPostgresImage()).isEqualTo(OperatorConfig.DEFAULT_LOCAL_POSTGRES_IMAGE);
    assertThat(none.backupTimeout()).isEqualTo(Duration.ofHours(2));

    OperatorConfig withRds = OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_BUCKET", "acme-backups", "SLIPWAY_AWS_REGION", "eu-west-1",
        "SLIPWAY_BACKUP_TIMEOUT", "3h"));
    assertThat(withRds.backupBucket()).contains("acme-backups");
    assertThat(withRds.backupRegion()).as("the RDS region by default").contains("eu-west-1");
    assertThat(withRds.backupTimeout()).isEqualTo(Duration.ofHours(3));
    assertThat(OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_BUCKET", "acme-backups", "SLIPWAY_AWS_REGION", "eu-west-1",
        "SLIPWAY_BACKUP_REGION", "us-east-2")).backupRegion()).contains("us-east-2");

    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_BUCKET", "acme-backups")))
        .hasMessageContaining("SLIPWAY_BACKUP_REGION");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_BUCKET", "Acme_Backups", "SLIPWAY_AWS_REGION", "eu-west-1")))
        .hasMessageContaining("SLIPWAY_BACKUP_BUCKET");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("SLIPWAY_BACKUP_POSTGRES_IMAGE", "postgres:16")))
        .hasMessageContaining("SLIPWAY_BACKUP_POSTGRES_IMAGE");
  }
}
