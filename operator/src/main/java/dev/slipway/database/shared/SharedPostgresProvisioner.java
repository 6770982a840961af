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
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;

/**
 * Databases on a shared Postgres server: one database and one login role per environment, the
 * role owning its database, CONNECT taken from PUBLIC so no other environment's role gets in.
 * Every call opens one short administrator connection (connect timeout 5 s, socket timeout 15 s,
 * statement timeout 10 s), looks, acts where needed and returns.
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

  /** {@link #ensure} for explicit names (package-private so tests can pass hostile ones). */
  ProvisionState ensureNamed(String database, String role, String password) {
    if (password == null || password.isEmpty()) {
      return new ProvisionState(Phase.Failed, "InvalidRequest", "the request has no password for role " + role, database, null);
    }
    try (Connection c = connectAdmin()) {
      if (exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", role)) {
        SqlStatement.alterRolePassword(role, password).execute(c);
      } else {
        try {
          SqlStatement.createRole(role, password).execute(c);
        } catch (SQLException e) {
          if (!"42710".equals(e.getSQLState())) { // duplicate_object: created concurrently
            throw e;
          }
          SqlStatement.alterRolePassword(role, password).execute(c);
        }
      }
      if (!isSuperuserOrMember(c, role)) {
        SqlStatement.grantRoleToCurrentUser(role).execute(c);
      }
      String owner = databaseOwner(c, database);
      if (owner == null) {
        try {
          SqlStatement.createDatabase(database, role).execute(c);
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
      }
      SqlStatement.revokeAllFromPublic(database).execute(c);
      SqlStatement.grantConnect(database, role).execute(c);
      DatabaseEndpoint endpoint = new DatabaseEndpoint(admin.host(), admin.port(), database, role, admin.requireTls());
      return new ProvisionState(Phase.Ready, "Available",
          "database " + database + " owned by role " + role + " on " + admin.host() + ":" + admin.port(), database, endpoint);
    } catch (SQLException e) {
      return failed(e, database, password);
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
    Properties props = new Properties();
    props.setProperty("user", admin.username());
    props.setProperty("password", admin.password());
    props.setProperty("sslmode", admin.sslMode());
    props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
    props.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS * 2));
    props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
    props.setProperty("ApplicationName", "slipway");
    props.setProperty("options", "-c statement_timeout=" + STATEMENT_TIMEOUT_MILLIS + " -c lock_timeout=" + STATEMENT_TIMEOUT_MILLIS / 2);
    String host = admin.host().contains(":") && !admin.host().startsWith("[") ? "[" + admin.host() + "]" : admin.host();
    String url = "jdbc:postgresql://" + host + ":" + admin.port() + "/"
        + URLEncoder.encode(admin.maintenanceDatabase(), StandardCharsets.UTF_8).replace("+", "%20");
    Connection c = DriverManager.getConnection(url, props);
    c.setAutoCommit(true); // CREATE/DROP DATABASE cannot run inside a transaction
    return c;
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
