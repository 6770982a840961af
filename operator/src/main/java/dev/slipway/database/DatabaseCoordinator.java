package dev.slipway.database;

import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.config.OperatorConfig;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One environment's database, whatever the mode: stores the credentials first, has the right
 * place provision it off the reconcile threads ({@link ProvisioningWork}), and completes the
 * credentials Secret once the database is reachable. Deletion applies the environment's
 * deletion policy.
 */
public final class DatabaseCoordinator {

  /**
   * Where the database stands, and the Secret the app reads it from (null for none).
   *
   * @param state null while the first answer for the current request is still being worked out
   * @param credentialsVersion identifies the password the database has (a short hash), so pods
   *     restart when it changes; null until the database is ready with the stored password
   */
  public record Outcome(DatabaseKind kind, ProvisionState state, String secretName, String credentialsVersion) {
    public boolean needed() {
      return kind != DatabaseKind.NONE;
    }

    public boolean ready() {
      return kind == DatabaseKind.NONE || (state != null && state.ready());
    }

    /** No answer for the current request yet (the look is running). */
    public boolean pending() {
      return needed() && state == null;
    }
  }

  private final OperatorConfig config;
  private final CredentialsSecret secrets;
  private final LocalDatabase local;
  private final Optional<DatabaseProvisioner> dedicated;
  private final Supplier<Optional<DatabaseProvisioner>> shared;
  private final ProvisioningWork work;

  public DatabaseCoordinator(OperatorConfig config, CredentialsSecret secrets, LocalDatabase local,
      Optional<DatabaseProvisioner> dedicated, Supplier<Optional<DatabaseProvisioner>> shared, ProvisioningWork work) {
    this.config = config;
    this.secrets = secrets;
    this.local = local;
    this.dedicated = dedicated;
    this.shared = shared;
    this.work = work;
  }

  /** The event source that wakes Environments when provisioning answers change. */
  public ProvisioningWork work() {
    return work;
  }

  public Outcome ensure(Environment environment) {
    DatabaseKind kind = DatabaseKind.of(environment.getSpec(), config);
    if (kind == DatabaseKind.NONE) {
      return new Outcome(kind, null, null, null);
    }
    CredentialsSecret.Stored stored = secrets.password(environment);
    ProvisionState state;
    if (kind == DatabaseKind.LOCAL) {
      state = local.ensure(environment);
    } else {
      Optional<DatabaseProvisioner> provisioner = kind == DatabaseKind.DEDICATED ? dedicated : shared.get();
      if (provisioner.isEmpty()) {
        state = kind == DatabaseKind.DEDICATED
            ? notConfigured("AwsNotConfigured", "the operator has no AWS region (SLIPWAY_AWS_REGION)")
            : notConfigured("SharedServerNotConfigured",
                "the operator has no shared database server (SLIPWAY_SHARED_DATABASE_SECRET)");
      } else {
        DatabaseRequest request = request(environment, stored.password(), stored.pending(), null);
        DatabaseProvisioner p = provisioner.get();
        state = work.observe(ResourceID.fromResource(environment), request, () -> p.ensure(request), s -> recheckAfter(kind, s, config))
            .orElse(null);
      }
    }
    if (state == null) {
      return new Outcome(kind, null, CredentialsSecret.name(environment), null);
    }
    boolean applied = !stored.pending() || state.passwordApplied() || kind == DatabaseKind.LOCAL;
    if (stored.pending() && applied) {
      secrets.markApplied(environment);
    }
    if (state.ready() && state.endpoint() != null) {
      secrets.complete(environment, state.endpoint(), stored);
    }
    return new Outcome(kind, state, CredentialsSecret.name(environment),
        applied && state.ready() ? credentialsVersion(stored.password()) : null);
  }

