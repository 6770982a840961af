package dev.slipway.testing;

import dev.slipway.database.shared.AdminSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL 15 server on loopback for tests (Debian's {@code postgresql-15} binaries):
 * {@code initdb} into a fresh temporary directory with password authentication (scram-sha-256)
 * for a superuser {@code admin} with a generated password, listening only on
 * 127.0.0.1:&lt;free port&gt; (its unix socket inside the directory), fsync off. Usage:
 *
 * <pre>{@code
 * try (LocalPostgres pg = LocalPostgres.start()) {
 *   var provisioner = new SharedPostgresProvisioner(pg.adminSettings());
 *   try (Connection c = pg.connect("postgres", pg.adminUser(), pg.adminPassword())) { ... }
 * }
 * }</pre>
 *
 * <p>PostgreSQL refuses to run as root: when the JVM runs as root, {@code initdb}, {@code pg_ctl}
 * and {@code postgres} run as the OS user {@code postgres} (through {@code setpriv}), which owns
 * the directory. The server is stopped ({@code pg_ctl stop -m fast}, then killed) on {@link
 * #close()} and, failing that, when the JVM exits; the directory is deleted. Nothing here skips:
 * when the binaries are missing or the server does not start, {@link #start()} fails with the
 * reason and the log's tail.
 */
public final class LocalPostgres implements AutoCloseable {

  public static final Path BIN = Path.of(System.getProperty("slipway.postgresBin", "/usr/lib/postgresql/15/bin"));
  public static final String ADMIN_USER = "admin";
  private static final String OS_USER = "postgres";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private static final List<LocalPostgres> RUNNING = new ArrayList<>();
  private static final List<String> CLOSED_LOGS = new ArrayList<>();

  private final Path dir;
  private final String extraAddress;
  private final int port;
  private final String adminPassword;
  private final Process process;
  private final Thread shutdownHook;

  private LocalPostgres(Path dir, int port, String adminPassword, Process process, String extraAddress) {
    this.extraAddress = extraAddress;
    this.dir = dir;
    this.port = port;
    this.adminPassword = adminPassword;
    SecretCheck.remember(adminPassword);
    this.process = process;
    this.shutdownHook = new Thread(this::stop, "local-postgres-stop-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Creates a cluster in a new temporary directory, starts it and waits until it accepts connections. */
  public static LocalPostgres start() {
    return start(null, null);
  }

  /**
   * As {@link #start()}, also listening on {@code extraAddress} (for example the real node's IP)
   * and accepting password logins from {@code clientCidr} (the pods' network).
   */
  public static LocalPostgres start(String extraAddress, String clientCidr) {
    for (String tool : List.of("initdb", "pg_ctl", "postgres")) {
      if (!Files.isExecutable(BIN.resolve(tool))) {
        throw new IllegalStateException(BIN.resolve(tool) + " is missing: install Debian's postgresql-15 package");
      }
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir;
    String password = randomPassword();
    try {
      // under /tmp (not the work tree), so the postgres user can reach it
      dir = Files.createTempDirectory("slipway-pg-");
      Path pwfile = dir.resolve("pwfile");
      Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
      if (root) {
        chownToPostgres(dir);
        chownToPostgres(pwfile);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the local Postgres directory", e);
    }
    Path data = dir.resolve("data");
    Path log = dir.resolve("postgres.log");
    run(root, dir, List.of(BIN.resolve("initdb").toString(), "-D", data.toString(), "--username=" + ADMIN_USER,
        "--auth=scram-sha-256", "--pwfile=" + dir.resolve("pwfile"), "--encoding=UTF8", "--locale=C", "--no-sync",
        "--no-instructions"));
    try {
      if (clientCidr != null) {
        // the pods, and this machine itself through the extra address (the operator in the test
        // JVM connects to the same host name the pods get)
        String hba = "host all all " + clientCidr + " scram-sha-256\n"
            + (extraAddress == null ? "" : "host all all " + extraAddress + "/32 scram-sha-256\n");
        Files.writeString(data.resolve("pg_hba.conf"), hba, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
      }
      Files.delete(dir.resolve("pwfile"));
      Files.createDirectories(dir.resolve("sock"));
      if (root) {
        chownToPostgres(dir.resolve("sock"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the local Postgres directory", e);
    }
    IllegalStateException failure = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return startOn(root, dir, data, log, freePort(), password, extraAddress);
      } catch (IllegalStateException e) {
        failure = failure == null ? e : failure;
        if (!String.valueOf(e.getMessage()).contains("already in use")) {
          break;
        }
      }
    }
    deleteRecursively(dir);
    throw failure;
  }

  private static LocalPostgres startOn(boolean root, Path dir, Path data, Path log, int port, String password, String extraAddress) {
    List<String> command = new ArrayList<>(asPostgres(root));
    command.addAll(List.of(BIN.resolve("postgres").toString(), "-D", data.toString(),
        "-c", "listen_addresses=127.0.0.1" + (extraAddress == null ? "" : "," + extraAddress), "-c", "port=" + port,
        "-c", "unix_socket_directories=" + dir.resolve("sock"),
        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        "-c", "max_connections=100", "-c", "shared_buffers=32MB", "-c", "logging_collector=off",
        // Every statement is logged, so tests can see what the operator sends and the run-wide
        // check can prove no generated password ever reaches a server log.
        "-c", "log_statement=all", "-c", "log_connections=on"));
    Process process;
    try {
      process = new ProcessBuilder(command)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + BIN.resolve("postgres") + ": " + e.getMessage(), e);
    }
    LocalPostgres pg = new LocalPostgres(dir, port, password, process, extraAddress);
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    String lastError = "no answer yet";
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        pg.stop();
        pg.removeHook();
        throw new IllegalStateException("postgres exited with status " + process.exitValue() + " before accepting connections on 127.0.0.1:"
            + port + "; " + tail(log));
      }
      try (Connection c = pg.connect("postgres", ADMIN_USER, password)) {
        synchronized (RUNNING) {
          RUNNING.add(pg);
        }
        return pg;
      } catch (SQLException e) {
        lastError = e.getSQLState() + " " + e.getMessage();
      }
      sleep(100);
    }
    pg.stop();
    pg.removeHook();
    throw new IllegalStateException("postgres did not accept connections on 127.0.0.1:" + port + " within " + START_TIMEOUT.toSeconds()
        + "s (" + lastError + "); " + tail(log));
  }

  public String host() {
    return "127.0.0.1";
  }

  /** The address pods use (the extra listen address), or {@link #host()} without one. */
  public String podHost() {
    return extraAddress == null ? host() : extraAddress;
  }

  /**
   * The operator's shared-database admin Secret (SLIPWAY_SHARED_DATABASE_SECRET) for this server,
   * with the host the pods reach ({@link #podHost()}); create it in the operator's namespace.
   */
  public io.fabric8.kubernetes.api.model.Secret adminSecret(String name, String namespace) {
    return new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .addToStringData("host", podHost()).addToStringData("port", Integer.toString(port()))
        .addToStringData("username", adminUser()).addToStringData("password", adminPassword())
        .addToStringData("database", "postgres").addToStringData("sslmode", "disable").build();
  }

  public int port() {
    return port;
  }

  public String adminUser() {
    return ADMIN_USER;
  }

  public String adminPassword() {
    return adminPassword;
  }

  /** The server log (every statement, see log_statement=all). */
  public Path logFile() {
    return dir.resolve("postgres.log");
  }

  /** The server log as it is now. */
  public String log() {
    try {
      return Files.exists(logFile()) ? Files.readString(logFile(), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every server log of this run, of servers running and stopped (the run-wide secret check reads them). */
  public static List<String> allLogs() {
    List<String> logs;
    synchronized (CLOSED_LOGS) {
      logs = new ArrayList<>(CLOSED_LOGS);
    }
    synchronized (RUNNING) {
      for (LocalPostgres pg : RUNNING) {
        logs.add(pg.log());
      }
    }
    return logs;
  }

  /** The directory holding the cluster ({@code data/}), the socket ({@code sock/}) and {@code postgres.log}. */
  public Path directory() {
    return dir;
  }

  /** The superuser {@code admin} on the {@code postgres} database, without TLS. */
  public AdminSettings adminSettings() {
    return new AdminSettings(host(), port, ADMIN_USER, adminPassword, "postgres", "disable");
  }

  /** A new connection (no TLS, connect timeout 5 s); the caller closes it. */
  public Connection connect(String database, String user, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    props.setProperty("sslmode", "disable");
    props.setProperty("connectTimeout", "5");
    props.setProperty("socketTimeout", "30");
    // URL-encoded, so any database name (quotes, semicolons, spaces) reaches the server as it is
    String db = URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
    return DriverManager.getConnection("jdbc:postgresql://" + host() + ":" + port + "/" + db, props);
  }

  /** Stops the server and deletes the directory (its log is kept in memory for the run-wide check). */
  @Override
  public void close() {
    stop();
    removeHook();
    synchronized (RUNNING) {
      RUNNING.remove(this);
    }
    synchronized (CLOSED_LOGS) {
      CLOSED_LOGS.add(log());
    }
    deleteRecursively(dir);
  }

  private void removeHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down; the hook runs anyway
    }
  }

  private void stop() {
    if (!process.isAlive()) {
      return;
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    List<String> command = new ArrayList<>(asPostgres(root));
    command.addAll(List.of(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "-t", "10", "stop"));
    try {
      Process stop = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      stop.waitFor(15, TimeUnit.SECONDS);
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static List<String> asPostgres(boolean root) {
    return root ? List.of("/usr/bin/setpriv", "--reuid=" + OS_USER, "--regid=" + OS_USER, "--init-groups", "--") : List.of();
  }

  private static void run(boolean root, Path dir, List<String> args) {
    List<String> command = new ArrayList<>(asPostgres(root));
    command.addAll(args);
    Path out = dir.resolve("initdb.log");
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", args) + " did not finish within 60s; " + tail(out));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(args.get(0) + " failed with status " + p.exitValue() + "; " + tail(out));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + args.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + args.get(0), e);
    }
  }

  private static void chownToPostgres(Path path) throws IOException {
    UserPrincipalLookupService lookup = path.getFileSystem().getUserPrincipalLookupService();
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    view.setOwner(lookup.lookupPrincipalByName(OS_USER));
    GroupPrincipal group = lookup.lookupPrincipalByGroupName(OS_USER);
    view.setGroup(group);
  }

  private static String randomPassword() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return "pw-" + HexFormat.of().formatHex(bytes);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on loopback", e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
      return "last lines of " + log + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for postgres", e);
    }
  }

  private static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a leftover directory under /tmp is harmless
    }
  }
}
