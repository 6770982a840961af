package dev.slipway.faults;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A small HTTP proxy in front of moto server for the operator's RDS client (SLIPWAY_RDS_ENDPOINT
 * points here): it records every call (the AWS query protocol's form body, so the action and its
 * parameters, passwords included), and a {@link #rule} decides per call what happens: pass it on,
 * pass it on but hold moto's answer until {@link #release()} (the operator's request has had its
 * effect, the operator does not know it yet), or answer with AWS's throttling error, an HTTP 503,
 * or nothing at all for a while (a timeout).
 */
public final class AwsProxy implements AutoCloseable {

  /** What the proxy does with one call. */
  public enum Fault { PASS, HOLD_RESPONSE, THROTTLE, UNAVAILABLE, TIMEOUT, INVALID_STATE }

  /** One call as the proxy saw it. */
  public record Call(Instant at, String action, Map<String, String> params, Fault fault) {
    public String param(String name) {
      return params.get(name);
    }
  }

  private static final Set<String> HOP_BY_HOP = Set.of("host", "content-length", "connection", "expect", "upgrade",
      "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "aws-proxy");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI upstream;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile Function<Call, Fault> rule = c -> Fault.PASS;
  private volatile CountDownLatch held = new CountDownLatch(1);
  private final CountDownLatch holding = new CountDownLatch(1);
  private volatile Duration timeout = Duration.ofSeconds(30);
  private volatile java.util.function.BiFunction<Call, String, String> rewrite = (c, body) -> body;

  private AwsProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public static AwsProxy in(URI upstream) {
    try {
      return new AwsProxy(upstream);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public void rule(Function<Call, Fault> rule) {
    this.rule = rule;
  }

  /** Changes moto's answers (their XML) before the operator gets them, e.g. an instance's status. */
  public void rewrite(java.util.function.BiFunction<Call, String, String> rewrite) {
    this.rewrite = rewrite;
  }

  /** How long a TIMEOUT call hangs before the proxy drops it. */
  public void timeout(Duration timeout) {
    this.timeout = timeout;
  }

  /** Waits until a HOLD_RESPONSE call has reached moto and its answer is held. */
  public boolean awaitHolding(Duration within) throws InterruptedException {
    return holding.await(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Lets held answers go (to whoever still listens). */
  public void release() {
    held.countDown();
  }

  public List<Call> calls() {
    return new ArrayList<>(calls);
  }

  public List<Call> calls(String action) {
    return calls.stream().filter(c -> action.equals(c.action())).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String text = new String(body, StandardCharsets.UTF_8);
      Map<String, String> params = form(text);
      String query = exchange.getRequestURI().getRawQuery();
      if (query != null) {
        form(query).forEach(params::putIfAbsent);
      }
      String action = params.getOrDefault("Action", "?");
      Call probe = new Call(Instant.now(), action, params, Fault.PASS);
      Fault fault = rule.apply(probe);
      calls.add(new Call(probe.at(), action, params, fault));
      switch (fault) {
        case THROTTLE -> {
          respond(exchange, 400, error("Throttling", "Rate exceeded"));
          return;
        }
        case UNAVAILABLE -> {
          respond(exchange, 503, error("ServiceUnavailable", "Service is unavailable"));
          return;
        }
        case INVALID_STATE -> {
          respond(exchange, 400, error("InvalidDBInstanceState", "Instance is currently creating - a final snapshot cannot be taken."));
          return;
        }
        case TIMEOUT -> {
          sleep(timeout);
          return; // closed without an answer
        }
        default -> { }
      }
      HttpRequest.Builder forward = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
          .timeout(Duration.ofSeconds(30))
          .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      exchange.getRequestHeaders().forEach((name, values) -> {
        if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
          values.forEach(v -> forward.header(name, v));
        }
      });
      HttpResponse<byte[]> answer;
      try {
        answer = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (fault == Fault.HOLD_RESPONSE) {
        holding.countDown();
        try {
          held.await(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      answer.headers().map().forEach((name, values) -> {
        if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
          exchange.getResponseHeaders().put(name, values);
        }
      });
      byte[] out = answer.body();
      String rewritten = rewrite.apply(probe, new String(out, StandardCharsets.UTF_8));
      respond(exchange, answer.statusCode(), rewritten.getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      // the client went away (killed operator, SDK timeout): nothing to answer
    }
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static byte[] error(String code, String message) {
    return ("<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error><Type>Sender</Type><Code>" + code
        + "</Code><Message>" + message + "</Message></Error><RequestId>faults-" + System.nanoTime()
        + "</RequestId></ErrorResponse>").getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, String> form(String text) {
    Map<String, String> params = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return params;
    }
    for (String pair : text.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      params.put(key, value);
    }
    return params;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    held.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
