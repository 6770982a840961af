package dev.slipway.database.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.database.DatabaseEndpoint;
import dev.slipway.database.DatabaseRequest;
import dev.slipway.database.DeletionState;
import dev.slipway.database.ProvisionState;
import dev.slipway.testing.LocalPostgres;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SharedPostgresProvisionerIT {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static LocalPostgres pg;
  private static SharedPostgresProvisioner provisioner;

  @BeforeAll
  static void startPostgres() {
    pg = LocalPostgres.start();
    provisioner = new SharedPostgresProvisioner(pg.adminSettings());
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) {
      pg.close();
    }
  }

  @Test
  void ensureIsIdempotentAndTheRoleOwnsItsDatabase() throws Exception {
    DatabaseRequest request = request("shop", "test", "pw-" + UUID.randomUUID());
    ProvisionState first = provisioner.ensure(request);
    ProvisionState second = provisioner.ensure(request);
    String db = SharedPostgresProvisioner.databaseName(request.namespace(), request.project(), request.environment());
    String role = SharedPostgresProvisioner.roleName(request.namespace(), request.project(), request.environment());
    for (ProvisionState state : new ProvisionState[] {first, second}) {
      assertThat(state.ready()).as(state.toString()).isTrue();
      assertThat(state.reason()).isEqualTo("Available");
      assertThat(state.identifier()).isEqualTo(db);
      assertThat(state.endpoint()).isEqualTo(new DatabaseEndpoint(pg.host(), pg.port(), db, role, false));
      assertThat(state.message()).doesNotContain(request.password()).doesNotContain(pg.adminPassword());
    }
    try (Connection c = pg.connect(db, role, request.password()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE things (id int primary key, name text)");
      s.execute("INSERT INTO things VALUES (1, 'one')");
      try (ResultSet rs = s.executeQuery("SELECT current_user, current_database(), (SELECT count(*) FROM things)")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(role);
        assertThat(rs.getString(2)).isEqualTo(db);
        assertThat(rs.getInt(3)).isEqualTo(1);
      }
    }
    assertThat(query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?", db)).isEqualTo(role);
    assertThat(query("SELECT rolsuper::text || rolcreatedb::text || rolcreaterole::text || rolcanlogin::text FROM pg_roles WHERE rolname = ?", role))
        .isEqualTo("falsefalsefalsetrue");
    // a third ensure after the role created objects keeps everything
    assertThat(provisioner.ensure(request).ready()).isTrue();
    try (Connection c = pg.connect(db, role, request.password()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name FROM things")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("one");
    }
  }

  @Test
  void anotherEnvironmentsRoleCannotConnect() throws Exception {
    DatabaseRequest test = request("shop", "test", "pw-a-" + UUID.randomUUID());
    DatabaseRequest live = new DatabaseRequest(test.namespace(), test.project(), "live", "uid", Stage.LIVE, "16", null, null,
        "pw-b-" + UUID.randomUUID());
    assertThat(provisioner.ensure(test).ready()).isTrue();
    assertThat(provisioner.ensure(live).ready()).isTrue();
    String testDb = provisioner.ensure(test).endpoint().database();
    String liveRole = provisioner.ensure(live).endpoint().username();
    assertThatThrownBy(() -> pg.connect(testDb, liveRole, live.password()).close())
        .isInstanceOfSatisfying(SQLException.class, e -> {
          assertThat(e.getSQLState()).isEqualTo("42501");
          assertThat(e.getMessage()).contains("permission denied for database");
        });
    // its own database works
    pg.connect(provisioner.ensure(live).endpoint().database(), liveRole, live.password()).close();
  }

  @Test
  void hostileNamesAndPasswordsCannotInjectSql() throws Exception {
    int n = COUNTER.incrementAndGet();
    String hostileDb = "db\"; DROP ROLE admin; --'x" + n;
    String hostileRole = "r'); DROP ROLE admin; --\"; x" + n;
    String hostilePassword = "p'; DROP ROLE admin; --\"$$ \\";
    try (Connection c = pg.connect("postgres", pg.adminUser(), pg.adminPassword())) {
      // the server quotes: the rendered text holds the values only inside quotes
      assertThat(SqlStatement.createRole(hostileRole).render(c))
          .isEqualTo("CREATE ROLE \"r'); DROP ROLE admin; --\"\"; x" + n + "\" WITH LOGIN");
      assertThat(SqlStatement.dropDatabase(hostileDb, true).render(c))
          .isEqualTo("DROP DATABASE IF EXISTS \"db\"\"; DROP ROLE admin; --'x" + n + "\" WITH (FORCE)");
    }
    ProvisionState state = provisioner.ensureNamed(hostileDb, hostileRole, hostilePassword);
    assertThat(state.ready()).as(state.toString()).isTrue();
    assertThat(state.message()).doesNotContain(hostilePassword);
    assertThat(provisioner.ensureNamed(hostileDb, hostileRole, hostilePassword).ready()).isTrue();
    assertThat(query("SELECT count(*)::text FROM pg_roles WHERE rolname = ?", pg.adminUser())).isEqualTo("1");
    assertThat(query("SELECT count(*)::text FROM pg_roles WHERE rolname = ?", hostileRole)).isEqualTo("1");
    assertThat(query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?", hostileDb)).isEqualTo(hostileRole);
    try (Connection c = pg.connect(hostileDb, hostileRole, hostilePassword); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user, current_database()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(hostileRole);
      assertThat(rs.getString(2)).isEqualTo(hostileDb);
    }
    // the whole flow with a hostile password, through the public API
    DatabaseRequest request = request("shop", "test", hostilePassword);
    assertThat(provisioner.ensure(request).ready()).isTrue();
    String db = SharedPostgresProvisioner.databaseName(request.namespace(), request.project(), request.environment());
    String role = SharedPostgresProvisioner.roleName(request.namespace(), request.project(), request.environment());
    pg.connect(db, role, hostilePassword).close();

    DeletionState deleted = provisioner.deleteNamed(hostileDb, hostileRole, DeletionPolicy.Delete, hostilePassword);
    assertThat(deleted).isEqualTo(new DeletionState(true, "Deleted", deleted.message()));
    assertThat(query("SELECT count(*)::text FROM pg_roles WHERE rolname = ?", hostileRole)).isEqualTo("0");
    assertThat(query("SELECT count(*)::text FROM pg_database WHERE datname = ?", hostileDb)).isEqualTo("0");
    assertThat(query("SELECT count(*)::text FROM pg_roles WHERE rolname = ?", pg.adminUser())).isEqualTo("1");
  }

  @Test
  void aNewPasswordReplacesTheOldOne() throws Exception {
    DatabaseRequest old = request("shop", "test", "old-" + UUID.randomUUID());
    ProvisionState state = provisioner.ensure(old);
    assertThat(state.ready()).isTrue();
    DatabaseEndpoint e = state.endpoint();
    pg.connect(e.database(), e.username(), old.password()).close();
    DatabaseRequest rotated = new DatabaseRequest(old.namespace(), old.project(), old.environment(), old.ownerUid(), old.stage(),
        old.version(), null, null, "new-" + UUID.randomUUID());
    ProvisionState after = provisioner.ensure(rotated);
    assertThat(after.ready()).isTrue();
    assertThat(after.message()).doesNotContain(old.password()).doesNotContain(rotated.password());
    assertThatThrownBy(() -> pg.connect(e.database(), e.username(), old.password()).close())
        .isInstanceOfSatisfying(SQLException.class, ex -> assertThat(ex.getSQLState()).isEqualTo("28P01"));
    pg.connect(e.database(), e.username(), rotated.password()).close();
  }

  @Test
  void aQuietEnsureLooksButChangesNothingAndNoPasswordReachesTheServerLog() throws Exception {
    DatabaseRequest request = request("shop", "test", "pw-quiet-" + UUID.randomUUID());
    String log = pg.logFile().toString();
    assertThat(provisioner.ensure(request).ready()).isTrue();
    long mark = java.nio.file.Files.size(pg.logFile());

    ProvisionState again = provisioner.ensure(request);
    assertThat(again.ready()).isTrue();
    assertThat(again.passwordApplied()).isTrue();
    String since = pg.log().substring((int) mark);
    assertThat(statements(since)).as("statements of a quiet ensure (" + log + ")").anySatisfy(st -> assertThat(st).startsWith("SELECT"));
    assertThat(ddl(since)).as("DDL of a quiet ensure").isEmpty();

    // Drift made by hand is found and only it is put right: PUBLIC regains CONNECT, the password changes.
    String db = SharedPostgresProvisioner.databaseName(request.namespace(), request.project(), request.environment());
    String role = SharedPostgresProvisioner.roleName(request.namespace(), request.project(), request.environment());
    try (Connection c = pg.connect("postgres", pg.adminUser(), pg.adminPassword()); Statement s = c.createStatement()) {
      s.execute("GRANT CONNECT ON DATABASE \"" + db + "\" TO PUBLIC");
      s.execute("ALTER ROLE \"" + role + "\" PASSWORD 'changed-by-hand'");
    }
    mark = java.nio.file.Files.size(pg.logFile());
    assertThat(provisioner.ensure(request).ready()).isTrue();
    since = pg.log().substring((int) mark);
    assertThat(ddl(since)).hasSize(2).anySatisfy(l -> assertThat(l).contains("REVOKE ALL ON DATABASE"))
        .anySatisfy(l -> assertThat(l).contains("ALTER USER").contains("SCRAM-SHA-256$"));
    pg.connect(db, role, request.password()).close();

    // The password went to the server only as a SCRAM verifier: no statement, parameter or error shows it.
    assertThat(pg.log()).doesNotContain(request.password());
  }

  private static final java.util.regex.Pattern LOGGED = java.util.regex.Pattern.compile("LOG:\\s+(?:statement|execute [^:]*): (.*)");

  /** The statements in a piece of server log (simple and extended protocol). */
  private static java.util.List<String> statements(String log) {
    return log.lines().map(LOGGED::matcher).filter(java.util.regex.Matcher::find).map(m -> m.group(1).trim()).toList();
  }

  /** The DDL statements in a piece of server log. */
  private static java.util.List<String> ddl(String log) {
    return statements(log).stream().filter(st -> st.matches("(?is)(CREATE|ALTER|DROP|GRANT|REVOKE)\\b.*")).toList();
  }

  @Test
  void deleteTerminatesConnectionsAndDropsDatabaseAndRole() throws Exception {
    DatabaseRequest request = request("shop", "test", "pw-" + UUID.randomUUID());
    DatabaseEndpoint e = provisioner.ensure(request).endpoint();
    try (Connection open = pg.connect(e.database(), e.username(), request.password());
        Connection second = pg.connect(e.database(), e.username(), request.password())) {
      DeletionState state = provisioner.delete(request, DeletionPolicy.Delete);
      assertThat(state.done()).as(state.toString()).isTrue();
      assertThat(state.reason()).isEqualTo("Deleted");
      assertThat(state.message()).doesNotContain(request.password()).doesNotContain(pg.adminPassword());
      assertThatThrownBy(() -> {
        try (Statement s = open.createStatement()) {
          s.execute("SELECT 1");
        }
      }).isInstanceOf(SQLException.class);
    }
    assertThat(query("SELECT count(*)::text FROM pg_database WHERE datname = ?", e.database())).isEqualTo("0");
    assertThat(query("SELECT count(*)::text FROM pg_roles WHERE rolname = ?", e.username())).isEqualTo("0");
    // again: nothing left, still done
    assertThat(provisioner.delete(request, DeletionPolicy.Delete).reason()).isEqualTo("Deleted");
    // and the environment can come back
    assertThat(provisioner.ensure(request).ready()).isTrue();
    pg.connect(e.database(), e.username(), request.password()).close();
  }

  @Test
  void retainAndSnapshotKeepEverything() throws Exception {
    DatabaseRequest request = request("shop", "live", "pw-" + UUID.randomUUID());
    DatabaseEndpoint e = provisioner.ensure(request).endpoint();
    try (Connection c = pg.connect(e.database(), e.username(), request.password()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE kept (id int)");
    }
    DeletionState retained = provisioner.delete(request, DeletionPolicy.Retain);
    assertThat(retained.done()).isTrue();
    assertThat(retained.reason()).isEqualTo("Retained");
    assertThat(retained.message()).contains(e.database()).contains("kept").doesNotContain(request.password());
    DeletionState snapshot = provisioner.delete(request, DeletionPolicy.Snapshot);
    assertThat(snapshot).isEqualTo(new DeletionState(true, "Retained",
        "shared servers have no snapshots: the database is kept (Snapshot acts as Retain)"));
    try (Connection c = pg.connect(e.database(), e.username(), request.password()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM kept")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  @Test
  void aNonSuperuserAdministratorWithCreateroleAndCreatedbWorks() throws Exception {
    String opsPassword = "ops-" + UUID.randomUUID();
    String ops = "ops" + COUNTER.incrementAndGet();
    try (Connection c = pg.connect("postgres", pg.adminUser(), pg.adminPassword())) {
      new SqlStatement("CREATE ROLE %I WITH LOGIN CREATEDB CREATEROLE PASSWORD %L", java.util.List.of(ops, opsPassword)).execute(c);
    }
    var limited = new SharedPostgresProvisioner(new AdminSettings(pg.host(), pg.port(), ops, opsPassword, "postgres", "disable"));
    DatabaseRequest request = request("shop", "test", "pw-" + UUID.randomUUID());
    ProvisionState state = limited.ensure(request);
    assertThat(state.ready()).as(state.toString()).isTrue();
    assertThat(limited.ensure(request).ready()).isTrue();
    try (Connection c = pg.connect(state.endpoint().database(), state.endpoint().username(), request.password())) {
      assertThat(c.isValid(2)).isTrue();
    }
    DeletionState deleted = limited.delete(request, DeletionPolicy.Delete);
    assertThat(deleted.reason()).as(deleted.toString()).isEqualTo("Deleted");
    assertThat(query("SELECT count(*)::text FROM pg_roles WHERE rolname = ?", state.endpoint().username())).isEqualTo("0");
  }

  @Test
  void errorsSayWhatFailedWithoutPasswords() throws Exception {
    DatabaseRequest request = request("shop", "test", "pw-" + UUID.randomUUID());
    String wrongAdminPassword = "wrong-" + UUID.randomUUID();
    var wrong = new SharedPostgresProvisioner(new AdminSettings(pg.host(), pg.port(), pg.adminUser(), wrongAdminPassword, "postgres", "disable"));
    ProvisionState denied = wrong.ensure(request);
    assertThat(denied.phase()).isEqualTo(ProvisionState.Phase.Failed);
    assertThat(denied.reason()).isEqualTo("PostgresError");
    assertThat(denied.message()).contains("28P01").doesNotContain(wrongAdminPassword).doesNotContain(request.password());
    DeletionState deniedDelete = wrong.delete(request, DeletionPolicy.Delete);
    assertThat(deniedDelete.done()).isFalse();
    assertThat(deniedDelete.reason()).isEqualTo("PostgresError");

    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    var nowhere = new SharedPostgresProvisioner(new AdminSettings("127.0.0.1", closedPort, "admin", "x-secret", "postgres", "disable"));
    Instant start = Instant.now();
    ProvisionState unreachable = nowhere.ensure(request);
    assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(10));
    assertThat(unreachable.phase()).isEqualTo(ProvisionState.Phase.Failed);
    assertThat(unreachable.reason()).isEqualTo("ServerUnreachable");
    assertThat(unreachable.message()).contains("127.0.0.1:" + closedPort).doesNotContain("x-secret").doesNotContain(request.password());
    assertThat(nowhere.delete(request, DeletionPolicy.Delete)).satisfies(d -> {
      assertThat(d.done()).isFalse();
      assertThat(d.reason()).isEqualTo("ServerUnreachable");
    });
    // a server error carrying the request's password (here: in an identifier) is scrubbed
    String password = "leak-" + UUID.randomUUID();
    ProvisionState leak = provisioner.ensureNamed("db" + COUNTER.incrementAndGet(), "pg_" + password, password);
    assertThat(leak.reason()).isEqualTo("PostgresError");
    assertThat(leak.message()).contains("42939").doesNotContain(password);
  }

  private static DatabaseRequest request(String project, String environment, String password) {
    String namespace = "team-" + COUNTER.incrementAndGet();
    return new DatabaseRequest(namespace, project, environment, UUID.randomUUID().toString(), Stage.defaultFor(environment), "16",
        null, null, password);
  }

  private static String query(String sql, String arg) throws SQLException {
    try (Connection c = pg.connect("postgres", pg.adminUser(), pg.adminPassword()); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }
}
