package dev.slipway.backup;

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
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * In front of moto, what moto leaves out: S3 refuses a request signed with session credentials
 * once the session has ended ({@code 400 ExpiredToken}) and a presigned URL past its
 * {@code X-Amz-Expires} ({@code 403 AccessDenied}), checked when the request arrives (an upload
 * that began in time finishes). The sessions are the ones moto's STS hands out through this proxy:
 * it reads each answer's SessionToken and Expiration. Part uploads can be slowed down, so a dump
 * takes longer than one session.
 */
final class ExpiringSessionsProxy implements AutoCloseable {

  /** One S3 part upload that was let through: its part number and the session that signed it. */
  record Part(int number, String sessionToken) {}

  private static final Set<String> HOP_BY_HOP = Set.of("host", "content-length", "connection", "expect", "upgrade",
      "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");
  private static final Pattern TOKEN = Pattern.compile("<SessionToken>([^<]+)</SessionToken>");
  private static final Pattern EXPIRATION = Pattern.compile("<Expiration>([^<]+)</Expiration>");

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "expiring-sessions-proxy");
    t.setDaemon(true);
    return t;
  });
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI upstream;
  private final Map<String, Instant> sessions = new ConcurrentHashMap<>();
  private final List<Part> parts = new CopyOnWriteArrayList<>();
  private final List<String> refused = new CopyOnWriteArrayList<>();
  private volatile Duration partDelay = Duration.ZERO;

  ExpiringSessionsProxy(URI upstream) throws IOException {
    this.upstream = upstream;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Each part upload let through takes this much longer (a slow link, a big part). */
  void delayPartUploads(Duration delay) {
    partDelay = delay;
  }

  List<Part> parts() {
    return List.copyOf(parts);
  }

  /** The S3 errors this proxy answered instead of moto, e.g. "400 ExpiredToken part 3". */
  List<String> refused() {
    return List.copyOf(refused);
  }

  /** How many sessions STS handed out through here. */
  int sessionsIssued() {
    return sessions.size();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      String token = query.getOrDefault("X-Amz-Security-Token", exchange.getRequestHeaders().getFirst("x-amz-security-token"));
      String partNumber = query.get("partNumber");
      Instant now = Instant.now();
      if (token != null && sessions.containsKey(token) && !now.isBefore(sessions.get(token))) {
        answer(exchange, 400, "ExpiredToken", "The provided token has expired.", partNumber);
        return;
      }
      if (query.containsKey("X-Amz-Date") && query.containsKey("X-Amz-Expires")) {
        Instant signed = OffsetDateTime.parse(query.get("X-Amz-Date"), DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX")).toInstant();
        if (!now.isBefore(signed.plusSeconds(Long.parseLong(query.get("X-Amz-Expires"))))) {
          answer(exchange, 403, "AccessDenied", "Request has expired", partNumber);
          return;
        }
      }
      boolean partUpload = "PUT".equals(exchange.getRequestMethod()) && partNumber != null;
      if (partUpload && !partDelay.isZero()) {
        Thread.sleep(partDelay.toMillis()); // authenticated on arrival, as S3 does; the transfer takes its time
      }
      HttpRequest.Builder forward = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
          .timeout(Duration.ofSeconds(60))
          .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
      exchange.getRequestHeaders().forEach((name, values) -> {
        if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
          values.forEach(v -> forward.header(name, v));
        }
      });
      HttpResponse<byte[]> response = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      String text = new String(response.body(), StandardCharsets.UTF_8);
      Matcher issued = TOKEN.matcher(text);
      Matcher expires = EXPIRATION.matcher(text);
      if (issued.find() && expires.find()) {
        sessions.put(issued.group(1), instant(expires.group(1)));
      }
      if (partUpload && response.statusCode() == 200) {
        parts.add(new Part(Integer.parseInt(partNumber), token));
      }
      response.headers().map().forEach((name, values) -> {
        if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
          exchange.getResponseHeaders().put(name, values);
        }
      });
      exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
      if (response.body().length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(response.body());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void answer(HttpExchange exchange, int status, String code, String message, String partNumber) throws IOException {
    refused.add(status + " " + code + (partNumber == null ? "" : " part " + partNumber));
    byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>")
        .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/xml");
    exchange.sendResponseHeaders(status, xml.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(xml);
    }
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      return OffsetDateTime.parse(text.replace(' ', 'T')).withOffsetSameInstant(ZoneOffset.UTC).toInstant();
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> m = new LinkedHashMap<>();
    if (raw == null) {
      return m;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      m.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return m;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
