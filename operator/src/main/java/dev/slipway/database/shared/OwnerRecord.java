package dev.slipway.database.shared;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which Environment a role or database on the shared server belongs to, kept on the server as the
 * object's comment (as an RDS instance carries an owner tag), because a name alone protects a
 * tenant only by its hash: {@code slipway.dev/owner-uid=<uid> slipway.dev/environment=<namespace>/<project>/<environment>}.
 * On Retain the owner gives it up: {@code slipway.dev/released-by=<uid>} in place of the owner;
 * only an Environment of the same namespace, project and environment may take it again.
 *
 * <p>Comments are readable by every role on the server; a record holds no secret (uids and names
 * every role can already see in the database list). A tenant's role cannot change its own role's
 * comment; it can change its own database's, which only ever harms itself.
 *
 * @param ownerUid the owning Environment's uid, null when released or not Slipway's
 * @param releasedBy the uid of the Environment that let it go on Retain, or null
 * @param environment {@code <namespace>/<project>/<environment>}, or null
 */
record OwnerRecord(String ownerUid, String releasedBy, String environment) {

  static final String OWNER_UID = "slipway.dev/owner-uid";
  static final String RELEASED_BY = "slipway.dev/released-by";
  static final String ENVIRONMENT = "slipway.dev/environment";

  static OwnerRecord owned(String uid, String environment) {
    return new OwnerRecord(Objects.requireNonNull(uid, "uid"), null, environment);
  }

  OwnerRecord released() {
    return new OwnerRecord(null, ownerUid, environment);
  }

  /**
   * The record in a comment; null for no comment (an object made before records existed). A
   * comment that is not a record (someone's own text) gives a record with no owner.
   */
  static OwnerRecord parse(String comment) {
    if (comment == null) {
      return null;
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (String part : comment.trim().split("\\s+")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        fields.putIfAbsent(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return new OwnerRecord(fields.get(OWNER_UID), fields.get(RELEASED_BY), fields.get(ENVIRONMENT));
  }

  static String environmentOf(String namespace, String project, String environment) {
    return namespace + "/" + project + "/" + environment;
  }

  boolean ownedBy(String uid) {
    return uid != null && uid.equals(ownerUid);
  }

  /** Released on Retain by an Environment of exactly this namespace, project and environment. */
  boolean releasedFor(String environment) {
    return ownerUid == null && releasedBy != null && Objects.equals(this.environment, environment);
  }

  /** The comment text. */
  String comment() {
    StringBuilder text = new StringBuilder();
    if (ownerUid != null) {
      text.append(OWNER_UID).append('=').append(ownerUid);
    }
    if (releasedBy != null) {
      text.append(text.isEmpty() ? "" : " ").append(RELEASED_BY).append('=').append(releasedBy);
    }
    if (environment != null) {
      text.append(text.isEmpty() ? "" : " ").append(ENVIRONMENT).append('=').append(environment);
    }
    return text.toString();
  }
}
