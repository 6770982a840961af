package dev.slipway.runtime;

import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.DatabaseProvisioner;
import dev.slipway.database.DatabaseRequest;
import dev.slipway.database.DeletionState;
import dev.slipway.database.ProvisionState;
import dev.slipway.database.rds.RdsProvisioner;
import dev.slipway.database.rds.RdsSettings;
import dev.slipway.database.shared.AdminSettings;
import dev.slipway.database.shared.SharedPostgresProvisioner;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The database providers the operator's settings call for. */
final class DatabaseProvisioners {

  private DatabaseProvisioners() {}

  /** RDS, when an AWS region is configured. */
  static Optional<DatabaseProvisioner> dedicated(OperatorConfig config) {
    return config.awsRegion().map(region -> {
      RdsSettings settings = new RdsSettings(region, config.rdsEndpoint().map(URI::create).orElse(null),
          config.awsAccessKeyId().orElse(null), config.awsSecretAccessKey().orElse(null), config.rdsSubnetGroup().orElse(null),
          config.rdsSecurityGroups(), config.rdsParameterGroup().orElse(null), config.rdsKmsKey().orElse(null),
          config.rdsInstanceClass(), config.rdsStorageGiB(), 7, 1, config.rdsBounds());
      return new RdsProvisioner(RdsProvisioner.client(settings), settings);
    });
  }

  /**
   * The shared server, when its admin Secret is configured; the operator reads the Secret again
   * at most every {@link SlipwayOperator#SHARED_ADMIN_SECRET_READ} (a rotated admin password
   * applies within that), and at once while it is missing or unusable. An unreadable Secret is
   * reported, never skipped.
   */
  static Optional<DatabaseProvisioner> shared(OperatorConfig config, KubernetesClient client) {
    if (config.sharedDatabaseSecret().isEmpty()) {
      return Optional.empty();
    }
    String name = config.sharedDatabaseSecret().get();
    String namespace = config.operatorNamespace().orElseGet(() -> Optional.ofNullable(client.getNamespace()).orElse("default"));
    try {
      Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
      if (secret == null) {
        return Optional.of(unavailable("the shared database Secret " + namespace + "/" + name + " does not exist"));
      }
      Map<String, byte[]> data = new HashMap<>();
      if (secret.getData() != null) {
        secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
      }
      return Optional.of(new SharedPostgresProvisioner(AdminSettings.fromSecretData(data)));
    } catch (KubernetesClientException e) {
      return Optional.of(unavailable("cannot read the shared database Secret " + namespace + "/" + name + " (HTTP " + e.getCode() + ")"));
    } catch (IllegalArgumentException e) {
      return Optional.of(unavailable("the shared database Secret " + namespace + "/" + name + " is unusable: " + e.getMessage()));
    }
  }

  /** False for the stand-in that reports a missing or unusable admin Secret. */
  static boolean usable(DatabaseProvisioner provisioner) {
    return provisioner instanceof SharedPostgresProvisioner;
  }

  private static DatabaseProvisioner unavailable(String why) {
    return new DatabaseProvisioner() {
      @Override
      public ProvisionState ensure(DatabaseRequest request) {
        return new ProvisionState(ProvisionState.Phase.Failed, "SharedServerUnavailable", why, null, null);
      }

      @Override
      public DeletionState delete(DatabaseRequest request, DeletionPolicy policy) {
        return new DeletionState(false, "SharedServerUnavailable", why + "; the finalizer stays until it can apply " + policy);
      }
    };
  }
}
