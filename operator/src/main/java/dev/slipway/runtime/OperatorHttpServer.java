package dev.slipway.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * One small HTTP port for the platform: {@code /metrics} (Prometheus text format),
 * {@code /healthz} (liveness), {@code /readyz} (readiness) and, when a token is configured,
 * {@code POST /hooks/git/<namespace>/<project>} for Git servers to announce a push.
 */
public final class OperatorHttpServer implements AutoCloseable {

  /** The webhook: its shared token, and what to do for a project (returns environments nudged). */
  public record Webhook(String token, BiFunction<String, String, Integer> refreshProject) {}

  private static final Pattern HOOK_PATH = Pattern.compile("^/hooks/git/([a-z0-9]([-a-z0-9]*[a-z0-9])?)/([a-z]([-a-z0-9]*[a-z0-9])?)/?$");

  private final HttpServer server;

  public OperatorHttpServer(int port, PrometheusMeterRegistry registry, BooleanSupplier live, BooleanSupplier ready,
      Webhook webhook) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "slipway-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/metrics", exchange -> {
      if (!"GET".equals(exchange.getRequestMethod())) {
        respond(exchange, 405, "text/plain", "method not allowed\n");
        return;
      }
      respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    });
    server.createContext("/healthz", exchange -> probe(exchange, live));
    server.createContext("/readyz", exchange -> probe(exchange, ready));
    if (webhook != null) {
      server.createContext("/hooks/git/", exchange -> hook(exchange, webhook));
    }
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Any Git server can call it: the body is ignored, the token is checked in constant time
   * (header X-Slipway-Token, or "Authorization: Bearer"), and the project's environments resolve
   * their branches at once.
   */
  private static void hook(HttpExchange exchange, Webhook webhook) throws IOException {
    exchange.getRequestBody().readNBytes(1 << 20);
    if (!"POST".equals(exchange.getRequestMethod())) {
      respond(exchange, 405, "text/plain", "use POST\n");
      return;
    }
    String given = exchange.getRequestHeaders().getFirst("X-Slipway-Token");
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    if (given == null && auth != null && auth.startsWith("Bearer ")) {
      given = auth.substring("Bearer ".length()).trim();
    }
    if (given == null || !MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), webhook.token().getBytes(StandardCharsets.UTF_8))) {
      respond(exchange, 401, "text/plain", "missing or wrong token\n");
      return;
    }
    Matcher m = HOOK_PATH.matcher(exchange.getRequestURI().getPath());
    if (!m.matches()) {
      respond(exchange, 404, "text/plain", "expected /hooks/git/<namespace>/<project>\n");
      return;
    }
    int n = webhook.refreshProject().apply(m.group(1), m.group(3));
    respond(exchange, 202, "text/plain", "refreshing " + n + " environment(s)\n");
  }

  private static void probe(HttpExchange exchange, BooleanSupplier check) throws IOException {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    respond(exchange, ok ? 200 : 503, "text/plain", ok ? "ok\n" : "not ok\n");
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
