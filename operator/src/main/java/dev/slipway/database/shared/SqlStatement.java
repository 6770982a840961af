package dev.slipway.database.shared;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;

/**
 * One DDL statement whose identifiers and literals are quoted by the server: {@code template} is a
 * constant {@code format()} pattern with {@code %I} (identifier) and {@code %L} (literal)
 * placeholders, {@code args} are the values, sent as bind parameters of {@code SELECT
 * format(?, ?, ...)}; the text the server returns is then executed. Nothing variable is ever
 * concatenated into SQL text here. {@link #toString()} shows the template only. No statement carries a password: passwords
 * are set with {@code PGConnection.alterUserPassword}, which sends a SCRAM verifier.
 */
record SqlStatement(String template, List<String> args) {

  SqlStatement {
    Objects.requireNonNull(template, "template");
    args = List.copyOf(args);
    long placeholders = template.chars().filter(c -> c == '%').count();
    if (placeholders != args.size()) {
      throw new IllegalArgumentException("template " + template + " has " + placeholders + " placeholders for " + args.size() + " arguments");
    }
  }

  /**
   * A login role without a password; the password is set apart with {@link
   * org.postgresql.PGConnection#alterUserPassword}, which sends only a SCRAM verifier, so no
   * statement text (and no server log with log_statement) ever holds it.
   */
  static SqlStatement createRole(String role) {
    return new SqlStatement("CREATE ROLE %I WITH LOGIN", List.of(role));
  }

  static SqlStatement enableLogin(String role) {
    return new SqlStatement("ALTER ROLE %I WITH LOGIN", List.of(role));
  }

  static SqlStatement disableLogin(String role) {
    return new SqlStatement("ALTER ROLE %I WITH NOLOGIN", List.of(role));
  }

  /** Makes the (non-superuser) administrator a member of the role, so it may give the role a database. */
  static SqlStatement grantRoleToCurrentUser(String role) {
    return new SqlStatement("GRANT %I TO CURRENT_USER", List.of(role));
  }

  static SqlStatement createDatabase(String database, String owner) {
    return new SqlStatement("CREATE DATABASE %I WITH OWNER %I", List.of(database, owner));
  }

  static SqlStatement alterDatabaseOwner(String database, String owner) {
    return new SqlStatement("ALTER DATABASE %I OWNER TO %I", List.of(database, owner));
  }

  /** Takes every default privilege (CONNECT, TEMPORARY) on the database away from PUBLIC. */
  static SqlStatement revokeAllFromPublic(String database) {
    return new SqlStatement("REVOKE ALL ON DATABASE %I FROM PUBLIC", List.of(database));
  }

  static SqlStatement grantConnect(String database, String role) {
    return new SqlStatement("GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I", List.of(database, role));
  }

  static SqlStatement dropDatabase(String database, boolean force) {
    return new SqlStatement(force ? "DROP DATABASE IF EXISTS %I WITH (FORCE)" : "DROP DATABASE IF EXISTS %I", List.of(database));
  }

  static SqlStatement dropRole(String role) {
    return new SqlStatement("DROP ROLE IF EXISTS %I", List.of(role));
  }

  /** The statement text as the server quotes it. */
  String render(Connection connection) throws SQLException {
    StringBuilder query = new StringBuilder("SELECT format(?::text");
    for (int i = 0; i < args.size(); i++) {
      query.append(", ?::text");
    }
    query.append(')');
    try (PreparedStatement ps = connection.prepareStatement(query.toString())) {
      ps.setString(1, template);
      for (int i = 0; i < args.size(); i++) {
        ps.setString(i + 2, args.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /** Renders the statement on the server and executes the result. */
  void execute(Connection connection) throws SQLException {
    String sql = render(connection);
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  @Override
  public String toString() {
    return template;
  }
}
