package dev.slipway.config;

import dev.slipway.database.rds.RdsSettings;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The operator's settings, read from environment variables (the Helm chart sets them), grouped by
 * capability: {@link #http()}, {@link #lease()}, {@link #registry()}, ... Each setting is declared
 * once, where its value is held ({@link Env}); the README's Configuration table is rendered from
 * the declarations. A malformed value stops the operator at start with a message naming the
 * variable. Immutable; {@link #with} reads a variant through the same declarations.
 */
public final class OperatorConfig {

  private final Map<String, String> env;
  private final ControllerSettings controllers;
  private final HttpSettings http;
  private final LeaseSettings lease;
  private final SourceSettings source;
  private final RegistrySettings registry;
  private final BuildSettings build;
  private final PodSettings pods;
  private final WebSettings web;
  private final DatabaseSettings database;
  private final AwsSettings aws;
  private final RdsDefaults rdsDefaults;
  private final BackupSettings backup;

  private OperatorConfig(Map<String, String> env) {
    this.env = Map.copyOf(env);
    controllers = Settings.read(ControllerSettings.class, env);
    http = Settings.read(HttpSettings.class, env);
    lease = Settings.read(LeaseSettings.class, env);
    source = Settings.read(SourceSettings.class, env);
    registry = Settings.read(RegistrySettings.class, env);
    build = Settings.read(BuildSettings.class, env);
    pods = Settings.readPods(env);
    web = Settings.read(WebSettings.class, env);
    database = Settings.read(DatabaseSettings.class, env);
    aws = Settings.read(AwsSettings.class, env);
    rdsDefaults = Settings.read(RdsDefaults.class, env);
    backup = Settings.read(BackupSettings.class, env);
  }

  /** Settings for tests and embedding: everything at its default, no environment read. */
  public static OperatorConfig defaults() {
    return fromEnvironment(Map.of());
  }

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    return new OperatorConfig(Settings.declaredOnly(env));
  }

  /** These settings with one variable set to {@code value} (null: unset), read and checked as at start. */
  public OperatorConfig with(String variable, String value) {
    if (!Settings.declared(variable)) {
      throw new IllegalArgumentException(variable + " is not an operator setting");
    }
    Map<String, String> changed = new LinkedHashMap<>(env);
    changed.remove(variable);
    if (value != null) {
      changed.put(variable, value);
    }
    return fromEnvironment(changed);
  }

  public ControllerSettings controllers() {
    return controllers;
  }

  public HttpSettings http() {
    return http;
  }

  public LeaseSettings lease() {
    return lease;
  }

  public SourceSettings source() {
    return source;
  }

  public RegistrySettings registry() {
    return registry;
  }

  public BuildSettings build() {
    return build;
  }

  public PodSettings pods() {
    return pods;
  }

  public WebSettings web() {
    return web;
  }

  public DatabaseSettings database() {
    return database;
  }

  public AwsSettings aws() {
    return aws;
  }

  /** Where and how dedicated databases are created: present when an AWS region is set. */
  public Optional<RdsSettings> rds() {
    RdsDefaults d = rdsDefaults;
    return aws.region().map(region -> new RdsSettings(region, d.endpoint().map(URI::create).orElse(null),
        aws.accessKeyId().orElse(null), aws.secretAccessKey().orElse(null), d.subnetGroup().orElse(null), d.securityGroups(),
        d.parameterGroup().orElse(null), d.kmsKey().orElse(null), d.instanceClass(), d.storageGiB(),
        RdsSettings.DEFAULT_BACKUP_RETENTION_LIVE, RdsSettings.DEFAULT_BACKUP_RETENTION_OTHER, d.bounds()));
  }

  public BackupSettings backup() {
    return backup;
  }

  /** The operator's own namespace (where its Lease and the shared-database Secret live). */
  public Optional<String> operatorNamespace() {
    return lease.namespace();
  }

  /** Every setting, secrets masked. */
  @Override
  public String toString() {
    return Stream.of(controllers, http, lease, source, registry, build, pods, web, database, aws, rdsDefaults, backup)
        .map(Settings::describe).collect(Collectors.joining(" "));
  }

  /** A setting that cannot be used; the message names the variable. */
  public static final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
