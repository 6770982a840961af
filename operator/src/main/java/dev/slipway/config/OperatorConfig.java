package dev.slipway.config;

import java.time.Duration;
import dev.slipway.resources.Amounts;
import dev.slipway.resources.Budget;
import dev.slipway.resources.Workload;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The operator's settings, read from environment variables (the Helm chart sets them). Every
 * variable is documented in the README; a malformed value stops the operator at start with a
 * message naming the variable. Immutable; tests derive variants with {@link #toBuilder()}.
 */
public final class OperatorConfig {

  public static final String WATCH_NAMESPACES = "SLIPWAY_WATCH_NAMESPACES";
  public static final String HTTP_PORT = "SLIPWAY_HTTP_PORT";
  public static final String PROBE_PORT = "SLIPWAY_PROBE_PORT";
  public static final String HTTP_REQUEST_TIMEOUT = "SLIPWAY_HTTP_REQUEST_TIMEOUT";
  public static final String HTTP_MAX_CONNECTIONS = "SLIPWAY_HTTP_MAX_CONNECTIONS";
  public static final String LEADER_ELECTION = "SLIPWAY_LEADER_ELECTION";
  public static final String LEASE_NAME = "SLIPWAY_LEASE_NAME";
  public static final String LEASE_NAMESPACE = "SLIPWAY_LEASE_NAMESPACE";
  public static final String LEASE_DURATION = "SLIPWAY_LEASE_DURATION";
  public static final String LEASE_RENEW_DEADLINE = "SLIPWAY_LEASE_RENEW_DEADLINE";
  public static final String LEASE_RETRY_PERIOD = "SLIPWAY_LEASE_RETRY_PERIOD";
  public static final String POD_NAMESPACE = "POD_NAMESPACE";
  public static final String POD_NAME = "POD_NAME";
  public static final String RECONCILE_THREADS = "SLIPWAY_RECONCILE_THREADS";
  public static final String SHUTDOWN_TIMEOUT = "SLIPWAY_SHUTDOWN_TIMEOUT";
  public static final String POLL_INTERVAL = "SLIPWAY_POLL_INTERVAL";
  public static final String GIT_TIMEOUT = "SLIPWAY_GIT_TIMEOUT";
  public static final String GIT_CA_FILE = "SLIPWAY_GIT_CA_FILE";
  public static final String WEBHOOK_TOKEN = "SLIPWAY_WEBHOOK_TOKEN";
  public static final String REGISTRY = "SLIPWAY_REGISTRY";
  public static final String REGISTRY_INSECURE = "SLIPWAY_REGISTRY_INSECURE";
  public static final String REGISTRY_SECRET = "SLIPWAY_REGISTRY_SECRET";
  public static final String REGISTRY_LAYOUT = "SLIPWAY_REGISTRY_LAYOUT";
  public static final String REGISTRY_CREDENTIALS = "SLIPWAY_REGISTRY_CREDENTIALS";
  public static final String REGISTRY_AUTH_FILE = "SLIPWAY_REGISTRY_AUTH_FILE";
  public static final String KANIKO_IMAGE = "SLIPWAY_KANIKO_IMAGE";
  public static final String GIT_IMAGE = "SLIPWAY_GIT_IMAGE";
  public static final String RUNTIME_IMAGE = "SLIPWAY_RUNTIME_IMAGE";
  public static final String BUILD_TIMEOUT = "SLIPWAY_BUILD_TIMEOUT";
  public static final String BUILD_TTL = "SLIPWAY_BUILD_TTL";
  public static final String BUILD_HISTORY = "SLIPWAY_BUILD_HISTORY";
  public static final String BUILD_REQUESTS = "SLIPWAY_BUILD_REQUESTS";
  public static final String BUILD_LIMITS = "SLIPWAY_BUILD_LIMITS";
  public static final String BUILD_MAX = "SLIPWAY_BUILD_MAX";
  public static final String WEB_REQUESTS = "SLIPWAY_WEB_REQUESTS";
  public static final String WEB_LIMITS = "SLIPWAY_WEB_LIMITS";
  public static final String WEB_MAX = "SLIPWAY_WEB_MAX";
  public static final String BACKUP_REQUESTS = "SLIPWAY_BACKUP_REQUESTS";
  public static final String BACKUP_LIMITS = "SLIPWAY_BACKUP_LIMITS";
  public static final String BACKUP_MAX = "SLIPWAY_BACKUP_MAX";
  public static final String LOCAL_DATABASE_REQUESTS = "SLIPWAY_LOCAL_DATABASE_REQUESTS";
  public static final String LOCAL_DATABASE_LIMITS = "SLIPWAY_LOCAL_DATABASE_LIMITS";
  public static final String PIP_INDEX_URL = "SLIPWAY_PIP_INDEX_URL";
  public static final String BASE_DOMAIN = "SLIPWAY_BASE_DOMAIN";
  public static final String INGRESS_CLASS = "SLIPWAY_INGRESS_CLASS";
  public static final String TLS_ISSUER = "SLIPWAY_TLS_ISSUER";
  public static final String TLS_ISSUER_KIND = "SLIPWAY_TLS_ISSUER_KIND";
  public static final String HEALTH_PATH = "SLIPWAY_HEALTH_PATH";
  public static final String LIVENESS_PATH = "SLIPWAY_LIVENESS_PATH";
  public static final String ROLLOUT_DEADLINE = "SLIPWAY_ROLLOUT_DEADLINE";
  public static final String DATABASE_MODE = "SLIPWAY_DATABASE_MODE";
  public static final String AWS_REGION = "SLIPWAY_AWS_REGION";
  public static final String RDS_ENDPOINT = "SLIPWAY_RDS_ENDPOINT";
  public static final String AWS_ACCESS_KEY_ID = "SLIPWAY_AWS_ACCESS_KEY_ID";
  public static final String AWS_SECRET_ACCESS_KEY = "SLIPWAY_AWS_SECRET_ACCESS_KEY";
  public static final String RDS_SUBNET_GROUP = "SLIPWAY_RDS_SUBNET_GROUP";
  public static final String RDS_SECURITY_GROUPS = "SLIPWAY_RDS_SECURITY_GROUPS";
  public static final String RDS_PARAMETER_GROUP = "SLIPWAY_RDS_PARAMETER_GROUP";
  public static final String RDS_KMS_KEY = "SLIPWAY_RDS_KMS_KEY";
  public static final String RDS_INSTANCE_CLASS = "SLIPWAY_RDS_INSTANCE_CLASS";
  public static final String RDS_STORAGE_GIB = "SLIPWAY_RDS_STORAGE_GIB";
  public static final String RDS_ALLOWED_INSTANCE_CLASSES = "SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES";
  public static final String RDS_MAX_STORAGE_GIB = "SLIPWAY_RDS_MAX_STORAGE_GIB";
  public static final String SHARED_DATABASE_SECRET = "SLIPWAY_SHARED_DATABASE_SECRET";
  public static final String LOCAL_POSTGRES_IMAGE = "SLIPWAY_LOCAL_POSTGRES_IMAGE";
  public static final String MIGRATION_TIMEOUT = "SLIPWAY_MIGRATION_TIMEOUT";
  public static final String DATABASE_RECHECK = "SLIPWAY_DATABASE_RECHECK";
  public static final String RELEASE_JOB_TTL = "SLIPWAY_RELEASE_JOB_TTL";
  public static final String GIT_ALLOW_PLAIN_HTTP = "SLIPWAY_GIT_ALLOW_PLAIN_HTTP";
  public static final String BACKUP_BUCKET = "SLIPWAY_BACKUP_BUCKET";
  public static final String BACKUP_REGION = "SLIPWAY_BACKUP_REGION";
  public static final String BACKUP_ENDPOINT = "SLIPWAY_BACKUP_ENDPOINT";
  public static final String BACKUP_KMS_KEY = "SLIPWAY_BACKUP_KMS_KEY";
  public static final String BACKUP_POSTGRES_IMAGE = "SLIPWAY_BACKUP_POSTGRES_IMAGE";
  public static final String BACKUP_TIMEOUT = "SLIPWAY_BACKUP_TIMEOUT";

  /**
   * The official Postgres image for Local environments, pinned by the digest published for
   * postgres:16 (check it with 'crane digest' when you change it).
   */
  public static final String DEFAULT_LOCAL_POSTGRES_IMAGE =
      "docker.io/library/postgres:16@sha256:95206741a5b214807675e14165369d05b93a9cf692223b616d07cca227e74b0b";

  /**
   * The maintained Kaniko fork, pinned by the digest of its multi-arch index as published on
   * ghcr.io for v1.28.2 (check it with 'crane digest' when you change it).
   */
  public static final String DEFAULT_KANIKO_IMAGE =
      "ghcr.io/osscontainertools/kaniko:v1.28.2@sha256:4ea0e7301e3f6806de15150e4982c73018351e28c1dca6947bd3b4afb5ae3c60";

  /** Fetches the source at the exact commit before Kaniko runs; pinned like Kaniko. */
  public static final String DEFAULT_GIT_IMAGE =
      "docker.io/alpine/git:v2.47.1@sha256:39ac44ff6c6f659ee55eedd221a6b7e4cdfcf9d17ea2be024f588c3ddcd3ce7d";

  /** Where promoted images live: beside the builds, or in a repository per stage. */
  public enum RegistryLayout {
    /** Every stage runs images from {@code <registry>/<namespace>/<project>}. */
    SHARED,
    /** Promotion copies the image into {@code <registry>/<namespace>/<project>-<stage>}. */
    PER_STAGE
  }

  /** What the push credentials in the namespaces are (see build.RegistryCredentialCheck). */
  public enum RegistryCredentials {
    /** Each namespace's push Secret is its own: one found in two namespaces refuses their builds. */
    PER_NAMESPACE,
    /** One credential may serve every namespace (a single team's cluster): said at start, not refused. */
    SHARED
  }

  /** Which kind of cert-manager issuer {@link #tlsIssuer()} names. */
  public enum IssuerKind {
    ClusterIssuer,
    Issuer
  }

  private final Builder b;

  private OperatorConfig(Builder b) {
    this.b = b.copy();
  }

  /** Settings for tests and embedding: everything at its default, no environment read. */
  public static OperatorConfig defaults() {
    return fromEnvironment(Map.of());
  }

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    Reader r = new Reader(env);
    Builder b = new Builder();
    b.watchNamespaces = r.get(WATCH_NAMESPACES, OperatorConfig::namespaces, Set.of());
    b.httpPort = r.get(HTTP_PORT, v -> number(v, 0, 65535), 8080);
    b.probePort = r.get(PROBE_PORT, v -> number(v, 0, 65535), null);
    if (b.probePort != null && b.probePort != 0 && b.probePort == b.httpPort) {
      throw new IllegalArgumentException(PROBE_PORT + " must differ from " + HTTP_PORT + " (" + b.httpPort + "): probes get a port of their own");
    }
    b.httpRequestTimeout = r.get(HTTP_REQUEST_TIMEOUT, v -> atLeast(duration(v), Duration.ofSeconds(1)), b.httpRequestTimeout);
    b.httpMaxConnections = r.get(HTTP_MAX_CONNECTIONS, v -> number(v, 1, 10000), b.httpMaxConnections);
    b.leaderElection = r.get(LEADER_ELECTION, OperatorConfig::bool, true);
    b.leaseName = r.get(LEASE_NAME, OperatorConfig::dnsName, "slipway-operator");
    b.leaseNamespace = Optional.ofNullable(r.get(LEASE_NAMESPACE, OperatorConfig::dnsName, null))
        .or(() -> Optional.ofNullable(r.raw(POD_NAMESPACE)));
    b.identity = r.get(POD_NAME, Function.identity(), hostName());
    b.leaseDuration = r.get(LEASE_DURATION, v -> atLeast(duration(v), Duration.ofSeconds(1)), b.leaseDuration);
    b.leaseRenewDeadline = r.get(LEASE_RENEW_DEADLINE, v -> atLeast(duration(v), Duration.ofMillis(500)), b.leaseRenewDeadline);
    b.leaseRetryPeriod = r.get(LEASE_RETRY_PERIOD, v -> atLeast(duration(v), Duration.ofMillis(100)), b.leaseRetryPeriod);
    leaseTimings(b.leaseDuration, b.leaseRenewDeadline, b.leaseRetryPeriod);
    b.reconcileThreads = r.get(RECONCILE_THREADS, v -> number(v, 1, 200), 50);
    b.shutdownTimeout = r.get(SHUTDOWN_TIMEOUT, OperatorConfig::duration, Duration.ofSeconds(30));
    b.pollInterval = r.get(POLL_INTERVAL, v -> atLeast(duration(v), Duration.ofSeconds(5)), Duration.ofSeconds(60));
    b.gitTimeout = r.get(GIT_TIMEOUT, v -> atLeast(duration(v), Duration.ofSeconds(1)), Duration.ofSeconds(30));
    b.gitCaFile = r.get(GIT_CA_FILE, OperatorConfig::readableFile, null);
    b.webhookToken = r.get(WEBHOOK_TOKEN, Function.identity(), null);
    b.registry = r.get(REGISTRY, OperatorConfig::registry, null);
    b.registryInsecure = r.get(REGISTRY_INSECURE, OperatorConfig::bool, false);
    b.registrySecret = r.get(REGISTRY_SECRET, OperatorConfig::dnsName, null);
    b.registryLayout = r.get(REGISTRY_LAYOUT, OperatorConfig::layout, RegistryLayout.SHARED);
    b.registryCredentials = r.get(REGISTRY_CREDENTIALS, OperatorConfig::credentialsModel, RegistryCredentials.PER_NAMESPACE);
    b.registryAuthFile = r.get(REGISTRY_AUTH_FILE, Function.identity(), null);
    b.kanikoImage = r.get(KANIKO_IMAGE, OperatorConfig::pinnedImage, DEFAULT_KANIKO_IMAGE);
    b.gitImage = r.get(GIT_IMAGE, OperatorConfig::pinnedImage, DEFAULT_GIT_IMAGE);
    b.runtimeImage = r.get(RUNTIME_IMAGE, OperatorConfig::pinnedImage, null);
    b.buildTimeout = r.get(BUILD_TIMEOUT, v -> atLeast(duration(v), Duration.ofMinutes(1)), Duration.ofMinutes(30));
    b.buildTtl = r.get(BUILD_TTL, v -> atLeast(duration(v), Duration.ofMinutes(1)), Duration.ofHours(24));
    b.buildHistory = r.get(BUILD_HISTORY, v -> number(v, 1, 100), 10);
    replaced(env, Map.of("SLIPWAY_BUILD_CPU", BUILD_REQUESTS + "=cpu=... (and " + BUILD_LIMITS + ")",
        "SLIPWAY_BUILD_MEMORY", BUILD_REQUESTS + "=memory=... and " + BUILD_LIMITS + "=memory=..."));
    for (Workload w : Workload.values()) {
      b.resources.put(w, budget(r, w));
    }
    b.pipIndexUrl = r.get(PIP_INDEX_URL, OperatorConfig::httpUrl, null);
    b.baseDomain = r.get(BASE_DOMAIN, OperatorConfig::domain, null);
    b.ingressClass = r.get(INGRESS_CLASS, OperatorConfig::dnsName, null);
    b.tlsIssuer = r.get(TLS_ISSUER, OperatorConfig::dnsName, null);
    b.tlsIssuerKind = r.get(TLS_ISSUER_KIND, v -> enumValue(IssuerKind.class, v), IssuerKind.ClusterIssuer);
    b.healthPath = r.get(HEALTH_PATH, OperatorConfig::path, "/healthz");
    b.livenessPath = r.get(LIVENESS_PATH, OperatorConfig::path, "/livez");
    b.rolloutDeadline = r.get(ROLLOUT_DEADLINE, v -> atLeast(duration(v), Duration.ofSeconds(10)), Duration.ofMinutes(10));
    b.databaseMode = r.get(DATABASE_MODE, v -> enumValue(dev.slipway.api.v1alpha1.DatabaseMode.class, v), dev.slipway.api.v1alpha1.DatabaseMode.DEDICATED);
    b.awsRegion = r.get(AWS_REGION, Function.identity(), null);
    b.rdsEndpoint = r.get(RDS_ENDPOINT, OperatorConfig::httpUrl, null);
    b.awsAccessKeyId = r.get(AWS_ACCESS_KEY_ID, Function.identity(), null);
    b.awsSecretAccessKey = r.get(AWS_SECRET_ACCESS_KEY, Function.identity(), null);
    b.rdsSubnetGroup = r.get(RDS_SUBNET_GROUP, Function.identity(), null);
    b.rdsSecurityGroups = r.get(RDS_SECURITY_GROUPS, v -> java.util.Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList(), java.util.List.of());
    b.rdsParameterGroup = r.get(RDS_PARAMETER_GROUP, Function.identity(), null);
    b.rdsKmsKey = r.get(RDS_KMS_KEY, Function.identity(), null);
    b.rdsInstanceClass = r.get(RDS_INSTANCE_CLASS, Function.identity(), "db.t4g.micro");
    b.rdsStorageGiB = r.get(RDS_STORAGE_GIB, v -> number(v, 20, 65536), 20);
    b.rdsAllowedInstanceClasses = r.get(RDS_ALLOWED_INSTANCE_CLASSES, OperatorConfig::instanceClasses, b.rdsAllowedInstanceClasses);
    b.rdsMaxStorageGiB = r.get(RDS_MAX_STORAGE_GIB, v -> number(v, 20, 65536), b.rdsMaxStorageGiB);
    rdsBounds(b.rdsInstanceClass, b.rdsStorageGiB, b.rdsAllowedInstanceClasses, b.rdsMaxStorageGiB);
    b.sharedDatabaseSecret = r.get(SHARED_DATABASE_SECRET, OperatorConfig::dnsName, null);
    b.localPostgresImage = r.get(LOCAL_POSTGRES_IMAGE, OperatorConfig::pinnedImage, DEFAULT_LOCAL_POSTGRES_IMAGE);
    b.migrationTimeout = r.get(MIGRATION_TIMEOUT, v -> atLeast(duration(v), Duration.ofMinutes(1)), Duration.ofMinutes(15));
    b.databaseRecheck = r.get(DATABASE_RECHECK, v -> atLeast(duration(v), Duration.ofSeconds(5)), null);
    b.releaseJobTtl = r.get(RELEASE_JOB_TTL, v -> atLeast(duration(v), Duration.ofMinutes(1)), Duration.ofHours(24));
    b.gitAllowPlainHttp = r.get(GIT_ALLOW_PLAIN_HTTP, OperatorConfig::bool, false);
    b.backupBucket = r.get(BACKUP_BUCKET, OperatorConfig::bucket, null);
    b.backupRegion = r.get(BACKUP_REGION, Function.identity(), null);
    b.backupEndpoint = r.get(BACKUP_ENDPOINT, OperatorConfig::httpUrl, null);
    b.backupKmsKey = r.get(BACKUP_KMS_KEY, Function.identity(), null);
    b.backupPostgresImage = r.get(BACKUP_POSTGRES_IMAGE, OperatorConfig::pinnedImage, null);
    b.backupTimeout = r.get(BACKUP_TIMEOUT, v -> atLeast(duration(v), Duration.ofMinutes(1)), Duration.ofHours(2));
    if (b.backupBucket != null && b.backupRegion == null && b.awsRegion == null) {
      throw new IllegalArgumentException(BACKUP_BUCKET + " is set but neither " + BACKUP_REGION + " nor " + AWS_REGION + " says the bucket's region");
    }
    return new OperatorConfig(b);
  }

  public Builder toBuilder() {
    return b.copy();
  }

  // --- the settings -------------------------------------------------------------------------

  public Set<String> watchNamespaces() {
    return b.watchNamespaces;
  }

  /** Whether the operator watches every namespace (no list given). */
  public boolean watchesAllNamespaces() {
    return b.watchNamespaces.isEmpty();
  }

  public int httpPort() {
    return b.httpPort;
  }

  /**
   * The port that answers only /healthz and /readyz, for the kubelet: callers of the HTTP port
   * can never delay a probe. Unset: 8081, or a free port when the HTTP port is 0 (tests, and
   * several operators on one machine).
   */
  public int probePort() {
    if (b.probePort != null) {
      return b.probePort;
    }
    return b.httpPort == 0 ? 0 : DEFAULT_PROBE_PORT;
  }

  /** How long one connection to either port may take, from accept to the last byte answered. */
  public Duration httpRequestTimeout() {
    return b.httpRequestTimeout;
  }

  /** Connections the HTTP port holds open at once; more are closed at accept. */
  public int httpMaxConnections() {
    return b.httpMaxConnections;
  }

  public boolean leaderElection() {
    return b.leaderElection;
  }

  public String leaseName() {
    return b.leaseName;
  }

  public Optional<String> leaseNamespace() {
    return b.leaseNamespace;
  }

  /** This replica's name in the Lease (and in its user agent). */
  public String identity() {
    return b.identity;
  }

  /** How long a Lease holds without renewal; a standby takes over at most this long (plus one retry) after the leader died. */
  public Duration leaseDuration() {
    return b.leaseDuration;
  }

  /** How long the leader keeps trying to renew before it gives up leading. */
  public Duration leaseRenewDeadline() {
    return b.leaseRenewDeadline;
  }

  /** How often the leader renews and a standby tries to acquire the Lease. */
  public Duration leaseRetryPeriod() {
    return b.leaseRetryPeriod;
  }

  public int reconcileThreads() {
    return b.reconcileThreads;
  }

  public Duration shutdownTimeout() {
    return b.shutdownTimeout;
  }

  /** How often each environment's branch is resolved again. */
  public Duration pollInterval() {
    return b.pollInterval;
  }

  /** Upper bound of one ls-remote. */
  public Duration gitTimeout() {
    return b.gitTimeout;
  }

  /** A PEM bundle of CAs trusted for Git over https besides the JVM's own (private Git servers). */
  public Optional<String> gitCaFile() {
    return Optional.ofNullable(b.gitCaFile);
  }

  /** The text of {@link #gitCaFile()} (public certificates), which builds get to trust the same servers. */
  public Optional<String> gitCaCertificates() {
    return gitCaFile().map(file -> {
      try {
        return java.nio.file.Files.readString(java.nio.file.Path.of(file)).strip();
      } catch (java.io.IOException e) {
        throw new IllegalStateException("cannot read " + GIT_CA_FILE + " " + file + ": " + e.getMessage(), e);
      }
    });
  }

  /** Token a Git webhook must present; empty disables the webhook endpoint. */
  public Optional<String> webhookToken() {
    return Optional.ofNullable(b.webhookToken);
  }

  /** Registry and path prefix images are pushed under, e.g. registry.example.com/slipway. */
  public Optional<String> registry() {
    return Optional.ofNullable(b.registry);
  }

  public boolean registryInsecure() {
    return b.registryInsecure;
  }

  /** dockerconfigjson Secret (in each project's namespace) with push credentials. */
  public Optional<String> registrySecret() {
    return Optional.ofNullable(b.registrySecret);
  }

  public RegistryLayout registryLayout() {
    return b.registryLayout;
  }

  /** Whether each namespace's push credential must be its own (the default) or one may serve them all. */
  public RegistryCredentials registryCredentials() {
    return b.registryCredentials;
  }

  /** A docker config.json the operator itself uses to copy promoted images (mounted from a Secret). */
  public Optional<String> registryAuthFile() {
    return Optional.ofNullable(b.registryAuthFile);
  }

  /** The registry's host[:port], without the path prefix. */
  public Optional<String> registryHost() {
    return registry().map(r -> r.contains("/") ? r.substring(0, r.indexOf('/')) : r);
  }

  public String kanikoImage() {
    return b.kanikoImage;
  }

  public String gitImage() {
    return b.gitImage;
  }

  /**
   * The platform's runtime base image (base-images/runtime), pinned by digest, passed to every
   * build as the build argument SLIPWAY_RUNTIME_IMAGE (the boilerplates build FROM it); unset:
   * the Dockerfile's own default.
   */
  public Optional<String> runtimeImage() {
    return Optional.ofNullable(b.runtimeImage);
  }

  public Duration buildTimeout() {
    return b.buildTimeout;
  }

  /** How long finished build Jobs stay for inspection. */
  public Duration buildTtl() {
    return b.buildTtl;
  }

  public int buildHistory() {
    return b.buildHistory;
  }

  /** Requests, limits and (where a Project may size it) maximum of one kind of pod. */
  public Budget resources(Workload workload) {
    return b.resources.get(workload);
  }

  /** The platform's wheel index, passed to builds as the PIP_INDEX_URL build argument. */
  public Optional<String> pipIndexUrl() {
    return Optional.ofNullable(b.pipIndexUrl);
  }

  /** Environments are served at {@code <project>-<environment>.<baseDomain>}. */
  public Optional<String> baseDomain() {
    return Optional.ofNullable(b.baseDomain);
  }

  public Optional<String> ingressClass() {
    return Optional.ofNullable(b.ingressClass);
  }

  /** cert-manager issuer for TLS certificates; none means plain HTTP. */
  public Optional<String> tlsIssuer() {
    return Optional.ofNullable(b.tlsIssuer);
  }

  public IssuerKind tlsIssuerKind() {
    return b.tlsIssuerKind;
  }

  /** Path the web pods answer readiness and liveness probes on. */
  public String healthPath() {
    return b.healthPath;
  }

  /** What the liveness and startup probes ask: alive without the database (readiness asks {@link #healthPath}). */
  public String livenessPath() {
    return b.livenessPath;
  }

  /** How long a rollout may make no progress before it counts as failed (the Deployment's progressDeadlineSeconds). */
  public Duration rolloutDeadline() {
    return b.rolloutDeadline;
  }

  /** The database mode of Projects that name none. */
  public dev.slipway.api.v1alpha1.DatabaseMode databaseMode() {
    return b.databaseMode;
  }

  public Optional<String> awsRegion() {
    return Optional.ofNullable(b.awsRegion);
  }

  /** RDS API endpoint override (tests point it at moto). */
  public Optional<String> rdsEndpoint() {
    return Optional.ofNullable(b.rdsEndpoint);
  }

  public Optional<String> awsAccessKeyId() {
    return Optional.ofNullable(b.awsAccessKeyId);
  }

  public Optional<String> awsSecretAccessKey() {
    return Optional.ofNullable(b.awsSecretAccessKey);
  }

  public Optional<String> rdsSubnetGroup() {
    return Optional.ofNullable(b.rdsSubnetGroup);
  }

  public java.util.List<String> rdsSecurityGroups() {
    return b.rdsSecurityGroups;
  }

  public Optional<String> rdsParameterGroup() {
    return Optional.ofNullable(b.rdsParameterGroup);
  }

  public Optional<String> rdsKmsKey() {
    return Optional.ofNullable(b.rdsKmsKey);
  }

  public String rdsInstanceClass() {
    return b.rdsInstanceClass;
  }

  public int rdsStorageGiB() {
    return b.rdsStorageGiB;
  }

  /** What a Project may ask of RDS: the allowed instance classes (classes, families such as db.t4g.*, or *) and the most storage. */
  public dev.slipway.database.rds.InstanceBounds rdsBounds() {
    return new dev.slipway.database.rds.InstanceBounds(b.rdsAllowedInstanceClasses, b.rdsMaxStorageGiB);
  }

  /** Secret (in the operator's namespace) with the shared Postgres server's admin connection. */
  public Optional<String> sharedDatabaseSecret() {
    return Optional.ofNullable(b.sharedDatabaseSecret);
  }

  public String localPostgresImage() {
    return b.localPostgresImage;
  }

  public Duration migrationTimeout() {
    return b.migrationTimeout;
  }

  /**
   * How often a Ready database is looked at again (its state, the credentials Secret); empty:
   * 10 minutes for RDS, 5 for a shared server.
   */
  public Optional<Duration> databaseRecheck() {
    return Optional.ofNullable(b.databaseRecheck);
  }

  /** The S3 bucket backups are stored in; empty: Backups fail with StorageNotConfigured. */
  public Optional<String> backupBucket() {
    return Optional.ofNullable(b.backupBucket);
  }

  /** The bucket's region: {@link #BACKUP_REGION}, else the AWS region RDS uses. */
  public Optional<String> backupRegion() {
    return Optional.ofNullable(b.backupRegion).or(this::awsRegion);
  }

  /** Another S3 endpoint (an S3-compatible store, or a test double); path-style addressing then. */
  public Optional<String> backupEndpoint() {
    return Optional.ofNullable(b.backupEndpoint);
  }

  /** A KMS key the dumps are encrypted with (SSE-KMS); empty: the bucket's default encryption. */
  public Optional<String> backupKmsKey() {
    return Optional.ofNullable(b.backupKmsKey);
  }

  /** The image with pg_dump and pg_restore; default: the Local environments' Postgres image. */
  public String backupPostgresImage() {
    return b.backupPostgresImage == null ? b.localPostgresImage : b.backupPostgresImage;
  }

  /** How long a dump or restore Job may run; its transfer URL is valid for as long. */
  public Duration backupTimeout() {
    return b.backupTimeout;
  }

  /** How long a finished release (migration) Job is kept; its result stays in the release history anyway. */
  public Duration releaseJobTtl() {
    return b.releaseJobTtl;
  }

  /** Whether source credentials may go over plain http:// to hosts other than loopback. */
  public boolean gitAllowPlainHttp() {
    return b.gitAllowPlainHttp;
  }

  /** The operator's own namespace (where its Lease and the shared-database Secret live). */
  public Optional<String> operatorNamespace() {
    return b.leaseNamespace;
  }

  // --- derived variants, for tests -----------------------------------------------------------

  public static final int DEFAULT_PROBE_PORT = 8081;

  public OperatorConfig withHttpPort(int port) {
    return toBuilder().httpPort(port).build();
  }

  public OperatorConfig withLeaderElection(boolean enabled, String namespace) {
    return toBuilder().leaderElection(enabled).leaseNamespace(namespace).build();
  }

  public OperatorConfig withWatchNamespaces(Set<String> namespaces) {
    return toBuilder().watchNamespaces(namespaces).build();
  }

  @Override
  public String toString() {
    return "watchNamespaces=" + (watchesAllNamespaces() ? "<all>" : String.join(",", b.watchNamespaces))
        + " httpPort=" + b.httpPort + " probePort=" + probePort() + " httpRequestTimeout=" + b.httpRequestTimeout
        + " httpMaxConnections=" + b.httpMaxConnections + " leaderElection=" + b.leaderElection
        + " lease=" + b.leaseNamespace.orElse("<client namespace>") + "/" + b.leaseName + " identity=" + b.identity
        + " leaseDuration=" + b.leaseDuration + " renewDeadline=" + b.leaseRenewDeadline + " retryPeriod=" + b.leaseRetryPeriod
        + " reconcileThreads=" + b.reconcileThreads + " pollInterval=" + b.pollInterval
        + " registry=" + Optional.ofNullable(b.registry).orElse("<none>") + " layout=" + b.registryLayout
        + " registryCredentials=" + b.registryCredentials
        + " baseDomain=" + Optional.ofNullable(b.baseDomain).orElse("<none>")
        + " webhook=" + (b.webhookToken == null ? "off" : "on")
        + " databaseMode=" + b.databaseMode + " awsRegion=" + Optional.ofNullable(b.awsRegion).orElse("<none>")
        + " backupBucket=" + Optional.ofNullable(b.backupBucket).orElse("<none>");
  }

  /** Mutable holder of every setting; {@link #build()} validates nothing more than parsing did. */
  public static final class Builder {
    private Set<String> watchNamespaces = Set.of();
    private int httpPort = 8080;
    private Integer probePort;
    private Duration httpRequestTimeout = Duration.ofSeconds(10);
    private int httpMaxConnections = 256;
    private boolean leaderElection = true;
    private String leaseName = "slipway-operator";
    private Optional<String> leaseNamespace = Optional.empty();
    private String identity = "slipway";
    // JOSDK's defaults (LeaderElectionConfiguration), which are client-go's.
    private Duration leaseDuration = Duration.ofSeconds(15);
    private Duration leaseRenewDeadline = Duration.ofSeconds(10);
    private Duration leaseRetryPeriod = Duration.ofSeconds(2);
    private int reconcileThreads = 50;
    private Duration shutdownTimeout = Duration.ofSeconds(30);
    private Duration pollInterval = Duration.ofSeconds(60);
    private Duration gitTimeout = Duration.ofSeconds(30);
    private String gitCaFile;
    private String webhookToken;
    private String registry;
    private boolean registryInsecure;
    private String registrySecret;
    private RegistryLayout registryLayout = RegistryLayout.SHARED;
    private RegistryCredentials registryCredentials = RegistryCredentials.PER_NAMESPACE;
    private String registryAuthFile;
    private String kanikoImage = DEFAULT_KANIKO_IMAGE;
    private String gitImage = DEFAULT_GIT_IMAGE;
    private String runtimeImage;
    private Duration buildTimeout = Duration.ofMinutes(30);
    private Duration buildTtl = Duration.ofHours(24);
    private int buildHistory = 10;
    private Map<Workload, Budget> resources = defaultResources();
    private String pipIndexUrl;
    private String baseDomain;
    private String ingressClass;
    private String tlsIssuer;
    private IssuerKind tlsIssuerKind = IssuerKind.ClusterIssuer;
    private String healthPath = "/healthz";
    private String livenessPath = "/livez";
    private Duration rolloutDeadline = Duration.ofMinutes(10);
    private dev.slipway.api.v1alpha1.DatabaseMode databaseMode = dev.slipway.api.v1alpha1.DatabaseMode.DEDICATED;
    private String awsRegion;
    private String rdsEndpoint;
    private String awsAccessKeyId;
    private String awsSecretAccessKey;
    private String rdsSubnetGroup;
    private java.util.List<String> rdsSecurityGroups = java.util.List.of();
    private String rdsParameterGroup;
    private String rdsKmsKey;
    private String rdsInstanceClass = "db.t4g.micro";
    private int rdsStorageGiB = 20;
    private java.util.List<String> rdsAllowedInstanceClasses = dev.slipway.database.rds.InstanceBounds.DEFAULT_CLASSES;
    private int rdsMaxStorageGiB = dev.slipway.database.rds.InstanceBounds.DEFAULT_MAX_STORAGE_GIB;
    private String sharedDatabaseSecret;
    private String localPostgresImage = DEFAULT_LOCAL_POSTGRES_IMAGE;
    private Duration migrationTimeout = Duration.ofMinutes(15);
    private Duration databaseRecheck;
    private Duration releaseJobTtl = Duration.ofHours(24);
    private boolean gitAllowPlainHttp;
    private String backupBucket;
    private String backupRegion;
    private String backupEndpoint;
    private String backupKmsKey;
    private String backupPostgresImage;
    private Duration backupTimeout = Duration.ofHours(2);

    private Builder copy() {
      Builder c = new Builder();
      c.watchNamespaces = Set.copyOf(watchNamespaces);
      c.httpPort = httpPort;
      c.probePort = probePort;
      c.httpRequestTimeout = httpRequestTimeout;
      c.httpMaxConnections = httpMaxConnections;
      c.leaderElection = leaderElection;
      c.leaseName = leaseName;
      c.leaseNamespace = leaseNamespace;
      c.identity = identity;
      c.leaseDuration = leaseDuration;
      c.leaseRenewDeadline = leaseRenewDeadline;
      c.leaseRetryPeriod = leaseRetryPeriod;
      c.reconcileThreads = reconcileThreads;
      c.shutdownTimeout = shutdownTimeout;
      c.pollInterval = pollInterval;
      c.gitTimeout = gitTimeout;
      c.gitCaFile = gitCaFile;
      c.webhookToken = webhookToken;
      c.registry = registry;
      c.registryInsecure = registryInsecure;
      c.registrySecret = registrySecret;
      c.registryLayout = registryLayout;
      c.registryCredentials = registryCredentials;
      c.registryAuthFile = registryAuthFile;
      c.kanikoImage = kanikoImage;
      c.gitImage = gitImage;
      c.runtimeImage = runtimeImage;
      c.buildTimeout = buildTimeout;
      c.buildTtl = buildTtl;
      c.buildHistory = buildHistory;
      c.resources = new java.util.EnumMap<>(resources);
      c.pipIndexUrl = pipIndexUrl;
      c.baseDomain = baseDomain;
      c.ingressClass = ingressClass;
      c.tlsIssuer = tlsIssuer;
      c.tlsIssuerKind = tlsIssuerKind;
      c.healthPath = healthPath;
      c.livenessPath = livenessPath;
      c.rolloutDeadline = rolloutDeadline;
      c.databaseMode = databaseMode;
      c.awsRegion = awsRegion;
      c.rdsEndpoint = rdsEndpoint;
      c.awsAccessKeyId = awsAccessKeyId;
      c.awsSecretAccessKey = awsSecretAccessKey;
      c.rdsSubnetGroup = rdsSubnetGroup;
      c.rdsSecurityGroups = rdsSecurityGroups;
      c.rdsParameterGroup = rdsParameterGroup;
      c.rdsKmsKey = rdsKmsKey;
      c.rdsInstanceClass = rdsInstanceClass;
      c.rdsStorageGiB = rdsStorageGiB;
      c.rdsAllowedInstanceClasses = rdsAllowedInstanceClasses;
      c.rdsMaxStorageGiB = rdsMaxStorageGiB;
      c.sharedDatabaseSecret = sharedDatabaseSecret;
      c.localPostgresImage = localPostgresImage;
      c.migrationTimeout = migrationTimeout;
      c.databaseRecheck = databaseRecheck;
      c.releaseJobTtl = releaseJobTtl;
      c.gitAllowPlainHttp = gitAllowPlainHttp;
      c.backupBucket = backupBucket;
      c.backupRegion = backupRegion;
      c.backupEndpoint = backupEndpoint;
      c.backupKmsKey = backupKmsKey;
      c.backupPostgresImage = backupPostgresImage;
      c.backupTimeout = backupTimeout;
      return c;
    }

    public Builder watchNamespaces(Set<String> v) {
      watchNamespaces = Set.copyOf(v);
      return this;
    }

    public Builder httpPort(int v) {
      httpPort = v;
      return this;
    }

    public Builder probePort(int v) {
      probePort = v;
      return this;
    }

    public Builder httpRequestTimeout(Duration v) {
      httpRequestTimeout = v;
      return this;
    }

    public Builder httpMaxConnections(int v) {
      httpMaxConnections = v;
      return this;
    }

    public Builder leaderElection(boolean v) {
      leaderElection = v;
      return this;
    }

    public Builder leaseNamespace(String v) {
      leaseNamespace = Optional.ofNullable(v);
      return this;
    }

    public Builder identity(String v) {
      identity = v;
      return this;
    }

    /** Lease duration, renew deadline and retry period, checked as at start. */
    public Builder leaseTimings(Duration duration, Duration renewDeadline, Duration retryPeriod) {
      OperatorConfig.leaseTimings(duration, renewDeadline, retryPeriod);
      leaseDuration = duration;
      leaseRenewDeadline = renewDeadline;
      leaseRetryPeriod = retryPeriod;
      return this;
    }

    public Builder pollInterval(Duration v) {
      pollInterval = v;
      return this;
    }

    public Builder gitTimeout(Duration v) {
      gitTimeout = v;
      return this;
    }

    public Builder gitCaFile(String v) {
      gitCaFile = v;
      return this;
    }

    public Builder webhookToken(String v) {
      webhookToken = v;
      return this;
    }

    public Builder registry(String v) {
      registry = v;
      return this;
    }

    public Builder registryInsecure(boolean v) {
      registryInsecure = v;
      return this;
    }

    public Builder registrySecret(String v) {
      registrySecret = v;
      return this;
    }

    public Builder registryCredentials(RegistryCredentials v) {
      registryCredentials = v;
      return this;
    }

    public Builder registryLayout(RegistryLayout v) {
      registryLayout = v;
      return this;
    }

    public Builder kanikoImage(String v) {
      kanikoImage = v;
      return this;
    }

    public Builder gitImage(String v) {
      gitImage = v;
      return this;
    }

    public Builder runtimeImage(String v) {
      runtimeImage = v;
      return this;
    }

    public Builder backupBucket(String v) {
      backupBucket = v;
      return this;
    }

    public Builder backupRegion(String v) {
      backupRegion = v;
      return this;
    }

    public Builder backupEndpoint(String v) {
      backupEndpoint = v;
      return this;
    }

    public Builder backupKmsKey(String v) {
      backupKmsKey = v;
      return this;
    }

    public Builder backupPostgresImage(String v) {
      backupPostgresImage = v;
      return this;
    }

    public Builder backupTimeout(Duration v) {
      backupTimeout = v;
      return this;
    }

    public Builder localPostgresImage(String v) {
      localPostgresImage = v;
      return this;
    }

    /** One workload's budget, checked as at start. */
    public Builder resources(Workload workload, Budget budget) {
      List<String> problems = budget.problems(workload);
      if (!problems.isEmpty()) {
        throw new ConfigException(String.join("; ", problems));
      }
      resources.put(workload, budget);
      return this;
    }

    public Builder buildTimeout(Duration v) {
      buildTimeout = v;
      return this;
    }

    public Builder buildHistory(int v) {
      buildHistory = v;
      return this;
    }

    public Builder pipIndexUrl(String v) {
      pipIndexUrl = v;
      return this;
    }

    public Builder baseDomain(String v) {
      baseDomain = v;
      return this;
    }

    public Builder ingressClass(String v) {
      ingressClass = v;
      return this;
    }

    public Builder tlsIssuer(String v) {
      tlsIssuer = v;
      return this;
    }

    public Builder healthPath(String v) {
      healthPath = v;
      return this;
    }

    public Builder livenessPath(String v) {
      livenessPath = v;
      return this;
    }

    public Builder rolloutDeadline(Duration v) {
      rolloutDeadline = v;
      return this;
    }

    public Builder databaseRecheck(Duration v) {
      databaseRecheck = v;
      return this;
    }

    public Builder databaseMode(dev.slipway.api.v1alpha1.DatabaseMode v) {
      databaseMode = v;
      return this;
    }

    public Builder aws(String region, String endpoint, String accessKeyId, String secretAccessKey) {
      awsRegion = region;
      rdsEndpoint = endpoint;
      awsAccessKeyId = accessKeyId;
      awsSecretAccessKey = secretAccessKey;
      return this;
    }

    /** The RDS bounds, checked against the default class and storage as at start. */
    public Builder rdsBounds(java.util.List<String> allowedInstanceClasses, int maxStorageGiB) {
      OperatorConfig.rdsBounds(rdsInstanceClass, rdsStorageGiB, allowedInstanceClasses, maxStorageGiB);
      rdsAllowedInstanceClasses = java.util.List.copyOf(allowedInstanceClasses);
      rdsMaxStorageGiB = maxStorageGiB;
      return this;
    }

    public Builder releaseJobTtl(Duration v) {
      releaseJobTtl = v;
      return this;
    }

    public Builder gitAllowPlainHttp(boolean v) {
      gitAllowPlainHttp = v;
      return this;
    }

    public Builder sharedDatabaseSecret(String v) {
      sharedDatabaseSecret = v;
      return this;
    }

    public OperatorConfig build() {
      return new OperatorConfig(this);
    }
  }

  // --- parsing ---------------------------------------------------------------------------------

  /** Comma-separated instance classes, families (db.t4g.*) or *, as {@link dev.slipway.database.rds.InstanceBounds} takes them. */
  private static java.util.List<String> instanceClasses(String value) {
    java.util.List<String> classes = java.util.Arrays.stream(value.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    new dev.slipway.database.rds.InstanceBounds(classes, dev.slipway.database.rds.InstanceBounds.DEFAULT_MAX_STORAGE_GIB);
    return classes;
  }

  /** The default class must be allowed and the default storage within the maximum: otherwise no Project without its own would work. */
  static void rdsBounds(String defaultClass, int defaultStorageGiB, java.util.List<String> allowed, int maxStorageGiB) {
    dev.slipway.database.rds.InstanceBounds bounds;
    try {
      bounds = new dev.slipway.database.rds.InstanceBounds(allowed, maxStorageGiB);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(RDS_ALLOWED_INSTANCE_CLASSES + "/" + RDS_MAX_STORAGE_GIB + ": " + e.getMessage());
    }
    if (!bounds.allows(defaultClass)) {
      throw new ConfigException(RDS_INSTANCE_CLASS + " (" + defaultClass + ") is not among " + RDS_ALLOWED_INSTANCE_CLASSES + " ("
          + String.join(",", bounds.allowedClasses()) + ")");
    }
    if (defaultStorageGiB > maxStorageGiB) {
      throw new ConfigException(RDS_STORAGE_GIB + " (" + defaultStorageGiB + ") is more than " + RDS_MAX_STORAGE_GIB + " (" + maxStorageGiB + ")");
    }
  }

  private static Set<String> namespaces(String value) {
    Set<String> result = new LinkedHashSet<>();
    for (String ns : value.split(",")) {
      String trimmed = ns.trim();
      if (!trimmed.isEmpty()) {
        result.add(dnsName(trimmed));
      }
    }
    return result;
  }

  /** An S3 bucket name: 3–63 lower-case letters, digits, dots and hyphens. */
  private static String bucket(String value) {
    String v = value.trim();
    if (!v.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new IllegalArgumentException("'" + value + "' is not an S3 bucket name");
    }
    return v;
  }

  private static String dnsName(String value) {
    if (!value.matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") || value.length() > 63) {
      throw new IllegalArgumentException("'" + value + "' is not a DNS label (lower-case letters, digits, '-')");
    }
    return value;
  }

  private static String domain(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    if (!v.matches("^([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]*[a-z0-9])?$") || v.length() > 200) {
      throw new IllegalArgumentException("'" + value + "' is not a domain name");
    }
    return v;
  }

  /** registry host[:port][/path], without scheme or trailing slash. */
  private static String registry(String value) {
    String v = value.replaceAll("/+$", "");
    if (v.contains("://") || !v.matches("^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$")) {
      throw new IllegalArgumentException("'" + value + "' is not a registry such as registry.example.com/slipway (no scheme)");
    }
    return v;
  }

  private static String pinnedImage(String value) {
    if (!value.matches("^\\S+@sha256:[0-9a-f]{64}$")) {
      throw new IllegalArgumentException("'" + value + "' must be pinned by digest (image@sha256:...)");
    }
    return value;
  }

  private static Map<Workload, Budget> defaultResources() {
    Map<Workload, Budget> m = new java.util.EnumMap<>(Workload.class);
    for (Workload w : Workload.values()) {
      m.put(w, w.defaults());
    }
    return m;
  }

  /** A workload's defaults with what its variables name on top; contradictions stop the operator, naming the variables. */
  private static Budget budget(Reader r, Workload w) {
    Budget defaults = w.defaults();
    Amounts requests = defaults.requests().overriddenBy(r.get(w.requestsVariable(), Amounts::parse, Amounts.NONE));
    Amounts limits = defaults.limits().overriddenBy(r.get(w.limitsVariable(), Amounts::parse, Amounts.NONE));
    Amounts max = w.maxVariable() == null ? null : defaults.max().overriddenBy(r.get(w.maxVariable(), Amounts::parse, Amounts.NONE));
    Budget budget = new Budget(requests, limits, max);
    List<String> problems = budget.problems(w);
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("; ", problems));
    }
    return budget;
  }

  /** Settings that are gone: set, they stop the operator with what replaces them (never silently ignored). */
  private static void replaced(Map<String, String> env, Map<String, String> replacements) {
    replacements.forEach((old, now) -> {
      if (env.get(old) != null && !env.get(old).isBlank()) {
        throw new ConfigException(old + " is no longer read: set " + now);
      }
    });
  }

  private static String readableFile(String value) {
    if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(value))) {
      throw new IllegalArgumentException("'" + value + "' is not a readable file");
    }
    return value;
  }

  private static String httpUrl(String value) {
    if (!value.matches("^https?://\\S+$")) {
      throw new IllegalArgumentException("'" + value + "' is not an http(s) URL");
    }
    return value;
  }

  private static String path(String value) {
    if (!value.startsWith("/") || value.contains(" ")) {
      throw new IllegalArgumentException("'" + value + "' is not an absolute URL path");
    }
    return value;
  }

  private static RegistryLayout layout(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "shared" -> RegistryLayout.SHARED;
      case "per-stage" -> RegistryLayout.PER_STAGE;
      default -> throw new IllegalArgumentException("'" + value + "' is not shared or per-stage");
    };
  }

  private static RegistryCredentials credentialsModel(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "per-namespace" -> RegistryCredentials.PER_NAMESPACE;
      case "shared" -> RegistryCredentials.SHARED;
      default -> throw new IllegalArgumentException("'" + value + "' is not per-namespace or shared");
    };
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String value) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(value.trim())) {
        return e;
      }
    }
    throw new IllegalArgumentException("'" + value + "' is not one of " + java.util.Arrays.toString(type.getEnumConstants()));
  }

  private static int number(String value, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + value + "' is not a number");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(n + " is not between " + min + " and " + max);
    }
    return n;
  }

  private static boolean bool(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new IllegalArgumentException("'" + value + "' is not true or false");
    };
  }

  /**
   * The leader must give up (renew deadline) before a standby may take over (lease duration), and
   * must get more than one jittered retry (1.2 x the retry period, as client-go and fabric8
   * jitter) within the deadline.
   */
  static void leaseTimings(Duration duration, Duration renewDeadline, Duration retryPeriod) {
    if (duration.compareTo(renewDeadline) <= 0) {
      throw new ConfigException(LEASE_DURATION + " (" + duration + ") must be longer than " + LEASE_RENEW_DEADLINE
          + " (" + renewDeadline + ")");
    }
    if (renewDeadline.toMillis() <= retryPeriod.toMillis() * 1.2) {
      throw new ConfigException(LEASE_RENEW_DEADLINE + " (" + renewDeadline + ") must be longer than 1.2 x "
          + LEASE_RETRY_PERIOD + " (" + retryPeriod + ")");
    }
  }

  private static Duration atLeast(Duration d, Duration min) {
    if (d.compareTo(min) < 0) {
      throw new IllegalArgumentException(d + " is shorter than " + min);
    }
    return d;
  }

  /** Accepts 90s, 5m, 1h, 250ms or an ISO-8601 duration such as PT30S. */
  static Duration duration(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new NumberFormatException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + value + "' is not a duration (for example 30s, 5m, 1h)");
    }
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

  /** Reads one variable and wraps parse errors with the variable's name. */
  private record Reader(Map<String, String> env) {

    String raw(String name) {
      String v = env.get(name);
      return v == null || v.isBlank() ? null : v.trim();
    }

    <T> T get(String name, Function<String, T> parse, T fallback) {
      String v = raw(name);
      if (v == null) {
        return fallback;
      }
      try {
        return parse.apply(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name + ": " + e.getMessage());
      }
    }
  }

  /** A setting that cannot be used; the message names the variable. */
  public static final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
