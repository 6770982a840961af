package dev.slipway.database.shared;

import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.database.DatabaseEndpoint;
import dev.slipway.database.DatabaseProvisioner;
import dev.slipway.database.DatabaseRequest;
import dev.slipway.database.DeletionState;
import dev.slipway.database.ProvisionState;
import dev.slipway.database.ProvisionState.Phase;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.Supplier;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Databases on a shared Postgres server: one database and one login role per environment, the
 * role owning its database, CONNECT taken from PUBLIC so no other environment's role gets in.
 * Every call opens one short administrator connection (connect timeout 5 s, socket timeout 15 s,
 * statement timeout 10 s, {@code search_path} pinned to {@code pg_catalog, pg_temp} from its
 * start), looks at the catalog and logs in once as the role, changes only what differs and
 * returns: a database that is as it should be gets no DDL. Passwords are set with {@code
 * PGConnection.alterUserPassword} (a SCRAM verifier), never as statement text, so a server
 * logging every statement never logs one. Callers run it off the reconcile threads.
 *
 * <p>Names come from {@link #databaseName} and {@link #roleName}; a name is only a hash apart
 * from another tenant's, so each role and database carries an {@link OwnerRecord} (its comment)
 * and one recorded as another Environment's is never touched: no password, no grant, no drop
 * ({@code NameConflict}). Identifiers and literals are quoted in Java ({@link SqlStatement}).
 * Passwords never appear in messages: the request's and the administrator's are replaced with
 * {@code ***}.
 */
public final class SharedPostgresProvisioner implements DatabaseProvisioner {

  static final int MAX_IDENTIFIER_BYTES = 63;
  static final int HASH_CHARS = 10;
  static final String ROLE_SUFFIX = "_app";
  static final String SNAPSHOT_MESSAGE = "shared servers have no snapshots: the database is kept (Snapshot acts as Retain)";
  /** No function or relation a tenant defines in any schema is found by the admin's statements. */
  static final String ADMIN_SEARCH_PATH = "pg_catalog,pg_temp";

  private static final Logger log = LoggerFactory.getLogger(SharedPostgresProvisioner.class);
  private static final int CONNECT_TIMEOUT_SECONDS = 5;
  private static final int SOCKET_TIMEOUT_SECONDS = 15;
  private static final int STATEMENT_TIMEOUT_MILLIS = 10_000;

  /** The database and role of one environment. */
  public record Names(String database, String role) {}

  private final AdminSettings admin;
  private final Function<DatabaseRequest, Names> naming;

  public SharedPostgresProvisioner(AdminSettings admin) {
    this(admin, r -> new Names(databaseName(r.namespace(), r.project(), r.environment()),
        roleName(r.namespace(), r.project(), r.environment())));
  }

  /** With other names for requests (tests: hostile names, names made to collide). */
  SharedPostgresProvisioner(AdminSettings admin, Function<DatabaseRequest, Names> naming) {
    this.admin = Objects.requireNonNull(admin, "admin");
    this.naming = Objects.requireNonNull(naming, "naming");
  }

  /**
   * The database of an environment: {@code <namespace>_<project>_<environment>} lower-cased, every
   * character outside [a-z0-9_] replaced by {@code _}, prefixed with {@code s_} unless it starts
   * with a letter, cut so that with {@code _<10 hex of SHA-256 of the three parts>} it fits in 63
   * bytes. The hash keeps names apart that the cleaning or the cut would merge; the owner record
   * keeps tenants apart should the hash collide too.
   */
  public static String databaseName(String namespace, String project, String environment) {
    return name(namespace, project, environment, "");
  }

  /** The environment's login role: like {@link #databaseName} with the suffix {@code _app}. */
  public static String roleName(String namespace, String project, String environment) {
    return name(namespace, project, environment, ROLE_SUFFIX);
  }

  private static String name(String namespace, String project, String environment, String suffix) {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(project, "project");
    Objects.requireNonNull(environment, "environment");
    String hash = hash(namespace + '\0' + project + '\0' + environment);
    String stem = (namespace + "_" + project + "_" + environment).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    if (stem.isEmpty() || stem.charAt(0) < 'a' || stem.charAt(0) > 'z') {
      stem = "s_" + stem;
    }
    int room = MAX_IDENTIFIER_BYTES - 1 - HASH_CHARS - suffix.length();
    if (stem.length() > room) {
      stem = stem.substring(0, room);
    }
    return stem + "_" + hash + suffix;
  }

  private static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // ensure

  /**
   * Looks first and changes only what differs, so an environment whose database is as it should
   * be costs a few catalog reads and one login as the role, and no DDL.
   */
  @Override
  public ProvisionState ensure(DatabaseRequest request) {
    Names names = naming.apply(request);
    String database = names.database();
    String role = names.role();
    String password = request.password();
    if (password == null || password.isEmpty()) {
      return new ProvisionState(Phase.Failed, "InvalidRequest", "the request has no password for role " + role, database, null);
    }
    OwnerRecord ours = OwnerRecord.owned(request.ownerUid(),
        OwnerRecord.environmentOf(request.namespace(), request.project(), request.environment()));
    List<String> changed = new ArrayList<>();
    try (Connection c = connectAdmin()) {
      Login login = null;
      ServerCatalog.Role found = ServerCatalog.role(c, role);
      if (found == null) {
        found = createRole(c, role, ours, password, changed);
        if (found == null) {
          login = Login.ACCEPTED; // created with this password just now
        }
      }
      if (found != null) {
        Claim claim = claimRole(c, role, found, ours, () -> login(database, role, password), database);
        if (claim.refusal() != null) {
          return conflict(database, "role " + role, claim.refusal(), ours);
        }
        login = claim.login();
        if (claim.adopt()) {
          SqlStatement.commentOnRole(role, ours.comment()).execute(c);
          changed.add("recorded the role as this environment's");
        }
        if (!found.canLogin()) {
          SqlStatement.enableLogin(role).execute(c);
          changed.add("enabled login");
        }
      }
      if (!ServerCatalog.isSuperuserOrMember(c, role)) {
        SqlStatement.grantRoleToCurrentUser(role).execute(c);
        changed.add("granted the role to the administrator");
      }
      ServerCatalog.Database db = ServerCatalog.database(c, database);
      if (db == null) {
        db = createDatabase(c, database, role, ours, changed);
      }
      String refusal = claimDatabase(c, db, role, ours);
      if (refusal != null) {
        return conflict(database, "database " + database, refusal, ours);
      }
      if (!ours.comment().equals(db.comment())) {
        SqlStatement.commentOnDatabase(database, ours.comment()).execute(c);
        changed.add("recorded the database as this environment's");
      }
      if (!role.equals(db.owner())) {
        SqlStatement.alterDatabaseOwner(database, role).execute(c);
        changed.add("gave the database to the role");
      }
      if (ServerCatalog.holdsDatabasePrivileges(c, database, null)) {
        SqlStatement.revokeAllFromPublic(database).execute(c);
        changed.add("revoked PUBLIC's access");
      }
      if (!ServerCatalog.mayConnect(c, database, role)) {
        SqlStatement.grantConnect(database, role).execute(c);
        changed.add("granted CONNECT");
      }
      AdminDatabaseLockdown.apply(c, role, changed);
      if (login == null) {
        login = login(database, role, password);
      }
      if (login == Login.REJECTED) {
        setPassword(c, role, password);
        changed.add("set the stored password");
      }
      // UNKNOWN: the server would not say (for example pg_hba rules for this host); leave it
      if (!changed.isEmpty()) {
        log.info("shared database {} on {}:{}: {}", database, admin.host(), admin.port(), String.join(", ", changed));
      }
      DatabaseEndpoint endpoint = new DatabaseEndpoint(admin.host(), admin.port(), database, role, admin.requireTls());
      return new ProvisionState(Phase.Ready, "Available",
          "database " + database + " owned by role " + role + " on " + admin.host() + ":" + admin.port(), database, endpoint, true);
    } catch (SQLException e) {
      return failed(e, database, password);
    }
  }

  /**
   * Creates the role with its owner record and password in one transaction, so a crash leaves
   * either nothing or a role recorded as this environment's with the stored password. Null when
   * created; the role as found when another call created it a moment before.
   */
  private static ServerCatalog.Role createRole(Connection c, String role, OwnerRecord ours, String password, List<String> changed)
      throws SQLException {
    c.setAutoCommit(false);
    try {
      SqlStatement.createRole(role).execute(c);
      SqlStatement.commentOnRole(role, ours.comment()).execute(c);
      setPassword(c, role, password);
      c.commit();
      changed.add("created role");
      return null;
    } catch (SQLException e) {
      c.rollback();
      if (!"42710".equals(e.getSQLState())) { // duplicate_object: created concurrently
        throw e;
      }
      return ServerCatalog.role(c, role);
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** Creates the database (CREATE DATABASE runs outside a transaction); the record follows, see {@link #claimDatabase}. */
  private static ServerCatalog.Database createDatabase(Connection c, String database, String role, OwnerRecord ours,
      List<String> changed) throws SQLException {
    try {
      SqlStatement.createDatabase(database, role).execute(c);
      changed.add("created database");
    } catch (SQLException e) {
      if (!"42P04".equals(e.getSQLState())) { // duplicate_database: created concurrently
        throw e;
      }
    }
    ServerCatalog.Database db = ServerCatalog.database(c, database);
    if (db == null) {
      throw new SQLException("database " + database + " vanished right after it was created", "3D000");
    }
    return db;
  }

  /** What the provisioner may do with a role found under the environment's name. */
  private record Claim(String refusal, boolean adopt, Login login) {}

  /**
   * A role found under this environment's name: ours when its record names this Environment;
   * taken over when it was released (Retain) by an Environment of the same namespace, project and
   * environment; taken over without a record (made before records existed) only when it accepts
   * this Environment's stored password, or, when the server does not say, when it is a plain
   * login role whose database (if any) it owns. Anything else belongs to someone else.
   */
  private static Claim claimRole(Connection c, String name, ServerCatalog.Role role, OwnerRecord ours, Supplier<Login> login,
      String database) throws SQLException {
    OwnerRecord record = OwnerRecord.parse(role.comment());
    if (record != null) {
      if (record.ownedBy(ours.ownerUid())) {
        return new Claim(null, !ours.comment().equals(role.comment()), null);
      }
      if (record.releasedFor(ours.environment())) {
        return new Claim(null, true, null);
      }
      return new Claim(notOurs(record), false, null);
    }
    Login answer = login.get();
    if (answer == Login.ACCEPTED) {
      return new Claim(null, true, answer);
    }
    if (answer == Login.UNKNOWN && role.plainLogin()) {
      ServerCatalog.Database db = ServerCatalog.database(c, database);
      if (db == null || name.equals(db.owner())) {
        return new Claim(null, true, answer);
      }
    }
    return new Claim("has no owner record and " + (answer == Login.REJECTED
        ? "does not accept this Environment's stored password" : "cannot be shown to be this Environment's"), false, answer);
  }

  private static String notOurs(OwnerRecord record) {
    return record.ownerUid() != null || record.releasedBy() != null
        ? "is recorded as another Environment's" : "carries a comment that is not a Slipway owner record";
  }

  /**
   * A database found under this environment's name: ours when its record names this Environment,
   * or it was released for this environment; without a record when it is owned by this
   * environment's role or by the administrator. Null when ours, else why not.
   */
  private static String claimDatabase(Connection c, ServerCatalog.Database db, String role, OwnerRecord ours) throws SQLException {
    OwnerRecord record = OwnerRecord.parse(db.comment());
    if (record != null) {
      if (record.ownedBy(ours.ownerUid()) || record.releasedFor(ours.environment())) {
        return null;
      }
      return notOurs(record);
    }
    if (role.equals(db.owner()) || ServerCatalog.currentUser(c).equals(db.owner())) {
      return null;
    }
    return "has no owner record and is owned by another role";
  }

  /**
   * The refusal: names this environment's own object and why, never whose it is. Where the object
   * has no record, says how the platform team records it as this environment's.
   */
  private ProvisionState conflict(String database, String what, String why, OwnerRecord ours) {
    log.warn("shared server {}:{}: {} {}; left untouched", admin.host(), admin.port(), what, why);
    String fix = why.startsWith("has no owner record")
        ? " If it is this environment's, the platform team records it: COMMENT ON " + (what.startsWith("role") ? "ROLE" : "DATABASE")
            + " <name> IS '" + ours.comment() + "'."
        : " Rename the project or the environment to get other names.";
    return new ProvisionState(Phase.Refused, "NameConflict",
        "name conflict: " + what + " on " + admin.host() + ":" + admin.port() + " " + why
            + "; Slipway leaves it untouched (no password, grant or drop)." + fix,
        database, null);
  }

  /** What a login as the role with the stored password says. */
  enum Login { ACCEPTED, REJECTED, UNKNOWN }

  Login login(String database, String role, String password) {
    Properties props = connectionProperties(role, password);
    try (Connection c = DriverManager.getConnection(url(database), props)) {
      return Login.ACCEPTED;
    } catch (SQLException e) {
      // 28P01 invalid_password; a role without a password fails the same way
      return "28P01".equals(e.getSQLState()) ? Login.REJECTED : Login.UNKNOWN;
    }
  }

  /** Sends only a SCRAM-SHA-256 verifier: the password is in no statement and no server log. */
  private static void setPassword(Connection c, String role, String password) throws SQLException {
    char[] chars = password.toCharArray();
    try {
      c.unwrap(PGConnection.class).alterUserPassword(role, chars, "scram-sha-256");
    } finally {
      java.util.Arrays.fill(chars, '\0');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // delete

  /**
   * Applies the policy to what is this Environment's only (its owner record says so): Delete
   * drops it, Retain and Snapshot keep it and release it (the record names no owner any more, so
   * an Environment of the same namespace, project and environment may take it again). What is
   * another's, or has no record, is left as it is.
   */
  @Override
  public DeletionState delete(DatabaseRequest request, DeletionPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    Names names = naming.apply(request);
    String database = names.database();
    String role = names.role();
    String where = admin.host() + ":" + admin.port();
    try (Connection c = connectAdmin()) {
      ServerCatalog.Role foundRole = ServerCatalog.role(c, role);
      ServerCatalog.Database foundDb = ServerCatalog.database(c, database);
      boolean roleOurs = foundRole != null && ownedBy(foundRole.comment(), request.ownerUid());
      boolean dbOurs = foundDb != null && ownedBy(foundDb.comment(), request.ownerUid());
      List<String> untouched = new ArrayList<>();
      if (foundRole != null && !roleOurs) {
        untouched.add("role " + role);
      }
      if (foundDb != null && !dbOurs) {
        untouched.add("database " + database);
      }
      String leftAlone = untouched.isEmpty() ? ""
          : "; " + String.join(" and ", untouched) + " not recorded as this environment's, left untouched";
      if (policy != DeletionPolicy.Delete) {
        OwnerRecord dbRecord = dbOurs ? OwnerRecord.parse(foundDb.comment()) : null;
        if (dbRecord != null && dbRecord.ownerUid() != null) {
          SqlStatement.commentOnDatabase(database, dbRecord.released().comment()).execute(c);
        }
        OwnerRecord roleRecord = roleOurs ? OwnerRecord.parse(foundRole.comment()) : null;
        if (roleRecord != null && roleRecord.ownerUid() != null) {
          SqlStatement.commentOnRole(role, roleRecord.released().comment()).execute(c);
        }
        String message = policy == DeletionPolicy.Snapshot ? SNAPSHOT_MESSAGE
            : "database " + database + " and role " + role + " are kept on " + where;
        return new DeletionState(true, "Retained", message + leftAlone);
      }
      if (roleOurs) {
        // no new sessions while we end the current ones
        SqlStatement.disableLogin(role).execute(c);
      }
      if (roleOurs || dbOurs) {
        ServerCatalog.terminateSessions(c, dbOurs ? database : null, roleOurs ? role : null);
      }
      if (dbOurs) {
        boolean force = c.getMetaData().getDatabaseMajorVersion() >= 13;
        SqlStatement.dropDatabase(database, force).execute(c);
      }
      if (roleOurs) {
        SqlStatement.dropRole(role).execute(c);
      }
      return new DeletionState(true, "Deleted", "database " + database + " and role " + role + " are deleted from " + where + leftAlone);
    } catch (SQLException e) {
      ProvisionState failed = failed(e, database, request.password());
      return new DeletionState(false, failed.reason(), failed.message());
    }
  }

  /** Owned by the Environment, or released by it on an earlier Retain and taken by nobody since. */
  private static boolean ownedBy(String comment, String uid) {
    OwnerRecord record = OwnerRecord.parse(comment);
    return record != null && (record.ownedBy(uid) || record.ownerUid() == null && uid != null && uid.equals(record.releasedBy()));
  }

  // ---------------------------------------------------------------------------------------------
  // connections and messages

  private ProvisionState failed(SQLException e, String database, String password) {
    String state = e.getSQLState();
    String message = scrub(String.valueOf(e.getMessage()), password);
    if (state != null && state.startsWith("08")) {
      return new ProvisionState(Phase.Failed, "ServerUnreachable",
          "cannot reach " + admin.host() + ":" + admin.port() + " (SQLState " + state + "): " + message, database, null);
    }
    return new ProvisionState(Phase.Failed, "PostgresError", "SQLState " + state + ": " + message, database, null);
  }

  /** The text with every occurrence of the request's and the administrator's password replaced by {@code ***}. */
  String scrub(String text, String password) {
    String result = text;
    for (String secret : new String[] {password, admin.password()}) {
      if (secret != null && !secret.isEmpty()) {
        result = result.replace(secret, "***");
      }
    }
    return result;
  }

  /**
   * The administrator's connection to the maintenance database. Its search_path is set in the
   * startup packet (it holds before the first statement and over any ALTER ROLE/DATABASE SET), so
   * a function a tenant defined in schema public there, such as a {@code public.format(text,
   * text)} that would win over pg_catalog's, is never what the administrator calls.
   */
  Connection connectAdmin() throws SQLException {
    Properties props = connectionProperties(admin.username(), admin.password());
    props.setProperty("options", props.getProperty("options") + " -c search_path=" + ADMIN_SEARCH_PATH);
    Connection c = DriverManager.getConnection(url(admin.maintenanceDatabase()), props);
    c.setAutoCommit(true); // CREATE/DROP DATABASE cannot run inside a transaction
    return c;
  }

  private Properties connectionProperties(String user, String password) {
    Properties props = new Properties();
    props.setProperty("user", user);
    props.setProperty("password", password);
    props.setProperty("sslmode", admin.sslMode());
    props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
    props.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS * 2));
    props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
    props.setProperty("ApplicationName", "slipway");
    props.setProperty("options", "-c statement_timeout=" + STATEMENT_TIMEOUT_MILLIS + " -c lock_timeout=" + STATEMENT_TIMEOUT_MILLIS / 2);
    return props;
  }

  private String url(String database) {
    String host = admin.host().contains(":") && !admin.host().startsWith("[") ? "[" + admin.host() + "]" : admin.host();
    return "jdbc:postgresql://" + host + ":" + admin.port() + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
