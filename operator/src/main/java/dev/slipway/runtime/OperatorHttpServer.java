package dev.slipway.runtime;

import dev.slipway.config.OperatorConfig;
import dev.slipway.runtime.BoundedHttpServer.Limits;
import dev.slipway.runtime.BoundedHttpServer.Reply;
import dev.slipway.runtime.BoundedHttpServer.Request;
import dev.slipway.runtime.BoundedHttpServer.Response;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's two HTTP ports. The HTTP port ({@code SLIPWAY_HTTP_PORT}) serves
 * {@code /metrics} (Prometheus text format), {@code /healthz}, {@code /readyz} and, when a token
 * is configured, {@code POST /hooks/git/<namespace>/<project>} for Git servers to announce a
 * push; anyone who reaches it may call it. The probe port ({@code SLIPWAY_PROBE_PORT}) serves only
 * {@code /healthz} and {@code /readyz}, for the kubelet, on a server of its own, so no caller of
 * the HTTP port can delay a probe.
 */
public final class OperatorHttpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OperatorHttpServer.class);

  /** The webhook: its shared token, and what to do for a project (resolve its branches now). */
  public record Webhook(String token, BiConsumer<String, String> refreshProject) {}

  private static final Pattern HOOK_PATH = Pattern.compile("^/hooks/git/([a-z0-9]([-a-z0-9]*[a-z0-9])?)/([a-z]([-a-z0-9]*[a-z0-9])?)/?$");
  /** The body is ignored; a Git server's push event is far smaller. */
  static final long MAX_BODY_BYTES = 1 << 20;
  private static final int MAX_HEAD_BYTES = 16 * 1024;
  private static final int PROBE_CONNECTIONS = 16;
  /** The same answer whether or not the project exists, so a token holder learns nothing from it. */
  private static final Response ACCEPTED = Response.text(202, "accepted\n");

  private final PrometheusMeterRegistry registry;
  private final BooleanSupplier live;
  private final BooleanSupplier ready;
  private final Webhook webhook;
  private final ThreadPoolExecutor nudges;
  private final BoundedHttpServer http;
  private final BoundedHttpServer probes;

  public OperatorHttpServer(OperatorConfig config, PrometheusMeterRegistry registry, BooleanSupplier live, BooleanSupplier ready,
      Webhook webhook) throws IOException {
    this.registry = registry;
    this.live = live;
    this.ready = ready;
    this.webhook = webhook;
    // Nudges run after the answer, one at a time; beyond a full queue they are dropped (the
    // regular poll still finds the commit).
    nudges = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1024), r -> {
      Thread t = new Thread(r, "slipway-webhook");
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.DiscardPolicy());
    probes = new BoundedHttpServer("probe", config.probePort(),
        new Limits(PROBE_CONNECTIONS, config.httpRequestTimeout(), MAX_HEAD_BYTES, 0), this::probeRoute);
    try {
      http = new BoundedHttpServer("http", config.httpPort(),
          new Limits(config.httpMaxConnections(), config.httpRequestTimeout(), MAX_HEAD_BYTES, MAX_BODY_BYTES), this::route);
    } catch (IOException e) {
      probes.close();
      nudges.shutdownNow();
      throw e;
    }
  }

  public int port() {
    return http.port();
  }

  public int probePort() {
    return probes.port();
  }

  private Reply probeRoute(Request request) {
    return switch (request.path()) {
      case "/healthz" -> probe(live);
      case "/readyz" -> probe(ready);
      default -> Reply.now(Response.text(404, "this port serves /healthz and /readyz\n"));
    };
  }

  private Reply route(Request request) {
    String path = request.path();
    if (path.equals("/metrics")) {
      return Reply.now("GET".equals(request.method())
          ? new Response(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape())
          : Response.text(405, "method not allowed\n"));
    }
    if (webhook != null && (path.equals("/hooks") || path.startsWith("/hooks/"))) {
      return hook(request);
    }
    return switch (path) {
      case "/healthz", "/readyz" -> probeRoute(request);
      default -> Reply.now(Response.text(404, "not found\n"));
    };
  }

  /**
   * Any Git server can call it: the token is checked first, in constant time (header
   * X-Slipway-Token, or "Authorization: Bearer"), before any body is read and whatever the path;
   * the body is then read away and ignored, and the project's environments resolve their branches
   * once the answer is out.
   */
  private Reply hook(Request request) {
    if (!tokenMatches(request)) {
      return Reply.now(Response.text(401, "missing or wrong token\n"));
    }
    if (!"POST".equals(request.method())) {
      return Reply.now(Response.text(405, "use POST\n"));
    }
    Matcher m = HOOK_PATH.matcher(request.path());
    if (!m.matches()) {
      return Reply.now(Response.text(404, "expected /hooks/git/<namespace>/<project>\n"));
    }
    String namespace = m.group(1);
    String project = m.group(3);
    return Reply.afterBody(ACCEPTED, () -> nudges.execute(() -> {
      try {
        webhook.refreshProject().accept(namespace, project);
      } catch (RuntimeException e) {
        log.warn("webhook for {}/{}: {}", namespace, project, e.toString());
      }
    }));
  }

  private boolean tokenMatches(Request request) {
    String given = request.header("X-Slipway-Token");
    String auth = request.header("Authorization");
    if (given == null && auth != null && auth.startsWith("Bearer ")) {
      given = auth.substring("Bearer ".length()).trim();
    }
    return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), webhook.token().getBytes(StandardCharsets.UTF_8));
  }

  private static Reply probe(BooleanSupplier check) {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    return Reply.now(Response.text(ok ? 200 : 503, ok ? "ok\n" : "not ok\n"));
  }

  @Override
  public void close() {
    try {
      http.close();
      probes.close();
    } finally {
      nudges.shutdownNow();
    }
  }
}
