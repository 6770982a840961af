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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Databases on a shared Postgres server: one database and one login role per environment, the
 * role owning its database, CONNECT taken from PUBLIC so no other environment's role gets in.
 * Every call opens one short administrator connection (connect timeout 5 s, socket timeout 15 s,
 * statement timeout 10 s), looks at the catalog and logs in once as the role, changes only what
 * differs and returns: a database that is as it should be gets no DDL. Passwords are set with
 * {@code PGConnection.alterUserPassword} (a SCRAM verifier), never as statement text, so a server
 * logging every statement never logs one. Callers run it off the reconcile threads.
 *
 * <p>Names come from {@link #databaseName} and {@link #roleName}; all SQL quotes identifiers and
 * literals on the server ({@code format('%I', ?)}, see {@link SqlStatement}). Passwords never
 * appear in messages: the request's and the administrator's are replaced with {@code ***}.
 */
public final class SharedPostgresProvisioner implements DatabaseProvisioner {

  static final int MAX_IDENTIFIER_BYTES = 63;
  static final int HASH_CHARS = 10;
  static final String ROLE_SUFFIX = "_app";
  static final String SNAPSHOT_MESSAGE = "shared servers have no snapshots: the database is kept (Snapshot acts as Retain)";

  private static final Logger log = LoggerFactory.getLogger(SharedPostgresProvisioner.class);
  private static final int CONNECT_TIMEOUT_SECONDS = 5;
  private static final int SOCKET_TIMEOUT_SECONDS = 15;
  private static final int STATEMENT_TIMEOUT_MILLIS = 10_000;

  private final AdminSettings admin;

  public SharedPostgresProvisioner(AdminSettings admin) {
    this.admin = Objects.requireNonNull(admin, "admin");
  }

  /**
   * The database of an environment: {@code <namespace>_<project>_<environment>} lower-cased, every
   * character outside [a-z0-9_] replaced by {@code _}, prefixed with {@code s_} unless it starts
   * with a letter, cut so that with {@code _<10 hex of SHA-256 of the three parts>} it fits in 63
   * bytes. The hash keeps names apart that the cleaning or the cut would merge.
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

  @Override
  public ProvisionState ensure(DatabaseRequest request) {
    String database = databaseName(request.namespace(), request.project(), request.environment());
    String role = roleName(request.namespace(), request.project(), request.environment());
    return ensureNamed(database, role, request.password());
  }

  /**
   * {@link #ensure} for explicit names (package-private so tests can pass hostile ones). Looks
   * first and changes only what differs, so an environment whose database is as it should be
   * costs a few catalog reads and one login as the role, and no DDL.
   */
  ProvisionState ensureNamed(String database, String role, String password) {
    if (password == null || password.isEmpty()) {
      return new ProvisionState(Phase.Failed, "InvalidRequest", "the request has no password for role " + role, database, null);
    }
    List<String> changed = new ArrayList<>();
    try (Connection c = connectAdmin()) {
      Boolean canLogin = roleCanLogin(c, role);
      boolean passwordSet = false;
      if (canLogin == null) {
        try {
          SqlStatement.createRole(role).execute(c);
          changed.add("created role");
        } catch (SQLException e) {
          if (!"42710".equals(e.getSQLState())) { // duplicate_object: created concurrently
            throw e;
          }
        }
        setPassword(c, role, password);
        passwordSet = true;
      } else if (!canLogin) {
        SqlStatement.enableLogin(role).execute(c);
        changed.add("enabled login");
      }
      if (!isSuperuserOrMember(c, role)) {
        SqlStatement.grantRoleToCurrentUser(role).execute(c);
        changed.add("granted the role to the administrator");
      }
      String owner = databaseOwner(c, database);
      if (owner == null) {
        try {
          SqlStatement.createDatabase(database, role).execute(c);
          changed.add("created database");
          owner = role;
        } catch (SQLException e) {
          if (!"42P04".equals(e.getSQLState())) { // duplicate_database: created concurrently
            throw e;
          }
          owner = databaseOwner(c, database);
        }
      }
      if (!role.equals(owner)) {
        SqlStatement.alterDatabaseOwner(database, role).execute(c);
        changed.add("gave the database to the role");
      }
      if (publicHasPrivileges(c, database)) {
        SqlStatement.revokeAllFromPublic(database).execute(c);
        changed.add("revoked PUBLIC's access");
      }
      if (!roleMayConnect(c, database, role)) {
        SqlStatement.grantConnect(database, role).execute(c);
        changed.add("granted CONNECT");
      }
      if (!passwordSet) {
        switch (login(database, role, password)) {
          case REJECTED -> {
            setPassword(c, role, password);
            changed.add("set the stored password");
          }
          case ACCEPTED -> { }
          case UNKNOWN -> { } // the server would not say (for example pg_hba rules for this host); leave it
        }
      }
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

  @Override
  public DeletionState delete(DatabaseRequest request, DeletionPolicy policy) {
    String database = databaseName(request.namespace(), request.project(), request.environment());
    String role = roleName(request.namespace(), request.project(), request.environment());
    return deleteNamed(database, role, policy, request.password());
  }

  /** {@link #delete} for explicit names (package-private so tests can pass hostile ones). */
  DeletionState deleteNamed(String database, String role, DeletionPolicy policy, String password) {
    Objects.requireNonNull(policy, "policy");
    switch (policy) {
      case Retain:
        return new DeletionState(true, "Retained", "database " + database + " and role " + role + " are kept on "
            + admin.host() + ":" + admin.port());
      case Snapshot:
        return new DeletionState(true, "Retained", SNAPSHOT_MESSAGE);
      case Delete:
      default:
        break;
    }
    try (Connection c = connectAdmin()) {
      boolean roleExists = exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", role);
      if (roleExists) {
        // no new sessions while we end the current ones
        SqlStatement.disableLogin(role).execute(c);
      }
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
              + " WHERE (datname = ? OR usename = ?) AND pid <> pg_backend_pid()")) {
        ps.setString(1, database);
        ps.setString(2, role);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
        }
      }
      boolean force = c.getMetaData().getDatabaseMajorVersion() >= 13;
      SqlStatement.dropDatabase(database, force).execute(c);
      SqlStatement.dropRole(role).execute(c);
      return new DeletionState(true, "Deleted", "database " + database + " and role " + role + " are deleted from "
          + admin.host() + ":" + admin.port());
    } catch (SQLException e) {
      ProvisionState failed = failed(e, database, password);
      return new DeletionState(false, failed.reason(), failed.message());
    }
  }

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

  private Connection connectAdmin() throws SQLException {
    Connection c = DriverManager.getConnection(url(admin.maintenanceDatabase()), connectionProperties(admin.username(), admin.password()));
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

  /** Whether the role may log in; null when there is no such role. */
  private static Boolean roleCanLogin(Connection c, String role) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT rolcanlogin FROM pg_roles WHERE rolname = ?")) {
      ps.setString(1, role);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getBoolean(1) : null;
      }
    }
  }

  /** Whether PUBLIC holds any privilege on the database (the default ACL grants it CONNECT and TEMPORARY). */
  private static boolean publicHasPrivileges(Connection c, String database) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT count(*) FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a"
            + " WHERE d.datname = ? AND a.grantee = 0")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getLong(1) > 0;
      }
    }
  }

  private static boolean roleMayConnect(Connection c, String database, String role) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT has_database_privilege(?, ?, 'CONNECT, TEMPORARY')")) {
      ps.setString(1, role);
      ps.setString(2, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  private static boolean exists(Connection c, String query, String value) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(query)) {
      ps.setString(1, value);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static String databaseOwner(Connection c, String database) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static boolean isSuperuserOrMember(Connection c, String role) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, ?, 'MEMBER')")) {
      ps.setString(1, role);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
