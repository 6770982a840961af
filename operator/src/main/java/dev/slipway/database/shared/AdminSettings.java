package dev.slipway.database.shared;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * How Slipway reaches a shared Postgres server as an administrator (a role that may create roles
 * and databases). {@link #toString()} hides the password.
 *
 * @param host server host name or address
 * @param port server port (1–65535)
 * @param username administrator role
 * @param password administrator password
 * @param maintenanceDatabase the database the administrator connects to; {@code postgres} when blank
 * @param sslMode libpq/pgjdbc {@code sslmode}: disable, allow, prefer, require, verify-ca or
 *     verify-full; {@code require} when blank
 */
public record AdminSettings(String host, int port, String username, String password, String maintenanceDatabase, String sslMode) {

  public static final String DEFAULT_MAINTENANCE_DATABASE = "postgres";
  public static final String DEFAULT_SSL_MODE = "require";
  public static final int DEFAULT_PORT = 5432;
  private static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
  private static final Set<String> TLS_REQUIRED = Set.of("require", "verify-ca", "verify-full");

  public AdminSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("the admin host is missing");
    }
    host = host.trim();
    if (!host.matches("[A-Za-z0-9._:\\-\\[\\]%]+")) {
      throw new IllegalArgumentException("the admin host is not a valid host name or address");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("the admin port must be between 1 and 65535");
    }
    if (username == null || username.isBlank()) {
      throw new IllegalArgumentException("the admin username is missing");
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("the admin password is missing");
    }
    maintenanceDatabase = maintenanceDatabase == null || maintenanceDatabase.isBlank()
        ? DEFAULT_MAINTENANCE_DATABASE : maintenanceDatabase.trim();
    sslMode = sslMode == null || sslMode.isBlank() ? DEFAULT_SSL_MODE : sslMode.trim().toLowerCase(java.util.Locale.ROOT);
    if (!SSL_MODES.contains(sslMode)) {
      throw new IllegalArgumentException("the admin sslmode must be one of " + String.join(", ", new java.util.TreeSet<>(SSL_MODES)));
    }
  }

  /**
   * Reads a Secret's data: {@code host}, {@code username} and {@code password} are required;
   * {@code port} (default 5432), {@code database} (default {@code postgres}) and {@code sslmode}
   * (default {@code require}) are optional. Errors name the key, never a value.
   */
  public static AdminSettings fromSecretData(Map<String, byte[]> data) {
    if (data == null) {
      throw new IllegalArgumentException("the admin Secret has no data (keys host, port, username, password, database, sslmode)");
    }
    String host = required(data, "host").trim();
    String portText = optional(data, "port");
    int port = DEFAULT_PORT;
    if (portText != null && !portText.isBlank()) {
      try {
        port = Integer.parseInt(portText.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the admin Secret's key port is not a number");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("the admin Secret's key port must be between 1 and 65535");
      }
    }
    String username = required(data, "username").trim();
    String password = required(data, "password");
    String sslMode = optional(data, "sslmode");
    if (sslMode != null && !sslMode.isBlank() && !SSL_MODES.contains(sslMode.trim().toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("the admin Secret's key sslmode must be one of "
          + String.join(", ", new java.util.TreeSet<>(SSL_MODES)));
    }
    try {
      return new AdminSettings(host, port, username, password, optional(data, "database"), sslMode);
    } catch (IllegalArgumentException e) {
      // e.g. the host: the message names the field, never the value
      throw new IllegalArgumentException("the admin Secret is invalid: " + e.getMessage());
    }
  }

  /** Whether connections must use TLS (sslmode require, verify-ca or verify-full). */
  public boolean requireTls() {
    return TLS_REQUIRED.contains(sslMode);
  }

  @Override
  public String toString() {
    return "AdminSettings[host=" + host + ", port=" + port + ", username=" + username + ", password=***, maintenanceDatabase="
        + maintenanceDatabase + ", sslMode=" + sslMode + "]";
  }

  private static String required(Map<String, byte[]> data, String key) {
    String value = optional(data, key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("the admin Secret has no key " + key + " (or it is empty)");
    }
    return value;
  }

  private static String optional(Map<String, byte[]> data, String key) {
    byte[] bytes = data.get(key);
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }
}
