package dev.slipway.database.shared;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;

/**
 * One DDL statement whose identifiers and literals are quoted here, in Java: {@code template} is a
 * constant pattern with {@code %I} (identifier) and {@code %L} (literal) placeholders, {@code args}
 * are the values. Identifiers are always double-quoted (embedded {@code "} doubled), literals
 * single-quoted (embedded {@code '} doubled; with a backslash the {@code E'...'} form, backslashes
 * doubled, so the text means the same whatever {@code standard_conforming_strings} is). A NUL
 * character, which Postgres cannot store, is refused. No server function renders the text: a
 * function a tenant defined in a schema on the admin's path could otherwise run as the admin.
 * {@link #toString()} shows the template only. No statement carries a password: passwords are
 * set with {@code PGConnection.alterUserPassword}, which sends a SCRAM verifier.
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

  /** Takes every privilege (CONNECT, TEMPORARY, CREATE) on the database away from PUBLIC. */
  static SqlStatement revokeAllFromPublic(String database) {
    return new SqlStatement("REVOKE ALL ON DATABASE %I FROM PUBLIC", List.of(database));
  }

  /** Takes what was granted to the role itself on a database it has no business in. */
  static SqlStatement revokeAllFromRole(String database, String role) {
    return new SqlStatement("REVOKE ALL ON DATABASE %I FROM %I", List.of(database, role));
  }

  /** In the database connected to: nobody but its owner creates objects in schema public. */
  static SqlStatement revokeCreateOnPublicSchemaFromPublic() {
    return new SqlStatement("REVOKE CREATE ON SCHEMA public FROM PUBLIC", List.of());
  }

  static SqlStatement revokeCreateOnPublicSchemaFromRole(String role) {
    return new SqlStatement("REVOKE CREATE ON SCHEMA public FROM %I", List.of(role));
  }

  static SqlStatement grantConnect(String database, String role) {
    return new SqlStatement("GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I", List.of(database, role));
  }

  /** Records on the server which Environment owns the role ({@link OwnerRecord}). */
  static SqlStatement commentOnRole(String role, String comment) {
    return new SqlStatement("COMMENT ON ROLE %I IS %L", List.of(role, comment));
  }

  /** Records on the server which Environment owns the database ({@link OwnerRecord}). */
  static SqlStatement commentOnDatabase(String database, String comment) {
    return new SqlStatement("COMMENT ON DATABASE %I IS %L", List.of(database, comment));
  }

  static SqlStatement dropDatabase(String database, boolean force) {
    return new SqlStatement(force ? "DROP DATABASE IF EXISTS %I WITH (FORCE)" : "DROP DATABASE IF EXISTS %I", List.of(database));
  }

  static SqlStatement dropRole(String role) {
    return new SqlStatement("DROP ROLE IF EXISTS %I", List.of(role));
  }

  /** The statement text, every value quoted. */
  String render() throws SQLException {
    StringBuilder sql = new StringBuilder(template.length() + 32);
    int arg = 0;
    for (int i = 0; i < template.length(); i++) {
      char c = template.charAt(i);
      if (c != '%') {
        sql.append(c);
        continue;
      }
      char kind = i + 1 < template.length() ? template.charAt(++i) : ' ';
      switch (kind) {
        case 'I' -> quoteIdentifier(sql, args.get(arg++));
        case 'L' -> quoteLiteral(sql, args.get(arg++));
        default -> throw new IllegalArgumentException("template " + template + " has a placeholder other than %I and %L");
      }
    }
    return sql.toString();
  }

  /** Executes the statement. */
  void execute(Connection connection) throws SQLException {
    String sql = render();
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  static void quoteIdentifier(StringBuilder sql, String value) throws SQLException {
    refuseNul(value);
    sql.append('"').append(value.replace("\"", "\"\"")).append('"');
  }

  static void quoteLiteral(StringBuilder sql, String value) throws SQLException {
    refuseNul(value);
    String quoted = value.replace("'", "''");
    if (quoted.indexOf('\\') >= 0) {
      sql.append("E'").append(quoted.replace("\\", "\\\\")).append('\'');
    } else {
      sql.append('\'').append(quoted).append('\'');
    }
  }

  private static void refuseNul(String value) throws SQLException {
    Objects.requireNonNull(value, "value");
    if (value.indexOf('\0') >= 0) {
      // 22021 character_not_in_repertoire, as the server says; the value is not repeated
      throw new SQLException("a name or text for the server contains a NUL character, which Postgres cannot store", "22021");
    }
  }

  @Override
  public String toString() {
    return template;
  }
}
