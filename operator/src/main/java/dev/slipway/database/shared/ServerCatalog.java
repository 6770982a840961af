package dev.slipway.database.shared;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The catalog reads of the shared-server provisioner. Every relation and function is qualified
 * with {@code pg_catalog} (and the admin connection's search_path is pinned to it as well), so
 * nothing a tenant defines in another schema is ever looked up.
 */
final class ServerCatalog {

  private ServerCatalog() {}

  /** A role as the provisioner looks at it; {@code comment} is its COMMENT (the owner record), or null. */
  record Role(boolean canLogin, boolean superuser, boolean createRole, boolean createDb, boolean replication, boolean bypassRls,
      String comment) {

    /** Nothing more than a login role: how every role Slipway makes looks. */
    boolean plainLogin() {
      return !superuser && !createRole && !createDb && !replication && !bypassRls;
    }
  }

  /** A database: its owner's name and its COMMENT (the owner record), or null. */
  record Database(String owner, String comment) {}

  static Role role(Connection c, String role) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,"
            + " pg_catalog.shobj_description(r.oid, 'pg_authid') FROM pg_catalog.pg_roles r WHERE r.rolname = ?")) {
      ps.setString(1, role);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? new Role(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4), rs.getBoolean(5), rs.getBoolean(6), rs.getString(7))
            : null;
      }
    }
  }

  static Database database(Connection c, String database) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT pg_catalog.pg_get_userbyid(d.datdba), pg_catalog.shobj_description(d.oid, 'pg_database')"
            + " FROM pg_catalog.pg_database d WHERE d.datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new Database(rs.getString(1), rs.getString(2)) : null;
      }
    }
  }

  /** The administrator's role name. */
  static String currentUser(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT CURRENT_USER"); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }

  static boolean isSuperuserOrMember(Connection c, String role) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)"
            + " OR pg_catalog.pg_has_role(CURRENT_USER, ?, 'MEMBER')")) {
      ps.setString(1, role);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /**
   * Whether the grantee (null: PUBLIC) holds any privilege on the database, as granted (for PUBLIC
   * the default ACL counts: it grants CONNECT and TEMPORARY).
   */
  static boolean holdsDatabasePrivileges(Connection c, String database, String grantee) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT pg_catalog.count(*) FROM pg_catalog.pg_database d,"
            + " pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a"
            + " WHERE d.datname = ? AND a.grantee = " + grantee(grantee))) {
      ps.setString(1, database);
      if (grantee != null) {
        ps.setString(2, grantee);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getLong(1) > 0;
      }
    }
  }

  /** Whether the grantee (null: PUBLIC) may create in schema public of the database connected to. */
  static boolean holdsCreateOnPublicSchema(Connection c, String grantee) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT pg_catalog.count(*) FROM pg_catalog.pg_namespace n,"
            + " pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a"
            + " WHERE n.nspname = 'public' AND a.privilege_type = 'CREATE' AND a.grantee = " + grantee(grantee))) {
      if (grantee != null) {
        ps.setString(1, grantee);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getLong(1) > 0;
      }
    }
  }

  /** PUBLIC is grantee 0; a role is looked up by a bind parameter. */
  private static String grantee(String role) {
    return role == null ? "0" : "(SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = ?)";
  }

  /** Whether the administrator may change the database's privileges (superuser, or it has its owner's privileges). */
  static boolean controlsDatabase(Connection c, String database) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)"
            + " OR pg_catalog.pg_has_role(CURRENT_USER, d.datdba, 'USAGE') FROM pg_catalog.pg_database d WHERE d.datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** Whether the administrator may change the privileges of schema public in the database connected to. */
  static boolean controlsPublicSchema(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER)"
            + " OR pg_catalog.pg_has_role(CURRENT_USER, n.nspowner, 'USAGE') FROM pg_catalog.pg_namespace n WHERE n.nspname = 'public'");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  static boolean mayConnect(Connection c, String database, String role) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.has_database_privilege(?, ?, 'CONNECT, TEMPORARY')")) {
      ps.setString(1, role);
      ps.setString(2, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  /** The database connected to. */
  static String currentDatabase(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.current_database()"); ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getString(1);
    }
  }

  static int terminateSessions(Connection c, String database, String role) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT pg_catalog.count(pg_catalog.pg_terminate_backend(a.pid)) FROM pg_catalog.pg_stat_activity a"
            + " WHERE (a.datname = ? OR a.usename = ?) AND a.pid <> pg_catalog.pg_backend_pid()")) {
      ps.setString(1, database);
      ps.setString(2, role);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    }
  }
}
