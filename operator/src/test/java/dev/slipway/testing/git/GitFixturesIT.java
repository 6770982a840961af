package dev.slipway.testing.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Git fixtures themselves, checked with the git CLI (the reference client) and with JGit. */
class GitFixturesIT {

  private static GitRemote remote;
  private static GitDaemon daemon;
  private static GitHttpServer http;
  private static GitSshServer ssh;
  private static String develop;

  @TempDir
  Path work;

  record Result(int exit, String output) {}

  @BeforeAll
  static void start() {
    remote = new GitRemote("fixtures");
    develop = remote.commit("develop", Map.of("app/main.py", "print(1)\n"), "first");
    daemon = new GitDaemon();
    http = new GitHttpServer("bob", "pa ss:w@rd");
    ssh = new GitSshServer();
  }

  @AfterAll
  static void stop() {
    ssh.close();
    http.close();
    daemon.close();
    remote.close();
  }

  @Test
  void gitRemoteCommitsOntoBranchesKeepingTheParentsFiles() {
    try (GitRemote r = new GitRemote()) {
      String main = r.commit("main", Map.of("README", "hello\n"), "main");
      String first = r.commit("develop", Map.of("a.txt", "a\n", "dir/b.txt", "b\n"), "first");
      Map<String, String> change = new HashMap<>();
      change.put("a.txt", "a2\n");
      change.put("dir/b.txt", null);
      String second = r.commit("develop", change, "second");

      Path bare = r.bareRepository();
      assertThat(git(null, "--git-dir=" + bare, "rev-parse", "develop").output().strip()).isEqualTo(second);
      assertThat(git(null, "--git-dir=" + bare, "log", "--format=%P", "-n1", second).output().strip()).isEqualTo(first);
      assertThat(git(null, "--git-dir=" + bare, "log", "--format=%P", "-n1", first).output().strip()).isEqualTo(main);
      assertThat(git(null, "--git-dir=" + bare, "show", "develop:a.txt").output()).isEqualTo("a2\n");
      assertThat(git(null, "--git-dir=" + bare, "ls-tree", "-r", "--name-only", "develop").output())
          .isEqualTo("README\na.txt\n");
      assertThat(git(null, "--git-dir=" + bare, "fsck", "--strict").exit()).isZero();
      assertThat(r.head("develop")).isEqualTo(second);
      assertThat(r.head("nope")).isNull();
      r.deleteBranch("develop");
      assertThat(r.head("develop")).isNull();
      assertThat(r.fileUrl()).isEqualTo("file://" + bare);
    }
  }

  @Test
  void gitRemoteIsRemovedOnClose() {
    GitRemote r = new GitRemote();
    r.commit("develop", Map.of("a", "a"), "x");
    Path bare = r.bareRepository();
    r.close();
    r.close();
    assertThat(bare).doesNotExist();
  }

  @Test
  void gitDaemonServesLsRemoteAndClone() {
    String url = daemon.url(remote);
    assertThat(url).isEqualTo("git://127.0.0.1:" + daemon.port() + "/fixtures.git");
    assertThat(git(null, "ls-remote", url).output()).contains(develop + "\trefs/heads/develop");
    assertThat(git(null, "clone", "-q", "--branch", "develop", url, work.resolve("c").toString()).exit()).isZero();
    assertThat(work.resolve("c/app/main.py")).hasContent("print(1)");
  }

  @Test
  void httpServerServesTheGitCliWithBasicAuth() throws Exception {
    String url = http.url(remote);
    assertThat(url).isEqualTo("http://127.0.0.1:" + http.port() + "/fixtures.git");
    assertThat(git(null, "ls-remote", http.urlWithCredentials(remote)).output())
        .contains(develop + "\trefs/heads/develop");

    Result anonymous = git(null, "ls-remote", url);
    assertThat(anonymous.exit()).isNotZero();
    Result wrong = git(null, "ls-remote", url.replace("http://", "http://bob:wrong@"));
    assertThat(wrong.exit()).isNotZero();
    assertThat(wrong.output()).contains("Authentication failed");
    assertThat(http.requests()).anyMatch(line -> line.endsWith(" -> 401"));
  }

