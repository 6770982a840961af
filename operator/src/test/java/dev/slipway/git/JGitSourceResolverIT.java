package dev.slipway.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import dev.slipway.git.SourceException.Reason;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitHttpServer;
import dev.slipway.testing.git.GitRemote;
import dev.slipway.testing.git.GitSshServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** JGitSourceResolver against real Git servers on loopback: git daemon, git-http-backend, OpenSSH. */
class JGitSourceResolverIT {

  /** A secret that must never show up in a message or a log line. */
  private static final String CANARY = "CANARY9f3b7e";
  private static final String HTTP_USER = "alice";
  /** The real HTTP password: URL-unsafe characters, and the canary, so successes are checked too. */
  private static final String HTTP_PASSWORD = "p@ss/w:rd " + CANARY;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private static GitRemote shop;
  private static GitDaemon daemon;
  private static GitHttpServer http;
  private static GitSshServer ssh;
  private static String developSha;
  private static String devSha;
  private static String featureSha;

  private final JGitSourceResolver resolver = new JGitSourceResolver(TIMEOUT);

  /** One way of reaching a remote: its URL and the credentials it needs. */
  record Transport(String name, Function<GitRemote, String> url, Supplier<GitCredentials> credentials) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void startServers() {
    shop = new GitRemote("shop");
    developSha = shop.commit("develop", Map.of("manage.py", "print('develop')\n"), "develop");
    devSha = shop.commit("dev", Map.of("manage.py", "print('dev')\n"), "dev");
    featureSha = shop.commit("feature/x", Map.of("x.txt", "x\n"), "feature");
    shop.commit("main", Map.of("README", "main\n"), "main");
    daemon = new GitDaemon();
    http = new GitHttpServer(HTTP_USER, HTTP_PASSWORD);
    // ECDSA: works with the JDK alone. ed25519, the fixture's default, needs BouncyCastle; see below.
    ssh = new GitSshServer(GitSshServer.KeyType.ECDSA);
  }

