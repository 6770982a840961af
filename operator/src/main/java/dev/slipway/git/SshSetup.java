package dev.slipway.git;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.security.auth.login.FailedLoginException;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * One ssh session factory per resolution, configured only from the credentials given: key pairs
 * and known hosts are held in memory, and home and ~/.ssh point into a private empty directory,
 * so nothing of the operator user's ~/.ssh (config, keys, known_hosts, agent) takes part.
 */
final class SshSetup implements AutoCloseable {

  private final Path home;
  private final SshdSessionFactory factory;
  private final KnownHostsDatabase knownHosts;

  private SshSetup(Path home, SshdSessionFactory factory, KnownHostsDatabase knownHosts) {
    this.home = home;
    this.factory = factory;
    this.knownHosts = knownHosts;
  }

  /**
   * A factory for connections to host:port. Password authentication is offered only when a
   * password is known (from the Secret or the URL); key authentication uses the given key and
   * nothing else.
   */
  static SshSetup create(String host, int port, GitCredentials credentials, boolean hasPassword, Secrets secrets)
      throws SourceException {
    List<KeyPair> keys = credentials.hasSshPrivateKey()
        ? loadKeys(credentials.sshPrivateKey(), secrets)
        : List.of();
    KnownHostsDatabase database = new KnownHostsDatabase(host, port, credentials.knownHosts());
    List<String> methods = new ArrayList<>();
    if (!keys.isEmpty() || !hasPassword) {
      methods.add("publickey");
    }
    if (hasPassword) {
      methods.add("password");
      methods.add("keyboard-interactive");
    }
    Path home = privateDirectory();
    SshdSessionFactory factory = new SshdSessionFactoryBuilder()
        .setHomeDirectory(home.toFile())
        .setSshDirectory(home.resolve(".ssh").toFile())
        .setConfigStoreFactory((homeDir, configFile, localUser) -> null)
        .setDefaultIdentities(sshDir -> List.of())
        .setDefaultKeysProvider(sshDir -> keys)
        .setDefaultKnownHostsFiles(sshDir -> List.of())
        .setServerKeyDatabase((homeDir, sshDir) -> database)
        .setPreferredAuthentications(String.join(",", methods))
        .setConnectorFactory(null)
        .setProxyDataFactory(null)
        .build(null);
    return new SshSetup(home, factory, database);
  }

  SshdSessionFactory factory() {
    return factory;
  }

  /** Why the server's host key was refused, or null. */
  String hostKeyProblem() {
    return knownHosts.problem();
  }

  @Override
  public void close() {
    factory.close();
    deleteRecursively(home);
  }

  private static List<KeyPair> loadKeys(byte[] key, Secrets secrets) throws SourceException {
    Iterable<KeyPair> loaded;
    try (InputStream in = new ByteArrayInputStream(key)) {
      // No passphrase: a Secret has no place for one, and asking would hang a reconcile.
      loaded = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName("ssh-privatekey"), in,
          FilePasswordProvider.EMPTY);
    } catch (FailedLoginException e) {
      throw new SourceException(SourceException.Reason.AuthFailed,
          "the ssh private key is protected by a passphrase, which is not supported: use a key without one",
          Failures.sanitize(e, secrets));
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      String detail = secrets.scrub(String.valueOf(e.getMessage()));
      if (detail.toLowerCase(Locale.ROOT).contains("ed25519") && !SecurityUtils.isEDDSACurveSupported()) {
        // Apache sshd reads ed25519 keys only with BouncyCastle (or net.i2p eddsa) present.
        detail += "; this operator build lacks ed25519 support (BouncyCastle)";
      }
      throw new SourceException(SourceException.Reason.AuthFailed,
          "the ssh private key could not be read (" + detail + ")", Failures.sanitize(e, secrets));
    }
    List<KeyPair> keys = new ArrayList<>();
    if (loaded != null) {
      loaded.forEach(keys::add);
    }
    if (keys.isEmpty()) {
      throw new SourceException(SourceException.Reason.AuthFailed,
          "the ssh private key could not be read (no key found; expected an OpenSSH or PEM private key)", null);
    }
    return keys;
  }

  private static Path privateDirectory() throws SourceException {
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        return Files.createTempDirectory("slipway-ssh-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      return Files.createTempDirectory("slipway-ssh-");
    } catch (IOException e) {
      throw new SourceException(SourceException.Reason.RemoteUnreachable,
          "cannot create a temporary directory for ssh: " + e.getMessage(), e);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // best effort: the directory holds nothing secret
    }
  }
}
