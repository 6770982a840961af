package dev.slipway.testing.git;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * OpenSSH's sshd on 127.0.0.1 serving {@link GitRemote}s over ssh:// with key authentication and
 * a generated host key, so tests can check both client keys and host key verification.
 *
 * <pre>{@code
 * try (GitRemote remote = new GitRemote("shop"); GitSshServer ssh = new GitSshServer()) {
 *   String url = ssh.url(remote); // ssh://root@127.0.0.1:PORT/tmp/.../shop.git
 *   GitCredentials credentials = new GitCredentials(null, null, ssh.clientPrivateKey(), ssh.knownHosts());
 * }
 * }</pre>
 *
 * <p>Runs {@code /usr/sbin/sshd -D -e -f <generated sshd_config>} with a host key, an authorized
 * client key and a second, unauthorized key, all made by ssh-keygen in a private temporary
 * directory. Logins are as the user running the JVM (root in CI: PermitRootLogin
 * prohibit-password); the shell runs git-upload-pack, so any absolute repository path works.
 * Stopped by close() or at JVM exit.
 */
public final class GitSshServer implements AutoCloseable {

  /** Key algorithm of the host key and both client keys. */
  public enum KeyType {
    ED25519("ed25519"),
    ECDSA("ecdsa"),
    RSA("rsa");

    private final String keygenName;

    KeyType(String keygenName) {
      this.keygenName = keygenName;
    }
  }

  private static final Path SSHD = Path.of("/usr/sbin/sshd");
  private static final int ATTEMPTS = 5;

  private final Path directory;
  private final String host;
  private final String user;
  private final Process process;
  private final int port;
  private final FixtureSupport.OutputTail stderr;

  /** With ed25519 keys everywhere (what ssh-keygen and the Git hosts default to). */
  public GitSshServer() {
    this(KeyType.ED25519);
  }

  public GitSshServer(KeyType keyType) {
    this(keyType, "127.0.0.1");
  }

  /** Listening on {@code host} (for example the real node's IP, which pods reach). */
  public GitSshServer(KeyType keyType, String host) {
    this.host = host;
    if (!Files.isExecutable(SSHD)) {
      throw new IllegalStateException(SSHD + " is missing (install Debian's openssh-server)");
    }
    directory = FixtureSupport.tempDirectory("slipway-git-sshd-");
    user = System.getProperty("user.name");
    try {
      keygen(keyType, "host_key", "slipway-test-host");
      keygen(keyType, "client_key", "slipway-test-client");
      keygen(keyType, "other_key", "slipway-test-other");
      Files.copy(directory.resolve("client_key.pub"), directory.resolve("authorized_keys"));
      Path privilegeSeparation = Path.of("/run/sshd");
      if (!Files.isDirectory(privilegeSeparation) && "root".equals(user)) {
        Files.createDirectories(privilegeSeparation);
      }
    } catch (IOException | RuntimeException e) {
      FixtureSupport.deleteRecursively(directory);
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }

    String failure = "";
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      int candidate = FixtureSupport.freePort();
      Path config = writeConfig(candidate);
      Process started;
      try {
        started = new ProcessBuilder(List.of(SSHD.toString(), "-D", "-e", "-f", config.toString()))
            .directory(directory.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
      } catch (IOException e) {
        FixtureSupport.deleteRecursively(directory);
        throw new UncheckedIOException("cannot start " + SSHD, e);
      }
      FixtureSupport.OutputTail tail = FixtureSupport.OutputTail.drain(started.getErrorStream(), "sshd-stderr", 100);
      boolean up = FixtureSupport.awaitPort(host, candidate, started, Duration.ofSeconds(15), g -> g.startsWith("SSH-"));
      if (up) {
        this.process = started;
        this.port = candidate;
        this.stderr = tail;
        FixtureSupport.closeOnExit(this);
        return;
      }
      FixtureSupport.stop(started);
      failure = "exit " + (started.isAlive() ? "none" : started.exitValue()) + ", stderr:\n" + tail;
    }
    FixtureSupport.deleteRecursively(directory);
    throw new IllegalStateException("sshd did not start after " + ATTEMPTS + " attempts; last: " + failure);
  }

  private void keygen(KeyType type, String name, String comment) {
    FixtureSupport.run(List.of("ssh-keygen", "-q", "-t", type.keygenName, "-N", "", "-C", comment,
        "-f", directory.resolve(name).toString()), directory);
  }

  private Path writeConfig(int candidatePort) {
    String config = String.join("\n",
        "Port " + candidatePort,
        "ListenAddress " + host,
        "HostKey " + directory.resolve("host_key"),
        "PidFile " + directory.resolve("sshd.pid"),
        "AuthorizedKeysFile " + directory.resolve("authorized_keys"),
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "AllowUsers " + user,
        "AcceptEnv GIT_PROTOCOL",
        "AllowTcpForwarding no",
        "X11Forwarding no",
        "PrintMotd no",
        "LogLevel VERBOSE",
        "");
    Path file = directory.resolve("sshd_config");
    try {
      Files.writeString(file, config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  public int port() {
    return port;
  }

  /** The user that logs in (the one running the JVM). */
  public String user() {
    return user;
  }

  /** ssh://user@HOST:PORT/absolute/path/name.git */
  public String url(GitRemote remote) {
    return "ssh://" + user + "@" + host + ":" + port + remote.bareRepository().toAbsolutePath();
  }

  /** The authorized client key, OpenSSH private key format. */
  public byte[] clientPrivateKey() {
    return read("client_key");
  }

  /** A key that is not authorized, for negative tests. */
  public byte[] otherPrivateKey() {
    return read("other_key");
  }

  /** The authorized key's public half ("ssh-ed25519 AAAA... comment"). */
  public String clientPublicKey() {
    return new String(read("client_key.pub"), StandardCharsets.UTF_8).strip();
  }

  /** The unauthorized key's public half: also handy as a wrong host key in known_hosts. */
  public String otherPublicKey() {
    return new String(read("other_key.pub"), StandardCharsets.UTF_8).strip();
  }

  /** The known_hosts line for this server: {@code [HOST]:PORT ssh-ed25519 AAAA...}. */
  public String knownHosts() {
    String[] hostKey = new String(read("host_key.pub"), StandardCharsets.UTF_8).strip().split(" ");
    return "[" + host + "]:" + port + " " + hostKey[0] + " " + hostKey[1];
  }

  /** Files for the ssh CLI (GIT_SSH_COMMAND): the client key and a known_hosts file with this server. */
  public Path clientPrivateKeyFile() {
    return directory.resolve("client_key");
  }

  public Path knownHostsFile() {
    Path file = directory.resolve("known_hosts");
    try {
      Files.writeString(file, knownHosts() + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** A GIT_SSH_COMMAND for the git CLI that uses only this server's client key and host key. */
  public String gitSshCommand() {
    return String.format(Locale.ROOT,
        "ssh -F /dev/null -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes"
            + " -o BatchMode=yes",
        clientPrivateKeyFile(), knownHostsFile());
  }

  /** What sshd wrote to stderr (the last lines): why a login was refused. */
  public String stderr() {
    return stderr.toString();
  }

  private byte[] read(String name) {
    try {
      return Files.readAllBytes(directory.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    FixtureSupport.stop(process);
    FixtureSupport.deleteRecursively(directory);
    FixtureSupport.closed(this);
  }
}