  /**
   * A Git server behind a private CA: refused with a certificate problem by default, resolved once
   * SLIPWAY_GIT_CA_FILE names that CA (GitTrust), and the JVM's own CAs still count beside it.
   */
  @Test
  void anHttpsServerBehindAPrivateCaIsTrustedOnlyWithItsBundle(@TempDir Path dir) throws Exception {
    Path caKey = dir.resolve("ca.key");
    Path caCrt = dir.resolve("ca.crt");
    for (List<String> command : List.of(
        List.of("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", caKey.toString()),
        List.of("openssl", "req", "-x509", "-new", "-key", caKey.toString(), "-subj", "/CN=private Git CA", "-days", "2",
            "-out", caCrt.toString()))) {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as(out).isZero();
    }
    try (GitHttpServer https = GitHttpServer.https(HTTP_USER, HTTP_PASSWORD, "127.0.0.1", caCrt, caKey)) {
      GitCredentials credentials = new GitCredentials(HTTP_USER, HTTP_PASSWORD, null, null);
      assertThat(https.url(shop)).startsWith("https://127.0.0.1:");

      SourceException refused = resolveFailure(https.url(shop), "develop", credentials);
      assertThat(refused.reason()).isEqualTo(Reason.RemoteUnreachable);
      assertThat(refused.getMessage()).containsIgnoringCase("SSL").doesNotContain(HTTP_PASSWORD);

      GitTrust trust = GitTrust.withBundle(caCrt);
      assertThat(trust.extraCertificates()).isEqualTo(1);
      JGitSourceResolver trusting = new JGitSourceResolver(TIMEOUT, trust);
      assertThat(trusting.resolve(https.url(shop), "develop", credentials).sha()).isEqualTo(developSha);
      // plain http and the other transports are unaffected
      assertThat(trusting.resolve(http.url(shop), "develop", credentials).sha()).isEqualTo(developSha);
    }
    Files.writeString(dir.resolve("empty.pem"), "");
    assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> GitTrust.withBundle(dir.resolve("empty.pem"))))
        .hasMessageContaining("holds no certificate");
  }

  @AfterAll
  static void stopServers() {
    for (AutoCloseable fixture : new AutoCloseable[] {ssh, http, daemon, shop}) {
      try {
        if (fixture != null) {
          fixture.close();
        }
      } catch (Exception e) {
        // keep stopping the others
      }
    }
  }

  static Stream<Transport> transports() {
    return Stream.of(
        new Transport("file", GitRemote::fileUrl, GitCredentials::none),
        new Transport("git", r -> daemon.url(r), GitCredentials::none),
        new Transport("http", r -> http.url(r), () -> new GitCredentials(HTTP_USER, HTTP_PASSWORD, null, null)),
        new Transport("http-url-password", r -> http.urlWithCredentials(r), GitCredentials::none),
        new Transport("ssh", r -> ssh.url(r), JGitSourceResolverIT::sshCredentials));
  }

  private static GitCredentials sshCredentials() {
    return new GitCredentials(null, null, ssh.clientPrivateKey(), ssh.knownHosts());
  }

  // --- resolving ---

  @ParameterizedTest(name = "{0}")
  @MethodSource("transports")
  void resolvesABranch(Transport transport) throws Exception {
    ResolvedCommit commit = resolver.resolve(transport.url().apply(shop), "develop", transport.credentials().get());
    assertThat(commit).isEqualTo(new ResolvedCommit(developSha, "refs/heads/develop"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transports")
  void resolvesBranchNamesExactly(Transport transport) throws Exception {
    String url = transport.url().apply(shop);
    GitCredentials credentials = transport.credentials().get();
    assertThat(resolver.resolve(url, "dev", credentials).sha()).isEqualTo(devSha);
    assertThat(resolver.resolve(url, "develop", credentials).sha()).isEqualTo(developSha);
    assertThat(resolver.resolve(url, "feature/x", credentials))
        .isEqualTo(new ResolvedCommit(featureSha, "refs/heads/feature/x"));
    for (String notABranch : List.of("de", "devel", "feature", "x", "heads/dev", "refs/heads/dev")) {
      SourceException e = catchThrowableOfType(SourceException.class,
          () -> resolver.resolve(url, notABranch, credentials));
      assertThat(e).as(notABranch).isNotNull();
      assertThat(e.reason()).as(notABranch).isEqualTo(Reason.BranchNotFound);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transports")
  void seesANewCommitOnTheNextResolve(Transport transport) throws Exception {
    try (GitRemote moving = new GitRemote()) {
      String first = moving.commit("develop", Map.of("a.txt", "1\n"), "first");
      String url = transport.url().apply(moving);
      assertThat(resolver.resolve(url, "develop", transport.credentials().get()).sha()).isEqualTo(first);
      String second = moving.commit("develop", Map.of("a.txt", "2\n"), "second");
      assertThat(second).isNotEqualTo(first);
      assertThat(resolver.resolve(url, "develop", transport.credentials().get()).sha()).isEqualTo(second);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transports")
  void reportsAMissingBranchByNameAndRedactedUrl(Transport transport) {
    String url = transport.url().apply(shop);
    SourceException e = resolveFailure(url, "release/9", transport.credentials().get());
    assertThat(e.reason()).isEqualTo(Reason.BranchNotFound);
    assertThat(e.getMessage()).contains("\"release/9\"").contains(GitUrls.redact(url)).doesNotContain(CANARY);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transports")
  void reportsAMissingRepositoryAsUnreachable(Transport transport) {
    GitRemote gone = new GitRemote();
    String url = transport.url().apply(gone);
    gone.close(); // the directory is deleted; the servers still point at it
    SourceException e = resolveFailure(url, "develop", transport.credentials().get());
    assertThat(e.reason()).isEqualTo(Reason.RemoteUnreachable);
    assertThat(e.getMessage()).startsWith("repository not found: ").doesNotContain(CANARY);
  }

  @Test
  void refusesAnInvalidBranchName() {
    SourceException e = resolveFailure(shop.fileUrl(), "a..b", GitCredentials.none());
    assertThat(e.reason()).isEqualTo(Reason.BranchNotFound);
    assertThat(e.getMessage()).contains("not a valid branch name");
  }

  /**
   * Every key type for host and client key. ed25519 (what ssh-keygen and GitHub default to) needs
   * an EdDSA provider for Apache sshd: BouncyCastle (org.bouncycastle:bcprov-jdk18on) on the classpath.
   */
  @ParameterizedTest
  @EnumSource(GitSshServer.KeyType.class)
  void resolvesOverSshWithEveryKeyType(GitSshServer.KeyType keyType) throws Exception {
    if (keyType == GitSshServer.KeyType.ED25519) {
      assertThat(SecurityUtils.isEDDSACurveSupported())
          .as("ed25519 keys need BouncyCastle (org.bouncycastle:bcprov-jdk18on) on the operator's classpath")
          .isTrue();
    }
    try (GitSshServer server = new GitSshServer(keyType)) {
      GitCredentials credentials = new GitCredentials(null, null, server.clientPrivateKey(), server.knownHosts());
      assertThat(resolver.resolve(server.url(shop), "develop", credentials).sha()).isEqualTo(developSha);
      SourceException e = resolveFailure(server.url(shop), "develop",
          new GitCredentials(null, null, server.otherPrivateKey(), server.knownHosts()));
      assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
      e = resolveFailure(server.url(shop), "develop", new GitCredentials(null, null, server.clientPrivateKey(),
          "[127.0.0.1]:" + server.port() + " " + server.otherPublicKey()));
      assertThat(e.getMessage()).startsWith("host key of 127.0.0.1:" + server.port() + " does not match known_hosts");
    }
  }

  @Test
  void takesCredentialsFromASecretWithAToken() throws Exception {
    GitCredentials fromSecret = GitCredentials.fromSecretData(Map.of(
        "username", HTTP_USER.getBytes(StandardCharsets.UTF_8),
        "token", (HTTP_PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
    assertThat(resolver.resolve(http.url(shop), "develop", fromSecret).sha()).isEqualTo(developSha);
  }

  @Test
  void prefersTheSecretsPasswordOverTheUrls() throws Exception {
    String url = "http://" + HTTP_USER + ":wrong-" + CANARY + "@127.0.0.1:" + http.port() + "/shop.git";
    http.url(shop);
    GitCredentials credentials = new GitCredentials(null, HTTP_PASSWORD, null, null);
    assertThat(resolver.resolve(url, "develop", credentials).sha()).isEqualTo(developSha);
  }

  // --- unreachable ---

  @ParameterizedTest
  @ValueSource(strings = {"http", "git", "ssh"})
  void reportsAClosedPortAsUnreachableQuickly(String scheme) throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String url = scheme + "://" + (scheme.equals("ssh") ? "git@" : "") + "127.0.0.1:" + closedPort + "/shop.git";
    long started = System.nanoTime();
    SourceException e = resolveFailure(url, "develop", sshCredentials());
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT);
    assertThat(e.reason()).isEqualTo(Reason.RemoteUnreachable);
    assertThat(e.getMessage()).startsWith("cannot connect to " + url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://git.slipway.invalid/acme/shop.git", "http://git.slipway.invalid:8080/shop.git",
      "git://git.slipway.invalid/shop.git", "ssh://git@git.slipway.invalid/acme/shop.git",
      "git@git.slipway.invalid:acme/shop.git"})
  void reportsAnUnknownHostAsUnreachableQuickly(String url) {
    long started = System.nanoTime();
    SourceException e = resolveFailure(url, "develop", sshCredentials());
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT);
    assertThat(e.reason()).isEqualTo(Reason.RemoteUnreachable);
    assertThat(e.getMessage()).startsWith("unknown host git.slipway.invalid");
  }

  /** A server that accepts connections and then says nothing: only the timeout ends the wait. */
  @ParameterizedTest
  @ValueSource(strings = {"http", "git", "ssh"})
  void givesUpOnASilentServerWithinTheTimeout(String scheme) throws Exception {
    JGitSourceResolver quick = new JGitSourceResolver(Duration.ofSeconds(2));
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String url = scheme + "://" + (scheme.equals("ssh") ? "git@" : "") + "127.0.0.1:" + silent.getLocalPort()
          + "/shop.git";
      long started = System.nanoTime();
      SourceException e = catchThrowableOfType(SourceException.class,
          () -> quick.resolve(url, "develop", sshCredentials()));
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      assertThat(e).isNotNull();
      assertThat(e.reason()).isEqualTo(Reason.RemoteUnreachable);
      assertThat(e.getMessage()).isEqualTo("no answer from " + url + " within 2s");
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1900)).isLessThan(Duration.ofSeconds(5));
    }
  }

  // --- authentication ---

  @Test
  void reportsAWrongHttpPasswordAsAuthFailed() {
    SourceException e = resolveFailure(http.url(shop), "develop", new GitCredentials(HTTP_USER, "wrong", null, null));
    assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
    assertThat(e.getMessage()).isEqualTo("not authorized by " + http.url(shop)
        + " (check the user name and password or token)");
  }

  @Test
  void reportsMissingHttpCredentialsAsAuthFailed() {
    SourceException e = resolveFailure(http.url(shop), "develop", GitCredentials.none());
    assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
    assertThat(e.getMessage()).contains("no credentials were given");
  }

  @Test
  void reportsHttpForbiddenAsAuthFailed() {
    try (GitRemote secret = new GitRemote()) {
      secret.commit("develop", Map.of("a", "b"), "x");
      http.forbid(secret);
      SourceException e = resolveFailure(http.url(secret), "develop",
          new GitCredentials(HTTP_USER, HTTP_PASSWORD, null, null));
      assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
      assertThat(e.getMessage()).contains("403");
    }
  }

  @Test
  void reportsAnUnauthorizedSshKeyAsAuthFailed() {
    SourceException e = resolveFailure(ssh.url(shop), "develop",
        new GitCredentials(null, null, ssh.otherPrivateKey(), ssh.knownHosts()));
    assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
    assertThat(e.getMessage())
        .startsWith("ssh login to 127.0.0.1:" + ssh.port() + " refused: the ssh key is not accepted");
  }

  @Test
  void reportsAMissingSshKeyAsAuthFailed() {
    SourceException e = resolveFailure(ssh.url(shop), "develop",
        new GitCredentials(null, null, null, ssh.knownHosts()));
    assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
    assertThat(e.getMessage()).contains("no ssh-privatekey was given");
  }

  @Test
  void reportsAnUnreadableSshKeyAsAuthFailed() {
    byte[] garbage = ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + CANARY + "AAAA\n-----END OPENSSH PRIVATE KEY-----\n")
        .getBytes(StandardCharsets.UTF_8);
    SourceException e = resolveFailure(ssh.url(shop), "develop",
        new GitCredentials(null, null, garbage, ssh.knownHosts()));
    assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
    assertThat(e.getMessage()).startsWith("the ssh private key could not be read").doesNotContain(CANARY);
  }

  @Test
  void reportsAPassphraseProtectedKeyAsAuthFailed(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("key");
    Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ecdsa", "-N", "pass-" + CANARY, "-f", key.toString())
        .redirectErrorStream(true).start();
    assertThat(keygen.waitFor()).isZero();
    SourceException e = resolveFailure(ssh.url(shop), "develop",
        new GitCredentials(null, null, Files.readAllBytes(key), ssh.knownHosts()));
    assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
    assertThat(e.getMessage()).contains("passphrase");
  }

  @Test
  void refusesAHostKeyThatIsNotInKnownHosts() {
    String expected = "host key of 127.0.0.1:" + ssh.port() + " is not in known_hosts";
    for (String knownHosts : new String[] {null, "", "# nothing\n",
        "[127.0.0.1]:1 " + ssh.knownHosts().split(" ", 2)[1], "github.com " + ssh.knownHosts().split(" ", 2)[1]}) {
      SourceException e = resolveFailure(ssh.url(shop), "develop",
          new GitCredentials(null, null, ssh.clientPrivateKey(), knownHosts));
      assertThat(e.reason()).as(knownHosts).isEqualTo(Reason.AuthFailed);
      assertThat(e.getMessage()).as(knownHosts).startsWith(expected);
    }
  }

  @Test
  void refusesAHostKeyThatDoesNotMatchKnownHosts() {
    String wrong = "[127.0.0.1]:" + ssh.port() + " " + ssh.otherPublicKey();
    SourceException e = resolveFailure(ssh.url(shop), "develop",
        new GitCredentials(null, null, ssh.clientPrivateKey(), wrong));
    assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
    assertThat(e.getMessage()).startsWith("host key of 127.0.0.1:" + ssh.port() + " does not match known_hosts");
  }

  @Test
  void acceptsAHostKeyAmongOthersAndHashedHosts() throws Exception {
    String key = ssh.knownHosts().split(" ", 2)[1];
    String hashed = hashedKnownHost("[127.0.0.1]:" + ssh.port()) + " " + key;
    String knownHosts = "# comment\ngithub.com " + ssh.otherPublicKey() + "\n" + hashed + "\n";
    assertThat(resolver.resolve(ssh.url(shop), "develop",
        new GitCredentials(null, null, ssh.clientPrivateKey(), knownHosts)).sha()).isEqualTo(developSha);
  }

  @Test
  void refusesARevokedHostKey() {
    String key = ssh.knownHosts().split(" ", 2)[1];
    String revoked = ssh.knownHosts() + "\n@revoked [127.0.0.1]:" + ssh.port() + " " + key;
    SourceException e = resolveFailure(ssh.url(shop), "develop",
        new GitCredentials(null, null, ssh.clientPrivateKey(), revoked));
    assertThat(e.reason()).isEqualTo(Reason.AuthFailed);
    assertThat(e.getMessage()).contains("@revoked");
  }

  // --- invalid ---

  @ParameterizedTest
  @ValueSource(strings = {"", "not a url", "relative/shop.git", "ftp://git.example.com/shop.git", "https://",
      "http://[bad/shop.git"})
  void reportsMalformedUrlsAsInvalidRemote(String url) {
    SourceException e = resolveFailure(url, "develop", GitCredentials.none());
    assertThat(e.reason()).isEqualTo(Reason.InvalidRemote);
  }

  @Test
  void reportsNoUrlAsInvalidRemote() {
    assertThat(resolveFailure(null, "develop", null).reason()).isEqualTo(Reason.InvalidRemote);
  }

  // --- secrets ---

  @Test
  void neverShowsSecretsInMessagesOrLogs() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger ours = (Logger) LoggerFactory.getLogger("dev.slipway");
    Level rootLevel = root.getLevel();
    Level ourLevel = ours.getLevel();
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    // Only the capturing appender while DEBUG is on everywhere: sshd's debug output would flood the console.
    List<Appender<ILoggingEvent>> consoles = new ArrayList<>();
    root.iteratorForAppenders().forEachRemaining(consoles::add);
    consoles.forEach(root::detachAppender);
    root.addAppender(appender);
    root.setLevel(Level.DEBUG);
    ours.setLevel(Level.DEBUG);
    List<SourceException> failures = new ArrayList<>();
    int resolutions = 0;
    try {
      String encodedPassword = URLEncoder.encode(HTTP_PASSWORD, StandardCharsets.UTF_8).replace("+", "%20");
      String canaryUrlPassword = "tok-" + CANARY;
      GitCredentials canaryCredentials = new GitCredentials(HTTP_USER, "pw-" + CANARY, null, null);
      GitCredentials canaryKey = new GitCredentials(null, "pw-" + CANARY, ssh.otherPrivateKey(), ssh.knownHosts());
      int closedPort;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        closedPort = socket.getLocalPort();
      }
      String httpBase = "127.0.0.1:" + http.port() + "/shop.git";

      // successes, with the canary in the (real) password, in the URL and in the Secret
      resolver.resolve("http://" + HTTP_USER + ":" + encodedPassword + "@" + httpBase, "develop",
          GitCredentials.none());
      resolver.resolve(http.url(shop), "develop", new GitCredentials(HTTP_USER, HTTP_PASSWORD, null, null));
      resolutions += 2;

      List<Callable<ResolvedCommit>> attempts = List.of(
          () -> resolver.resolve("http://" + HTTP_USER + ":" + canaryUrlPassword + "@" + httpBase, "develop", null),
          () -> resolver.resolve(http.url(shop), "develop", canaryCredentials),
          () -> resolver.resolve("http://" + HTTP_USER + ":" + encodedPassword + "@" + httpBase, "nope", null),
          () -> resolver.resolve("http://x:" + canaryUrlPassword + "@127.0.0.1:" + closedPort + "/shop.git", "develop",
              canaryCredentials),
          () -> resolver.resolve("https://x:" + canaryUrlPassword + "@git.slipway.invalid/shop.git", "develop",
              canaryCredentials),
          () -> resolver.resolve("http://x:" + canaryUrlPassword + "@[bad/shop.git", "develop", canaryCredentials),
          () -> resolver.resolve("ftp://x:" + canaryUrlPassword + "@host/shop.git", "develop", canaryCredentials),
          () -> resolver.resolve("http://x:" + canaryUrlPassword + "@127.0.0.1:" + http.port() + "/missing.git",
              "develop", new GitCredentials(HTTP_USER, HTTP_PASSWORD, null, null)),
          () -> resolver.resolve("ssh://" + ssh.user() + ":" + canaryUrlPassword + "@127.0.0.1:" + ssh.port()
              + shop.bareRepository(), "develop", canaryKey),
          () -> resolver.resolve(ssh.url(shop), "develop", canaryKey),
          () -> resolver.resolve(ssh.url(shop), "develop",
              new GitCredentials(null, null, ssh.otherPrivateKey(),
                  "[127.0.0.1]:" + ssh.port() + " " + ssh.otherPublicKey())),
          () -> resolver.resolve("git://x:" + canaryUrlPassword + "@127.0.0.1:" + daemon.port() + "/nope.git",
              "develop", canaryCredentials));
      for (Callable<ResolvedCommit> attempt : attempts) {
        resolutions++;
        failures.add(catchThrowableOfType(SourceException.class, attempt::call));
      }
    } finally {
      root.detachAppender(appender);
      consoles.forEach(root::addAppender);
      root.setLevel(rootLevel);
      ours.setLevel(ourLevel);
    }

    assertThat(failures).doesNotContainNull();
    String keyBody = new String(ssh.otherPrivateKey(), StandardCharsets.UTF_8).lines()
        .filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    for (SourceException failure : failures) {
      String everything = stackTrace(failure);
      assertThat(everything).as(failure.getMessage()).doesNotContain(CANARY).doesNotContain(keyBody);
      assertThat(failure.getMessage()).doesNotContain("%20" + CANARY).doesNotContain(HTTP_PASSWORD);
    }
    assertThat(failures).extracting(SourceException::reason).containsExactly(
        Reason.AuthFailed, Reason.AuthFailed, Reason.BranchNotFound, Reason.RemoteUnreachable,
        Reason.RemoteUnreachable, Reason.InvalidRemote, Reason.InvalidRemote, Reason.RemoteUnreachable,
        Reason.AuthFailed, Reason.AuthFailed, Reason.AuthFailed, Reason.InvalidRemote);
    assertThat(failures.get(0).getMessage()).contains("http://alice:***@127.0.0.1:" + http.port());

    List<ILoggingEvent> events = List.copyOf(appender.list);
    assertThat(events).isNotEmpty();
    for (ILoggingEvent event : events) {
      String text = event.getFormattedMessage()
          + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
      assertThat(text).as(event.getLoggerName()).doesNotContain(CANARY).doesNotContain(keyBody);
    }
    List<ILoggingEvent> ourLines = events.stream()
        .filter(event -> event.getLoggerName().equals(JGitSourceResolver.class.getName()))
        .toList();
    assertThat(ourLines).hasSize(resolutions).allSatisfy(event -> assertThat(event.getLevel()).isEqualTo(Level.DEBUG));
  }

  // --- resources ---

  @Test
  void leaksNoThreadsOrTemporaryDirectories() throws Exception {
    GitCredentials httpCredentials = new GitCredentials(HTTP_USER, HTTP_PASSWORD, null, null);
    GitCredentials wrongKey = new GitCredentials(null, null, ssh.otherPrivateKey(), ssh.knownHosts());
    // Every resolution over ssh builds and disposes a session factory, an sshd client and its threads.
    Callable<Void> resolution = () -> {
      assertThat(resolver.resolve(ssh.url(shop), "develop", sshCredentials()).sha()).isEqualTo(developSha);
      return null;
    };
    Callable<Void> others = () -> {
      resolver.resolve(http.url(shop), "develop", httpCredentials);
      resolver.resolve(daemon.url(shop), "develop", GitCredentials.none());
      assertThat(catchThrowableOfType(SourceException.class,
          () -> resolver.resolve(ssh.url(shop), "develop", wrongKey))).isNotNull();
      return null;
    };
    for (int i = 0; i < 3; i++) {
      resolution.call(); // warm up: JGit's and the JDK's lazily started threads
      others.call();
    }
    int before = liveThreads().size();
    Set<Path> tempBefore = sshTempDirectories();
    for (int i = 0; i < 50; i++) {
      resolution.call();
      if (i % 5 == 0) {
        others.call();
      }
    }
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(liveThreads().size()).as("threads now: %s", liveThreads()).isLessThanOrEqualTo(before + 2));
    assertThat(sshTempDirectories()).isEqualTo(tempBefore);
  }

  @Test
  void resolvesConcurrently() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<ResolvedCommit>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        boolean overSsh = i % 2 == 0;
        results.add(pool.submit(() -> overSsh
            ? resolver.resolve(ssh.url(shop), "dev", sshCredentials())
            : resolver.resolve(http.url(shop), "dev", new GitCredentials(HTTP_USER, HTTP_PASSWORD, null, null))));
      }
      for (Future<ResolvedCommit> result : results) {
        assertThat(result.get().sha()).isEqualTo(devSha);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // --- helpers ---

  private SourceException resolveFailure(String url, String branch, GitCredentials credentials) {
    SourceException e = catchThrowableOfType(SourceException.class, () -> resolver.resolve(url, branch, credentials));
    assertThat(e).as("resolving %s %s should fail", url, branch).isNotNull();
    assertThat(e.getMessage()).isNotBlank();
    return e;
  }

  private static String stackTrace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out + "\n" + t;
  }

  private static List<String> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .sorted()
        .collect(Collectors.toList());
  }

  private static Set<Path> sshTempDirectories() throws IOException {
    try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return entries.filter(p -> p.getFileName().toString().startsWith("slipway-ssh-")).collect(Collectors.toSet());
    }
  }

  /** An OpenSSH hashed host name (|1|salt|hash), as ssh-keygen -H writes them. */
  private static String hashedKnownHost(String host) throws Exception {
    byte[] salt = new byte[20];
    new java.security.SecureRandom().nextBytes(salt);
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
    mac.init(new javax.crypto.spec.SecretKeySpec(salt, "HmacSHA1"));
    byte[] hash = mac.doFinal(host.getBytes(StandardCharsets.UTF_8));
    java.util.Base64.Encoder base64 = java.util.Base64.getEncoder();
    return "|1|" + base64.encodeToString(salt) + "|" + base64.encodeToString(hash);
  }
}
