package dev.slipway.config;

import java.time.Duration;
import java.util.Optional;

/** Leader election: which Lease, who this replica is, and the timings (JOSDK's defaults, which are client-go's). */
public record LeaseSettings(
    @Env(value = "SLIPWAY_LEADER_ELECTION", defaultValue = "true", chart = "leaderElection.enabled",
        doc = "Run controllers only in the replica holding the Lease.")
    boolean enabled,

    @Env(value = "SLIPWAY_LEASE_NAME", defaultValue = "slipway-operator", format = Format.DNS_LABEL, chart = "leaderElection.leaseName",
        doc = "Name of the Lease.")
    String name,

    /* The operator's own namespace: where its Lease and the shared-database Secret live. */
    @Env(value = "SLIPWAY_LEASE_NAMESPACE", format = Format.DNS_LABEL, orElse = "POD_NAMESPACE",
        defaultDoc = "`POD_NAMESPACE`, else the client's namespace, else `default`",
        doc = "Namespace of the Lease (the operator's namespace).")
    Optional<String> namespace,

    @Env(value = "POD_NAMESPACE", doc = "The namespace the operator runs in (the chart sets it from the pod):"
        + " the Lease's and the shared database Secret's unless `SLIPWAY_LEASE_NAMESPACE` names another.")
    Optional<String> podNamespace,

    /* This replica's name in the Lease (and in its user agent). */
    @Env(value = "POD_NAME", defaultDoc = "host name",
        doc = "This replica's name: in the operator's user agent `slipway-operator/<version> (<name>)`, which the API server's"
            + " audit log records for every request, and in the Lease as `<name>_<random>`, new for each process.")
    String identity,

    /* How long a Lease holds without renewal; a standby takes over at most this long (plus one retry) after the leader died. */
    @Env(value = "SLIPWAY_LEASE_DURATION", defaultValue = "15s", atLeast = "1s", chart = "leaderElection.leaseDuration",
        doc = "How long the Lease holds without renewal: a standby takes over at most this long plus 2.2 retry periods after"
            + " the leader died.")
    Duration duration,

    /* How long the leader keeps trying to renew before it gives up leading. */
    @Env(value = "SLIPWAY_LEASE_RENEW_DEADLINE", defaultValue = "10s", atLeast = "500ms", chart = "leaderElection.renewDeadline",
        doc = "How long the leader keeps failing to renew before it gives up leading (shorter than the lease duration).")
    Duration renewDeadline,

    /* How often the leader renews and a standby tries to acquire the Lease. */
    @Env(value = "SLIPWAY_LEASE_RETRY_PERIOD", defaultValue = "2s", atLeast = "100ms", chart = "leaderElection.retryPeriod",
        doc = "How often the leader renews the Lease and a standby tries to take it (the renew deadline must exceed 1.2 times it).")
    Duration retryPeriod) {

  /**
   * The leader must give up (renew deadline) before a standby may take over (lease duration), and
   * must get more than one jittered retry (1.2 x the retry period, as client-go and fabric8
   * jitter) within the deadline.
   */
  public LeaseSettings {
    identity = identity == null ? hostName() : identity;
    if (duration.compareTo(renewDeadline) <= 0) {
      throw new OperatorConfig.ConfigException("SLIPWAY_LEASE_DURATION (" + duration + ") must be longer than SLIPWAY_LEASE_RENEW_DEADLINE"
          + " (" + renewDeadline + ")");
    }
    if (renewDeadline.toMillis() <= retryPeriod.toMillis() * 1.2) {
      throw new OperatorConfig.ConfigException("SLIPWAY_LEASE_RENEW_DEADLINE (" + renewDeadline + ") must be longer than 1.2 x "
          + "SLIPWAY_LEASE_RETRY_PERIOD (" + retryPeriod + ")");
    }
  }

  /** Drawn once per process: see {@link #holderIdentity()}. */
  private static final String PROCESS = java.util.UUID.randomUUID().toString().substring(0, 8);

  /**
   * The Lease's holder: the replica's name and a part new for each process, as controller-runtime
   * does. With the name alone a container restarted after a crash counts as the holder already
   * and takes the Lease back at once, before the standby, which waited out the Lease, may.
   */
  public String holderIdentity() {
    return identity + "_" + PROCESS;
  }

  /** The replica a holder identity names: what {@link #holderIdentity()} put before its per-process part. */
  public static String replicaOf(String holderIdentity) {
    return holderIdentity == null ? null : holderIdentity.replaceFirst("_[0-9a-f]{8}$", "");
  }

  private static String hostName() {
    String host = System.getenv("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "slipway-" + ProcessHandle.current().pid();
    }
  }
}