  @Test
  void httpServerServesCloneAndPushOfTheGitCli() {
    try (GitRemote r = new GitRemote()) {
      r.commit("develop", Map.of("a.txt", "a\n"), "first");
      Path clone = work.resolve("clone");
      assertThat(git(null, "clone", "-q", "--branch", "develop", http.urlWithCredentials(r), clone.toString()).exit())
          .isZero();
      writeFile(clone.resolve("b.txt"), "b\n");
      git(clone, "add", "b.txt");
      git(clone, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "pushed");
      String pushed = git(clone, "rev-parse", "HEAD").output().strip();
      Result push = git(clone, "push", "-q", "origin", "develop");
      assertThat(push.exit()).as(push.output() + http.backendLog()).isZero();
      assertThat(r.head("develop")).isEqualTo(pushed);
    }
  }

  @Test
  void httpServerServesJGitClone() throws Exception {
    Path clone = work.resolve("jgit");
    try (Git git = Git.cloneRepository()
        .setURI(http.url(remote))
        .setBranch("develop")
        .setDirectory(clone.toFile())
        .setCredentialsProvider(new UsernamePasswordCredentialsProvider("bob", "pa ss:w@rd"))
        .call()) {
      assertThat(git.getRepository().resolve("HEAD").name()).isEqualTo(develop);
    }
    assertThat(clone.resolve("app/main.py")).hasContent("print(1)");
  }

  @Test
  void httpServerForbidsARemoteOnRequest() {
    try (GitRemote r = new GitRemote()) {
      r.commit("develop", Map.of("a", "a"), "x");
      http.forbid(r);
      Result result = git(null, "ls-remote", http.urlWithCredentials(r));
      assertThat(result.exit()).isNotZero();
      assertThat(result.output()).contains("403");
    }
  }

  @Test
  void sshServerServesTheGitCliWithTheClientKeyOnly() {
    String url = ssh.url(remote);
    assertThat(url).isEqualTo("ssh://" + ssh.user() + "@127.0.0.1:" + ssh.port() + remote.bareRepository());
    assertThat(ssh.knownHosts()).matches("\\[127\\.0\\.0\\.1]:" + ssh.port() + " ssh-ed25519 AAAA\\S+");
    assertThat(new String(ssh.clientPrivateKey(), StandardCharsets.UTF_8))
        .startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");

    Result ok = gitWithEnv(Map.of("GIT_SSH_COMMAND", ssh.gitSshCommand()), null, "ls-remote", url);
    assertThat(ok.exit()).as(ok.output() + ssh.stderr()).isZero();
    assertThat(ok.output()).contains(develop + "\trefs/heads/develop");

    String otherKey = ssh.gitSshCommand().replace(ssh.clientPrivateKeyFile().toString(), otherKeyFile().toString());
    Result refused = gitWithEnv(Map.of("GIT_SSH_COMMAND", otherKey), null, "ls-remote", url);
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.output()).contains("Permission denied");
  }

  @Test
  void serversStopOnClose() throws Exception {
    GitDaemon d = new GitDaemon();
    GitHttpServer h = new GitHttpServer();
    GitSshServer s = new GitSshServer(GitSshServer.KeyType.ECDSA);
    assertThat(git(null, "ls-remote", h.url(remote)).output()).contains(develop);
    List<Integer> ports = List.of(d.port(), h.port(), s.port());
    d.close();
    h.close();
    s.close();
    for (int port : ports) {
      Assertions.assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
          .as("port %d", port)
          .isInstanceOf(ConnectException.class);
    }
  }

  private Path otherKeyFile() {
    Path file = work.resolve("other_key");
    try {
      Files.write(file, ssh.otherPrivateKey());
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static void writeFile(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Result git(Path dir, String... args) {
    return gitWithEnv(Map.of(), dir, args);
  }

  /** The git CLI with a clean configuration (no user or system config, never a prompt). */
  private Result gitWithEnv(Map<String, String> env, Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    try {
      Path home = work.resolve("home");
      Files.createDirectories(home);
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      if (dir != null) {
        builder.directory(dir.toFile());
      }
      builder.environment().put("HOME", home.toString());
      builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
      builder.environment().put("GIT_TERMINAL_PROMPT", "0");
      builder.environment().putAll(env);
      Process process = builder.start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
