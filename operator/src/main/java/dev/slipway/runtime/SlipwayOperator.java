package dev.slipway.runtime;

import dev.slipway.config.OperatorConfig;
import dev.slipway.build.BuildCoordinator;
import dev.slipway.build.RegistryCredentialCheck;
import dev.slipway.database.CredentialsSecret;
import dev.slipway.deploy.AppSecret;
import dev.slipway.database.DatabaseCoordinator;
import dev.slipway.database.DatabaseProvisioner;
import dev.slipway.database.LocalDatabase;
import dev.slipway.database.ProvisioningWork;
import dev.slipway.release.MigrationCoordinator;
import dev.slipway.environment.EnvironmentReconciler;
import dev.slipway.environment.PromotionCopies;
import dev.slipway.environment.SourcePoller;
import dev.slipway.project.ProjectReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import dev.slipway.backup.BackupReconciler;
import dev.slipway.backup.RestoreReconciler;
import dev.slipway.status.EventRecorder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running operator: JOSDK with Slipway's reconcilers, metrics, leader election and the
 * HTTP port for probes and scraping. {@link dev.slipway.Main} and the tests start it the same way.
 */
public final class SlipwayOperator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SlipwayOperator.class);

  private final Operator operator;
  private final OperatorHttpServer http;
  private final PrometheusMeterRegistry registry;
  private final AtomicBoolean leading = new AtomicBoolean(false);
  private final AtomicBoolean stopping = new AtomicBoolean(false);
  private final AtomicBoolean lostLeadership = new AtomicBoolean(false);
  private final OperatorConfig config;

  private final SourcePoller poller;
  private final RegistryCredentialCheck registryCredentials;

  private SlipwayOperator(OperatorConfig config, KubernetesClient client, Runnable onLostLeadership, Collaborators collaborators)
      throws IOException {
    this.config = config;
    registry = meterRegistry();
    operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withMetrics(new QueueWaitMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry), registry))
          .withConcurrentReconciliationThreads(config.controllers().reconcileThreads())
          .withReconciliationTerminationTimeout(config.controllers().shutdownTimeout())
          .withCloseClientOnStop(false);
      if (config.lease().enabled()) {
        o.withLeaderElectionConfiguration(leaderElection(client, onLostLeadership));
      } else {
        leading.set(true);
      }
    });
    Clock clock = collaborators.clock();
    poller = new SourcePoller(collaborators.sources(), new SecretCredentials(client, config.source().allowPlainHttp()),
        config.source().pollInterval(), Duration.ofSeconds(5), clock);
    EventRecorder events = new EventRecorder(client, config.lease().identity(), clock);
    registryCredentials = new RegistryCredentialCheck(client, config);
    operator.register(new ProjectReconciler(clock, config.database().mode()), namespaces(config));
    operator.register(environmentReconciler(client, collaborators, events, clock), namespaces(config));
    operator.register(new BackupReconciler(config, collaborators.backups(), events, clock), namespaces(config));
    operator.register(new RestoreReconciler(config, collaborators.backups(), events, clock), namespaces(config));
    http = new OperatorHttpServer(config, registry, this::live, this::ready,
        config.source().webhookToken().map(token -> new OperatorHttpServer.Webhook(token, poller::refreshProject)).orElse(null));
  }

  /** The registry /metrics serves: the JVM's and the process's meters, then the controllers'. */
  private static PrometheusMeterRegistry meterRegistry() {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new JvmGcMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);
    return meters;
  }

  /** The Lease this replica leads by; losing it stops the process so a fresh one stands by. */
  private LeaderElectionConfiguration leaderElection(KubernetesClient client, Runnable onLostLeadership) {
    String leaseNamespace = config.lease().namespace()
        .or(() -> Optional.ofNullable(client.getNamespace()))
        .orElse("default");
    return LeaderElectionConfigurationBuilder
        .aLeaderElectionConfiguration(config.lease().name())
        .withLeaseNamespace(leaseNamespace)
        .withIdentity(config.lease().holderIdentity())
        .withLeaseDuration(config.lease().duration())
        .withRenewDeadline(config.lease().renewDeadline())
        .withRetryPeriod(config.lease().retryPeriod())
        // JOSDK would call System.exit itself, also while we shut down on purpose.
        .withExitOnStopLeading(false)
        .withLeaderCallbacks(new LeaderCallbacks(
            () -> {
              leading.set(true);
              log.info("leading as {}: controllers start", config.lease().holderIdentity());
            },
            () -> {
              leading.set(false);
              if (!stopping.get()) {
                lostLeadership.set(true);
                log.error("lost the leader lease at {} (identity {}); stopping so a fresh process can stand by again",
                    Instant.now(), config.lease().holderIdentity());
                onLostLeadership.run();
              }
            },
            leader -> log.info("current leader: {}", leader)))
        .build();
  }

  /** The Environment controller and what it coordinates: builds, databases, migrations. */
  private EnvironmentReconciler environmentReconciler(KubernetesClient client, Collaborators collaborators, EventRecorder events,
      Clock clock) {
    BuildCoordinator builds = new BuildCoordinator(client, config, clock, registryCredentials);
    KeptFor<Optional<DatabaseProvisioner>> shared = new KeptFor<>(() -> collaborators.sharedDatabases().apply(client),
        SHARED_ADMIN_SECRET_READ, provisioner -> provisioner.filter(DatabaseProvisioners::usable).isPresent());
    DatabaseCoordinator databases = new DatabaseCoordinator(config, new CredentialsSecret(client), new LocalDatabase(client, config),
        collaborators.dedicatedDatabases(), shared, new ProvisioningWork(clock, 4));
    return new EnvironmentReconciler(config, poller, new PromotionCopies(collaborators.images()), builds, events, databases,
        new MigrationCoordinator(client, config), new AppSecret(client), clock);
  }

  /** How long the shared server's admin Secret, once read, stands for every reconcile. */
  static final Duration SHARED_ADMIN_SECRET_READ = Duration.ofSeconds(30);

  /**
   * Starts the operator against the cluster the client points at. {@code onLostLeadership} runs
   * when another replica took the lease from this one (Main exits the process).
   */
  public static SlipwayOperator start(OperatorConfig config, KubernetesClient client, Runnable onLostLeadership)
      throws IOException {
    return start(config, client, onLostLeadership, Collaborators.real(config));
  }

  /** As above, with the given links to Git, the registry and the clock. */
  public static SlipwayOperator start(OperatorConfig config, KubernetesClient client, Runnable onLostLeadership,
      Collaborators collaborators) throws IOException {
    SlipwayOperator slipway = new SlipwayOperator(config, client, onLostLeadership, collaborators);
    log.info("starting Slipway operator: {}", config);
    // Before any build is decided: a build must know whether another namespace holds its credential.
    slipway.registryCredentials.audit();
    slipway.operator.start();
    return slipway;
  }

  private static <P extends io.fabric8.kubernetes.api.model.HasMetadata> Consumer<ControllerConfigurationOverrider<P>> namespaces(
      OperatorConfig config) {
    return o -> {
      if (config.controllers().watchesAllNamespaces()) {
        o.watchingAllNamespaces();
      } else {
        o.settingNamespaces(config.controllers().watchNamespaces());
      }
    };
  }

  /** Alive unless leadership was lost, or this instance leads and its informers have failed. */
  public boolean live() {
    if (config.lease().enabled() && lostLeadership()) {
      return false;
    }
    return !leading.get() || !operator.getRuntimeInfo().isStarted() || operator.getRuntimeInfo().allEventSourcesAreHealthy();
  }

  /** Ready once started; a standby replica is ready to take over. */
  public boolean ready() {
    return operator.getRuntimeInfo().isStarted();
  }

  private boolean lostLeadership() {
    return lostLeadership.get();
  }

  public boolean isLeading() {
    return leading.get();
  }

  public int httpPort() {
    return http.port();
  }

  public int probePort() {
    return http.probePort();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public Operator operator() {
    return operator;
  }

  /** Resolves every tracked branch of a project now, as the webhook does. */
  public int refreshProject(String namespace, String project) {
    return poller.refreshProject(namespace, project);
  }

  public OperatorConfig config() {
    return config;
  }

  @Override
  public void close() {
    stopping.set(true);
    try {
      operator.stop();
    } finally {
      http.close();
      registry.close();
    }
  }
}
