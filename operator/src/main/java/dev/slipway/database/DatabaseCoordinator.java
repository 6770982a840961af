package dev.slipway.database;

import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.config.OperatorConfig;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One environment's database, whatever the mode: stores the credentials first, asks the right
 * place to provision (quickly, never waiting), and completes the credentials Secret once the
 * database is reachable. Deletion applies the environment's deletion policy.
 */
public final class DatabaseCoordinator {

  /** Where the database stands, and the Secret the app reads it from (null for none). */
  public record Outcome(DatabaseKind kind, ProvisionState state, String secretName) {
    public boolean needed() {
      return kind != DatabaseKind.NONE;
    }

    public boolean ready() {
      return kind == DatabaseKind.NONE || (state != null && state.ready());
    }
  }

  private final OperatorConfig config;
  private final CredentialsSecret secrets;
  private final LocalDatabase local;
  private final Optional<DatabaseProvisioner> dedicated;
  private final Supplier<Optional<DatabaseProvisioner>> shared;

  public DatabaseCoordinator(OperatorConfig config, CredentialsSecret secrets, LocalDatabase local,
      Optional<DatabaseProvisioner> dedicated, Supplier<Optional<DatabaseProvisioner>> shared) {
    this.config = config;
    this.secrets = secrets;
    this.local = local;
    this.dedicated = dedicated;
    this.shared = shared;
  }

  public Outcome ensure(Environment environment) {
    DatabaseKind kind = DatabaseKind.of(environment.getSpec(), config);
    if (kind == DatabaseKind.NONE) {
      return new Outcome(kind, null, null);
    }
    CredentialsSecret.Stored stored = secrets.password(environment);
    String password = stored.password();
    ProvisionState state = switch (kind) {
      case LOCAL -> local.ensure(environment);
      case DEDICATED -> dedicated.map(p -> p.ensure(request(environment, password)))
          .orElseGet(() -> notConfigured("AwsNotConfigured", "the operator has no AWS region (" + OperatorConfig.AWS_REGION + ")"));
      case SHARED -> shared.get().map(p -> p.ensure(request(environment, password)))
          .orElseGet(() -> notConfigured("SharedServerNotConfigured",
              "the operator has no shared database server (" + OperatorConfig.SHARED_DATABASE_SECRET + ")"));
      case NONE -> throw new IllegalStateException();
    };
    if (state.ready() && state.endpoint() != null) {
      secrets.complete(environment, state.endpoint(), stored);
    }
    return new Outcome(kind, state, CredentialsSecret.name(environment));
  }

  /** One step of deleting the database by the environment's policy. */
  public DeletionState delete(Environment environment) {
    DatabaseKind kind = DatabaseKind.of(environment.getSpec(), config);
    DeletionPolicy policy = policy(environment);
    return switch (kind) {
      case NONE -> new DeletionState(true, "NoDatabase", "no database to delete");
      case LOCAL -> new DeletionState(true, "Deleted", "the Local database goes with the environment");
      case DEDICATED -> dedicated.map(p -> p.delete(request(environment, null), policy))
          // Without AWS settings this operator cannot have created an instance.
          .orElseGet(() -> new DeletionState(true, "NothingToDelete", "the operator has no AWS region, so it created no instance"));
      case SHARED -> shared.get().map(p -> p.delete(request(environment, null), policy))
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

  private static DatabaseRequest request(Environment environment, String password) {
    DatabaseSpec spec = environment.getSpec().getDatabase();
    return new DatabaseRequest(environment.getMetadata().getNamespace(), environment.getSpec().getProject(),
        environment.getSpec().getEnvironment(), environment.getMetadata().getUid(), environment.getSpec().getStage(),
        spec == null || spec.getVersion() == null ? "16" : spec.getVersion(),
        spec == null ? null : spec.getInstanceClass(),
        spec == null ? null : spec.getStorageGiB(),
        password);
  }

  private static ProvisionState notConfigured(String reason, String message) {
    return new ProvisionState(ProvisionState.Phase.Failed, reason, message, null, null);
  }
}
