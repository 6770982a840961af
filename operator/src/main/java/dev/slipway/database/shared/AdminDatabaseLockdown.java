package dev.slipway.database.shared;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps tenant roles out of the databases they never need: the maintenance database the
 * administrator works in, and {@code template1}, which every new database is copied from. A
 * tenant that may create objects there can plant functions the administrator (or, through
 * template1, every later tenant) would run. PUBLIC loses every privilege on both databases
 * (CONNECT, TEMPORARY, CREATE) and CREATE on the maintenance database's schema public; the
 * environment's role loses whatever was granted to it by name. Roles granted access by name
 * (monitoring, people) keep it. Changed only where the administrator decides (superuser, or it has
 * the owner's privileges); elsewhere it is said once in the log, and the pinned search_path still
 * keeps the operator's own statements safe. Looks first, so a quiet resync sends no DDL.
 */
final class AdminDatabaseLockdown {

  static final String TEMPLATE = "template1";

  private static final Logger log = LoggerFactory.getLogger(AdminDatabaseLockdown.class);
  /** Databases already reported as out of the administrator's hands (once per process). */
  private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();

  private AdminDatabaseLockdown() {}

  /** Applies the lockdown for one environment's role; adds what it changed to {@code changed}. */
  static void apply(Connection c, String role, List<String> changed) throws SQLException {
    String maintenance = ServerCatalog.currentDatabase(c);
    Set<String> databases = new LinkedHashSet<>(List.of(maintenance, TEMPLATE));
    for (String database : databases) {
      if (ServerCatalog.database(c, database) == null) {
        continue;
      }
      if (ServerCatalog.holdsDatabasePrivileges(c, database, null)) {
        if (ServerCatalog.controlsDatabase(c, database)) {
          SqlStatement.revokeAllFromPublic(database).execute(c);
          changed.add("revoked PUBLIC's access to " + database);
        } else if (REPORTED.add(database)) {
          log.warn("shared server: PUBLIC may connect to database {}, which the administrator neither owns nor is superuser of;"
              + " tenant roles can reach it (revoke PUBLIC's CONNECT there by hand)", database);
        }
      }
      if (ServerCatalog.holdsDatabasePrivileges(c, database, role)) {
        SqlStatement.revokeAllFromRole(database, role).execute(c);
        changed.add("revoked the role's access to " + database);
      }
    }
    if (ServerCatalog.holdsCreateOnPublicSchema(c, null)) {
      if (ServerCatalog.controlsPublicSchema(c)) {
        SqlStatement.revokeCreateOnPublicSchemaFromPublic().execute(c);
        changed.add("revoked PUBLIC's CREATE on schema public of " + maintenance);
      } else if (REPORTED.add(maintenance + ".public")) {
        log.warn("shared server: PUBLIC may create in schema public of database {}, which the administrator does not control;"
            + " revoke it by hand", maintenance);
      }
    }
    if (ServerCatalog.holdsCreateOnPublicSchema(c, role)) {
      SqlStatement.revokeCreateOnPublicSchemaFromRole(role).execute(c);
      changed.add("revoked the role's CREATE on schema public of " + maintenance);
    }
  }
}
