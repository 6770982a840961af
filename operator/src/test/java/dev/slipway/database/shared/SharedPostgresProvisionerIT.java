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
    // quoted in Java: the text holds the values only inside quotes, the round trip to the server is gone
    assertThat(SqlStatement.createRole(hostileRole).render())
        .isEqualTo("CREATE ROLE \"r'); DROP ROLE admin; --\"\"; x" + n + "\" WITH LOGIN");
    assertThat(SqlStatement.dropDatabase(hostileDb, true).render())
        .isEqualTo("DROP DATABASE IF EXISTS \"db\"\"; DROP ROLE admin; --'x" + n + "\" WITH (FORCE)");
    assertThat(new SqlStatement("COMMENT ON ROLE %I IS %L", java.util.List.of(hostileRole, hostilePassword)).render())
        .isEqualTo("COMMENT ON ROLE \"r'); DROP ROLE admin; --\"\"; x" + n + "\" IS E'p''; DROP ROLE admin; --\"$$ \\\\'");
    var hostile = new SharedPostgresProvisioner(pg.adminSettings(), r -> new SharedPostgresProvisioner.Names(hostileDb, hostileRole));
    DatabaseRequest hostileRequest = request("shop", "hostile", hostilePassword);
    ProvisionState state = hostile.ensure(hostileRequest);
    assertThat(state.ready()).as(state.toString()).isTrue();
    assertThat(state.message()).doesNotContain(hostilePassword);
    assertThat(hostile.ensure(hostileRequest).ready()).isTrue();
    assertThat(query("SELECT count(*)::text FROM pg_roles WHERE rolname = ?", pg.adminUser())).isEqualTo("1");
    assertThat(query("SELECT count(*)::text FROM pg_roles WHERE rolname = ?", hostileRole)).isEqualTo("1");
    assertThat(query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?", hostileDb)).isEqualTo(hostileRole);
    try (Connection c = pg.connect(hostileDb, hostileRole, hostilePassword); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user, current_database()")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(hostileRole);
      assertThat(rs.getString(2)).isEqualTo(hostileDb);
    }
    // a literal that means the same whatever standard_conforming_strings says
    try (Connection c = pg.connect("postgres", pg.adminUser(), pg.adminPassword()); Statement s = c.createStatement()) {
      for (String conforming : new String[] {"on", "off"}) {
        s.execute("SET standard_conforming_strings = " + conforming);
        try (ResultSet rs = s.executeQuery("SELECT " + new SqlStatement("%L", java.util.List.of(hostilePassword)).render())) {
          rs.next();
          assertThat(rs.getString(1)).isEqualTo(hostilePassword);
        }
      }
    }
    assertThatThrownBy(() -> SqlStatement.createRole("nul\0role").render())
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22021"));
    // the whole flow with a hostile password, through the public API
    DatabaseRequest request = request("shop", "test", hostilePassword);
    assertThat(provisioner.ensure(request).ready()).isTrue();
    String db = SharedPostgresProvisioner.databaseName(request.namespace(), request.project(), request.environment());
    String role = SharedPostgresProvisioner.roleName(request.namespace(), request.project(), request.environment());
    pg.connect(db, role, hostilePassword).close();

    DeletionState deleted = hostile.delete(hostileRequest, DeletionPolicy.Delete);
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
      // PUBLIC may no longer connect to the maintenance database: an administrator that does not own it is granted CONNECT by name
      new SqlStatement("GRANT CONNECT ON DATABASE postgres TO %I", java.util.List.of(ops)).execute(c);
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
    String leakDb = "db" + COUNTER.incrementAndGet();
    ProvisionState leak = new SharedPostgresProvisioner(pg.adminSettings(),
        r -> new SharedPostgresProvisioner.Names(leakDb, "pg_" + password)).ensure(request("shop", "leak", password));
    assertThat(leak.reason()).isEqualTo("PostgresError");
    assertThat(leak.message()).contains("42939").doesNotContain(password);
  }

  /**
   * A tenant who may create functions in schema public of the maintenance database (PostgreSQL
   * 14's default; here granted as someone might) defines public.format(text, text), an exact match
   * that wins over pg_catalog.format, meant to make its own role superuser when the administrator
   * calls it. The next provisioning runs none of it, and the maintenance database and template1 are
   * closed to tenants afterwards.
   */
  @Test
  void aTenantsFunctionInTheMaintenanceDatabaseNeverRunsAsTheAdministrator() throws Exception {
    DatabaseRequest tenant = request("shop", "test", "pw-tenant-" + UUID.randomUUID());
    assertThat(provisioner.ensure(tenant).ready()).isTrue();
    String tenantRole = SharedPostgresProvisioner.roleName(tenant.namespace(), tenant.project(), tenant.environment());
    admin("postgres", "GRANT CONNECT, TEMPORARY ON DATABASE postgres TO PUBLIC", "GRANT CREATE ON SCHEMA public TO PUBLIC",
        "GRANT CONNECT ON DATABASE template1 TO PUBLIC");
    try {
      try (Connection c = pg.connect("postgres", tenantRole, tenant.password()); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE public.tenant_code_ran (who text, args int)");
        s.execute("GRANT INSERT ON public.tenant_code_ran TO PUBLIC");
        for (String args : new String[] {"text, text", "text, text, text", "text", "name, name"}) {
          int count = args.split(",").length;
          s.execute("CREATE FUNCTION public.format(" + args + ") RETURNS text LANGUAGE plpgsql AS $f$ BEGIN"
              + " INSERT INTO public.tenant_code_ran VALUES (current_user, " + count + ");"
              + " EXECUTE 'ALTER ROLE " + tenantRole.replace("\"", "\"\"") + " SUPERUSER';"
              + " RETURN pg_catalog.format($1" + (count > 1 ? ", $2" : "") + (count > 2 ? ", $3" : "") + "); END $f$");
        }
        s.execute("CREATE FUNCTION public.shobj_description(oid, text) RETURNS text LANGUAGE sql"
            + " AS $f$ INSERT INTO public.tenant_code_ran VALUES (current_user, -1) RETURNING 'x' $f$");
      }
      DatabaseRequest next = request("shop", "live", "pw-next-" + UUID.randomUUID());
      ProvisionState state = provisioner.ensure(next);
      assertThat(state.ready()).as(state.toString()).isTrue();
      assertThat(provisioner.ensure(tenant).ready()).isTrue();

      assertThat(query("SELECT rolsuper::text FROM pg_roles WHERE rolname = ?", tenantRole)).isEqualTo("false");
      assertThat(query("SELECT count(*)::text FROM public.tenant_code_ran WHERE ? IS NOT NULL", "all")).as("rows of the tenant's code")
          .isEqualTo("0");
      // tenants are out of the maintenance database and template1; named roles and the administrator are not
      assertThatThrownBy(() -> pg.connect("postgres", tenantRole, tenant.password()).close())
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
      assertThatThrownBy(() -> pg.connect("template1", tenantRole, tenant.password()).close())
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
      assertThat(query("SELECT has_schema_privilege(?, 'public', 'CREATE')::text", "public")).isEqualTo("false");
      pg.connect("postgres", pg.adminUser(), pg.adminPassword()).close();
      // the administrator's search_path is pinned from the start, over a setting for its role
      admin("postgres", "ALTER ROLE " + pg.adminUser() + " IN DATABASE postgres SET search_path = public, pg_catalog");
      try (Connection c = provisioner.connectAdmin(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW search_path")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(SharedPostgresProvisioner.ADMIN_SEARCH_PATH);
      } finally {
        admin("postgres", "ALTER ROLE " + pg.adminUser() + " IN DATABASE postgres RESET search_path");
      }
      // its own database still works
      pg.connect(SharedPostgresProvisioner.databaseName(tenant.namespace(), tenant.project(), tenant.environment()), tenantRole,
          tenant.password()).close();
    } finally {
      admin("postgres", "DROP TABLE IF EXISTS public.tenant_code_ran", "DROP FUNCTION IF EXISTS public.format(text, text)",
          "DROP FUNCTION IF EXISTS public.format(text, text, text)", "DROP FUNCTION IF EXISTS public.format(text)",
          "DROP FUNCTION IF EXISTS public.format(name, name)", "DROP FUNCTION IF EXISTS public.shobj_description(oid, text)",
          "ALTER ROLE \"" + tenantRole + "\" NOSUPERUSER");
    }
  }

  /**
   * Two environments whose names came out the same (the readable part and the hash): the second
   * is refused with NameConflict and the first keeps its password, database and data; deleting the
   * second leaves the first's alone.
   */
  @Test
  void aCollidingNameNeverTouchesTheOtherTenantsRoleOrDatabase() throws Exception {
    int n = COUNTER.incrementAndGet();
    var collide = new SharedPostgresProvisioner(pg.adminSettings(),
        r -> new SharedPostgresProvisioner.Names("collide_db_" + n, "collide_role_" + n));
    DatabaseRequest first = request("shop", "test", "pw-first-" + UUID.randomUUID());
    DatabaseRequest second = request("shop", "test", "pw-second-" + UUID.randomUUID());
    assertThat(collide.ensure(first).ready()).isTrue();
    try (Connection c = pg.connect("collide_db_" + n, "collide_role_" + n, first.password()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE mine (v text)");
      s.execute("INSERT INTO mine VALUES ('first')");
    }
    assertThat(query("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = ?", "collide_role_" + n))
        .isEqualTo("slipway.dev/owner-uid=" + first.ownerUid() + " slipway.dev/environment=" + first.namespace() + "/shop/test");
    assertThat(query("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?", "collide_db_" + n))
        .isEqualTo("slipway.dev/owner-uid=" + first.ownerUid() + " slipway.dev/environment=" + first.namespace() + "/shop/test");

    ProvisionState refused = collide.ensure(second);
    assertThat(refused.phase()).isEqualTo(ProvisionState.Phase.Refused);
    assertThat(refused.reason()).isEqualTo("NameConflict");
    assertThat(refused.endpoint()).isNull();
    assertThat(refused.message()).contains("collide_role_" + n).contains("another Environment's")
        .doesNotContain(first.ownerUid()).doesNotContain(first.namespace()).doesNotContain(first.password())
        .doesNotContain(second.password());
    // the same again, and a deletion of the second: nothing of the first's changes
    assertThat(collide.ensure(second).reason()).isEqualTo("NameConflict");
    DeletionState deleted = collide.delete(second, DeletionPolicy.Delete);
    assertThat(deleted.done()).isTrue();
    assertThat(deleted.message()).contains("left untouched");
    DeletionState retained = collide.delete(second, DeletionPolicy.Retain);
    assertThat(retained.done()).isTrue();
    try (Connection c = pg.connect("collide_db_" + n, "collide_role_" + n, first.password()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT v FROM mine")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("first");
    }
    assertThatThrownBy(() -> pg.connect("collide_db_" + n, "collide_role_" + n, second.password()).close())
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
    assertThat(query("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = ?", "collide_role_" + n))
        .startsWith("slipway.dev/owner-uid=" + first.ownerUid());

    // Only the database collides (the roles differ): refused all the same, before the database is given to anyone.
    var dbOnly = new SharedPostgresProvisioner(pg.adminSettings(),
        r -> new SharedPostgresProvisioner.Names("collide_db_" + n, "other_role_" + n));
    ProvisionState dbRefused = dbOnly.ensure(second);
    assertThat(dbRefused.reason()).isEqualTo("NameConflict");
    assertThat(dbRefused.message()).contains("database collide_db_" + n);
    assertThat(query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?", "collide_db_" + n)).isEqualTo("collide_role_" + n);
    pg.connect("collide_db_" + n, "collide_role_" + n, first.password()).close();
  }

  /**
   * Roles and databases made before owner records existed have no comment: one is taken over (and
   * recorded) when it accepts the environment's stored password; one that does not is refused,
   * its password kept, with the statement that records it by hand.
   */
  @Test
  void objectsFromBeforeOwnerRecordsAreTakenOverOnlyWithTheStoredPassword() throws Exception {
    int n = COUNTER.incrementAndGet();
    DatabaseRequest legacy = request("shop", "test", "pw-legacy-" + UUID.randomUUID());
    String role = "legacy_role_" + n;
    String db = "legacy_db_" + n;
    admin("postgres", new SqlStatement("CREATE ROLE %I WITH LOGIN PASSWORD %L", java.util.List.of(role, legacy.password())).render(),
        "CREATE DATABASE " + db + " OWNER " + role, "REVOKE ALL ON DATABASE " + db + " FROM PUBLIC");
    var named = new SharedPostgresProvisioner(pg.adminSettings(), r -> new SharedPostgresProvisioner.Names(db, role));
    ProvisionState adopted = named.ensure(legacy);
    assertThat(adopted.ready()).as(adopted.toString()).isTrue();
    assertThat(query("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = ?", role))
        .startsWith("slipway.dev/owner-uid=" + legacy.ownerUid());
    assertThat(query("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?", db))
        .startsWith("slipway.dev/owner-uid=" + legacy.ownerUid());
    pg.connect(db, role, legacy.password()).close();

    String theirs = "pw-theirs-" + UUID.randomUUID();
    String otherRole = "legacy_other_" + n;
    String otherDb = "legacy_other_db_" + n;
    admin("postgres", new SqlStatement("CREATE ROLE %I WITH LOGIN PASSWORD %L", java.util.List.of(otherRole, theirs)).render(),
        "CREATE DATABASE " + otherDb + " OWNER " + otherRole);
    var clash = new SharedPostgresProvisioner(pg.adminSettings(), r -> new SharedPostgresProvisioner.Names(otherDb, otherRole));
    DatabaseRequest newcomer = request("shop", "test", "pw-newcomer-" + UUID.randomUUID());
    ProvisionState refused = clash.ensure(newcomer);
    assertThat(refused.reason()).isEqualTo("NameConflict");
    assertThat(refused.message()).contains("has no owner record").contains("COMMENT ON ROLE")
        .contains(newcomer.ownerUid()).doesNotContain(theirs).doesNotContain(newcomer.password());
    pg.connect(otherDb, otherRole, theirs).close();
    assertThat(query("SELECT coalesce(shobj_description(oid, 'pg_authid'), 'none') FROM pg_roles WHERE rolname = ?", otherRole))
        .isEqualTo("none");
    assertThat(clash.delete(newcomer, DeletionPolicy.Delete).done()).isTrue();
    assertThat(query("SELECT count(*)::text FROM pg_database WHERE datname = ?", otherDb)).isEqualTo("1");
  }

  /**
   * Retain releases the role and database: an Environment of the same namespace, project and
   * environment (a new uid) takes them back with their data; a colliding other one does not.
   */
  @Test
  void retainedObjectsGoBackToTheSameEnvironmentOnly() throws Exception {
    DatabaseRequest before = request("shop", "live", "pw-before-" + UUID.randomUUID());
    DatabaseEndpoint e = provisioner.ensure(before).endpoint();
    try (Connection c = pg.connect(e.database(), e.username(), before.password()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE kept (v text)");
      s.execute("INSERT INTO kept VALUES ('kept')");
    }
    assertThat(provisioner.delete(before, DeletionPolicy.Snapshot).reason()).isEqualTo("Retained");
    assertThat(query("SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = ?", e.username()))
        .isEqualTo("slipway.dev/released-by=" + before.ownerUid() + " slipway.dev/environment=" + before.namespace() + "/shop/live");

    var collide = new SharedPostgresProvisioner(pg.adminSettings(),
        r -> new SharedPostgresProvisioner.Names(e.database(), e.username()));
    DatabaseRequest stranger = request("shop", "live", "pw-stranger-" + UUID.randomUUID());
    assertThat(collide.ensure(stranger).reason()).isEqualTo("NameConflict");

    DatabaseRequest again = new DatabaseRequest(before.namespace(), "shop", "live", UUID.randomUUID().toString(), before.stage(), "16",
        null, null, "pw-again-" + UUID.randomUUID());
    ProvisionState back = provisioner.ensure(again);
    assertThat(back.ready()).as(back.toString()).isTrue();
    try (Connection c = pg.connect(e.database(), e.username(), again.password()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("kept");
    }
    assertThat(query("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?", e.database()))
        .startsWith("slipway.dev/owner-uid=" + again.ownerUid());
  }

  private static void admin(String database, String... statements) throws SQLException {
    try (Connection c = pg.connect(database, pg.adminUser(), pg.adminPassword()); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
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