  /**
   * How old an answer may get before the next reconcile looks again: soon while something
   * happens, rarely once the database is there (RDS changes state on its own: maintenance,
   * storage; a shared server's role may be changed by hand).
   */
  public static Duration recheckAfter(DatabaseKind kind, ProvisionState state, OperatorConfig config) {
    boolean rds = kind == DatabaseKind.DEDICATED;
    return switch (state.phase()) {
      case Ready -> config.database().recheck().orElse(rds ? Duration.ofMinutes(10) : Duration.ofMinutes(5));
      case Provisioning -> rds ? Duration.ofSeconds(15) : Duration.ofSeconds(5);
      case Failed, Refused -> rds ? Duration.ofMinutes(1) : Duration.ofSeconds(30);
    };
  }

  /** One step of deleting the database by the environment's policy. */
  public DeletionState delete(Environment environment) {
    DatabaseKind kind = DatabaseKind.of(environment.getSpec(), config);
    DeletionPolicy policy = policy(environment);
    ResourceID id = ResourceID.fromResource(environment);
    work.forget(id);
    if (work.busy(id)) {
      // A look still running could create again what is about to be dropped.
      return new DeletionState(false, "Deleting", "waiting for a running database check to finish");
    }
    Instant deletedAt = environment.getMetadata().getDeletionTimestamp() == null ? null
        : Instant.parse(environment.getMetadata().getDeletionTimestamp());
    return switch (kind) {
      case NONE -> new DeletionState(true, "NoDatabase", "no database to delete");
      case LOCAL -> new DeletionState(true, "Deleted", "the Local database goes with the environment");
      case DEDICATED -> dedicated.map(p -> p.delete(request(environment, null, false, deletedAt), policy))
          // Without AWS settings this operator cannot have created an instance.
          .orElseGet(() -> new DeletionState(true, "NothingToDelete", "the operator has no AWS region, so it created no instance"));
      case SHARED -> shared.get().map(p -> p.delete(request(environment, null, false, deletedAt), policy))
          .orElseGet(() -> new DeletionState(true, "NothingToDelete",
              "the operator has no shared database server, so it created no database"));
    };
  }

  /**
   * Gives the environment's role a new password when its database lives on the shared server
   * (the next {@link #ensure} applies it); false for other kinds, which do not rotate here.
   */
  public boolean rotatePassword(Environment environment) {
    if (DatabaseKind.of(environment.getSpec(), config) != DatabaseKind.SHARED) {
      return false;
    }
    secrets.password(environment); // make sure the Secret exists
    secrets.rotate(environment);
    return true;
  }

  /** Retain keeps the credentials Secret too. */
  public void keepCredentials(Environment environment) {
    secrets.keep(environment);
  }

  /** The environment's policy (the Project controller filled in Snapshot for live, Delete otherwise). */
  public static DeletionPolicy policy(Environment environment) {
    DatabaseSpec spec = environment.getSpec().getDatabase();
    if (spec != null && spec.getDeletionPolicy() != null) {
      return spec.getDeletionPolicy();
    }
    return DeletionPolicy.defaultFor(environment.getSpec().getStage());
  }

  /**
   * A short, one-way fingerprint of the password: on the web pods' template it restarts them when
   * the password changes. It cannot be turned back into the password (32 random characters).
   */
  static String credentialsVersion(String password) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(("slipway-credentials\u0000" + password).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static DatabaseRequest request(Environment environment, String password, boolean pending, Instant deletedAt) {
    DatabaseSpec spec = environment.getSpec().getDatabase();
    return new DatabaseRequest(environment.getMetadata().getNamespace(), environment.getSpec().getProject(),
        environment.getSpec().getEnvironment(), environment.getMetadata().getUid(), environment.getSpec().getStage(),
        spec == null || spec.getVersion() == null ? "16" : spec.getVersion(),
        spec == null ? null : spec.getInstanceClass(),
        spec == null ? null : spec.getStorageGiB(),
        password, pending, deletedAt);
  }

  private static ProvisionState notConfigured(String reason, String message) {
    return new ProvisionState(ProvisionState.Phase.Failed, reason, message, null, null);
  }
}
