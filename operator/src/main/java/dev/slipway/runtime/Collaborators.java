package dev.slipway.runtime;

import dev.slipway.backup.BackupStore;
import dev.slipway.backup.S3BackupStore;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.DatabaseProvisioner;
import dev.slipway.git.GitTrust;
import dev.slipway.git.JGitSourceResolver;
import dev.slipway.git.SourceResolver;
import dev.slipway.promote.ImageCopier;
import dev.slipway.promote.JibImageCopier;
import dev.slipway.promote.RegistryCredentials;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The operator's links to systems outside Kubernetes: Git remotes, the image registry, the
 * database providers (dedicated: RDS; shared: a Postgres server whose admin Secret is read
 * through the client on use), the clock, and the object store backups are kept in.
 */
public record Collaborators(SourceResolver sources, ImageCopier images, Optional<DatabaseProvisioner> dedicatedDatabases,
    Function<KubernetesClient, Optional<DatabaseProvisioner>> sharedDatabases, Clock clock, Optional<BackupStore> backups) {

  /** Without backup storage (Backups then fail with StorageNotConfigured). */
  public Collaborators(SourceResolver sources, ImageCopier images, Optional<DatabaseProvisioner> dedicatedDatabases,
      Function<KubernetesClient, Optional<DatabaseProvisioner>> sharedDatabases, Clock clock) {
    this(sources, images, dedicatedDatabases, sharedDatabases, clock, Optional.empty());
  }

  /** The real implementations, configured from the operator's settings. */
  public static Collaborators real(OperatorConfig config) {
    Function<String, Optional<RegistryCredentials>> credentials = host -> config.registry().authFile().flatMap(file -> {
      try {
        return RegistryCredentials.fromDockerConfigJson(Files.readString(Path.of(file)), host);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read SLIPWAY_REGISTRY_AUTH_FILE " + file + ": " + e.getMessage());
      }
    });
    Set<String> insecure = config.registry().insecure() ? config.registry().host().map(Set::of).orElse(Set.of()) : Set.of();
    GitTrust gitTrust = config.source().caFile().map(file -> GitTrust.withBundle(Path.of(file))).orElse(null);
    return new Collaborators(new JGitSourceResolver(config.source().gitTimeout(), gitTrust), new JibImageCopier(credentials, insecure),
        DatabaseProvisioners.dedicated(config), client -> DatabaseProvisioners.shared(config, client), Clock.systemUTC(),
        S3BackupStore.fromConfig(config));
  }
}
