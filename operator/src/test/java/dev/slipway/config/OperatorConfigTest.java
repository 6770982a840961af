package dev.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    assertThat(c.reconcileThreads()).isEqualTo(10);
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
}
