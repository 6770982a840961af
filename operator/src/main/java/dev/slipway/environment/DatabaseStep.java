package dev.slipway.environment;

import dev.slipway.api.v1alpha1.DatabaseStatus;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.DatabaseCoordinator;
import dev.slipway.database.DatabaseKind;
import dev.slipway.database.ProvisionState;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import java.time.Duration;

/**
 * Database: where the environment's database stands ({@link DatabaseCoordinator}), as the
 * DatabaseReady condition and status.database. While the first look at a changed request is
 * still running (after a restart, or a rotation), the last known condition stands, so nothing
 * flickers and nothing is written.
 */
final class DatabaseStep {

  /**
   * @param ready whether a new release may use the database now
   * @param recheckAfter when to look again (null: an answer will wake the environment)
   */
  record Outcome(DatabaseCoordinator.Outcome db, boolean ready, ConditionValue condition, DatabaseStatus status,
      Duration recheckAfter, boolean provisioning, boolean failed) {}

  private final OperatorConfig config;
  private final DatabaseCoordinator databases;

  DatabaseStep(OperatorConfig config, DatabaseCoordinator databases) {
    this.config = config;
    this.databases = databases;
  }

  Outcome ensure(Environment environment, EnvironmentStatus previous) {
    DatabaseCoordinator.Outcome db = databases.ensure(environment);
    if (!db.needed()) {
      return new Outcome(db, true, ConditionValue.yes(Reasons.DatabaseReady.NoDatabase, "the project has no database"), null, null, false, false);
    }
    if (db.pending()) {
      var known = Conditions.find(previous.getConditions(), ConditionTypes.DATABASE_READY);
      ConditionValue condition = known.map(c -> new ConditionValue(c.getStatus(), c.getReason(), c.getMessage()))
          .orElse(ConditionValue.unknown(Reasons.DatabaseReady.Checking, "looking at the database"));
      DatabaseStatus status = previous.getDatabase() != null ? previous.getDatabase() : status(environment, db, null);
      return new Outcome(db, condition.isTrue(), condition, status, null, !condition.isTrue(), false);
    }
    ProvisionState s = db.state();
    DatabaseStatus status = status(environment, db, s);
    if (previous.getDatabase() != null) {
      status.setFinalSnapshot(previous.getDatabase().getFinalSnapshot());
    }
    Duration recheck = DatabaseCoordinator.recheckAfter(db.kind(), s, config);
    return switch (s.phase()) {
      case Ready -> new Outcome(db, true, ConditionValue.reported(true, s.reason(), s.message()), status,
          db.kind() == DatabaseKind.LOCAL ? null : recheck, false, false);
      case Provisioning -> new Outcome(db, false, ConditionValue.reported(false, s.reason(), s.message()), status, recheck, true, false);
      case Failed, Refused -> new Outcome(db, false, ConditionValue.reported(false, s.reason(), s.message()), status, recheck, false, true);
    };
  }

  private DatabaseStatus status(Environment environment, DatabaseCoordinator.Outcome db, ProvisionState s) {
    DatabaseStatus status = new DatabaseStatus();
    status.setMode(environment.getSpec().getDatabase() == null ? config.database().mode() : environment.getSpec().getDatabase().getMode());
    status.setDeletionPolicy(DatabaseCoordinator.policy(environment));
    status.setSecretName(db.secretName());
    if (s != null) {
      status.setIdentifier(s.identifier());
      if (s.endpoint() != null && s.ready()) {
        status.setEndpoint(s.endpoint().host() + ":" + s.endpoint().port());
      }
    }
    return status;
  }
}
