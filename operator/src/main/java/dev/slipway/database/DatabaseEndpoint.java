package dev.slipway.database;

/** Where the application connects: everything of the credentials Secret except the password. */
public record DatabaseEndpoint(String host, int port, String database, String username, boolean requireTls) {}
