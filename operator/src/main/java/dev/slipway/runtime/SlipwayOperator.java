package dev.slipway.runtime;

import dev.slipway.config.OperatorConfig;
import dev.slipway.build.BuildCoordinator;
import dev.slipway.build.RegistryCredentialCheck;
import dev.slipway.database.CredentialsSecret;
import dev.slipway.deploy.AppSecret;
import dev.slipway.database.DatabaseCoordinator;
import dev.slipway.database.LocalDatabase;
import dev.slipway.database.ProvisioningWork;
import dev.slipway.release.MigrationCoordinator;
import dev.slipway.environment.EnvironmentReconciler;
import dev.slipway.environment.EventRecorder;
import dev.slipway.environment.PromotionCopies;
import dev.slipway.environment.SourcePoller;
import dev.slipway.project.ProjectReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import dev.slipway.backup.BackupReconciler;
import dev.slipway.backup.RestoreReconciler;
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
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);

    operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withMetrics(new QueueWaitMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry), registry))
          .withConcurrentReconciliationThreads(config.reconcileThreads())
          .withReconciliationTerminationTimeout(config.shutdownTimeout())
          .withCloseClientOnStop(false);
      if (config.leaderElection()) {
        String leaseNamespace = config.leaseNamespace()
            .or(() -> java.util.Optional.ofNullable(client.getNamespace()))
            .orElse("default");
        o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder
            .aLeaderElectionConfiguration(config.leaseName())
            .withLeaseNamespace(leaseNamespace)
            .withIdentity(config.identity())
            .withLeaseDuration(config.leaseDuration())
            .withRenewDeadline(config.leaseRenewDeadline())
            .withRetryPeriod(config.leaseRetryPeriod())
            // JOSDK would call System.exit itself, also while we shut down on purpose.
            .withExitOnStopLeading(false)
            .withLeaderCallbacks(new LeaderCallbacks(
                () -> {
                  leading.set(true);
                  log.info("leading as {}: controllers start", config.identity());
                },
                () -> {
                  leading.set(false);
                  if (!stopping.get()) {
                    lostLeadership.set(true);
                    log.error("lost the leader lease at {} (identity {}); stopping so a fresh process can stand by again",
                        java.time.Instant.now(), config.identity());
                    onLostLeadership.run();
                  }
                },
                leader -> log.info("current leader: {}", leader)))
            .build());
      } else {
        leading.set(true);
      }
    });
    Clock clock = collaborators.clock();
    poller = new SourcePoller(collaborators.sources(), new SecretCredentials(client, config.gitAllowPlainHttp()), config.pollInterval(),
        Duration.ofSeconds(5), clock);
    EventRecorder events = new EventRecorder(client, config.identity(), clock);
    registryCredentials = new RegistryCredentialCheck(client, config);
    operator.register(new ProjectReconciler(clock, config.databaseMode()), namespaces(config));
    operator.register(new EnvironmentReconciler(config, poller, new PromotionCopies(collaborators.images()),
        new BuildCoordinator(client, config, clock, registryCredentials), events,
        new DatabaseCoordinator(config, new CredentialsSecret(client), new LocalDatabase(client, config),
            collaborators.dedicatedDatabases(),
            new KeptFor<>(() -> collaborators.sharedDatabases().apply(client), SHARED_ADMIN_SECRET_READ,
                shared -> shared.filter(DatabaseProvisioners::usable).isPresent()),
            new ProvisioningWork(clock, 4)),
        new MigrationCoordinator(client, config), new AppSecret(client), clock), namespaces(config));
    operator.register(new BackupReconciler(config, collaborators.backups(), events, clock), namespaces(config));
    operator.register(new RestoreReconciler(config, collaborators.backups(), events, clock), namespaces(config));
    http = new OperatorHttpServer(config, registry, this::live, this::ready,
        config.webhookToken().map(token -> new OperatorHttpServer.Webhook(token, poller::refreshProject)).orElse(null));
  }

  /**
   * Starts the operator against the cluster the client points at. {@code onLostLeadership} runs
   * when another replica took the lease from this one (Main exits the process).
   */
  /** How long the shared server's admin Secret, once read, stands for every reconcile. */
  static final Duration SHARED_ADMIN_SECRET_READ = Duration.ofSeconds(30);

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
      if (config.watchesAllNamespaces()) {
        o.watchingAllNamespaces();
      } else {
        o.settingNamespaces(config.watchNamespaces());
      }
    };
  }

  /** Alive unless leadership was lost, or this instance leads and its informers have failed. */
  public boolean live() {
    if (config.leaderElection() && lostLeadership()) {
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
