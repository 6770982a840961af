package dev.slipway.testing.git;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Smart HTTP Git server on 127.0.0.1: the JDK's HttpServer running Git's own
 * {@code git-http-backend} as a CGI for each request, behind HTTP basic auth.
 *
 * <pre>{@code
 * try (GitRemote remote = new GitRemote("shop"); GitHttpServer http = new GitHttpServer("alice", "s3cret")) {
 *   String url = http.url(remote);                // http://127.0.0.1:PORT/shop.git
 *   String withAuth = http.urlWithCredentials(remote); // http://alice:s3cret@127.0.0.1:PORT/shop.git
 * }
 * }</pre>
 *
 * <p>Requests without the right credentials get 401 with {@code WWW-Authenticate: Basic}. The
 * backend runs with a clean environment (no inherited GIT_* variables, HOME in the server's own
 * directory, no system config). Push works on a server with credentials (REMOTE_USER is set,
 * which is what enables receive-pack).
 * Stopped by close() or at JVM exit.
 */
public final class GitHttpServer implements AutoCloseable {

  private static final Path BACKEND = Path.of("/usr/lib/git-core/git-http-backend");

  private final String username;
  private final String password;
  private final String host;
  private final String scheme;
  private final Path directory;
  private final Path projectRoot;
  private final Path backendLog;
  private final HttpServer server;
  private final ExecutorService executor;
  private final List<String> requests = new ArrayList<>();
  private final List<String> authorizations = new ArrayList<>();
  private final Set<String> forbidden = ConcurrentHashMap.newKeySet();

  /** Anonymous access: no authentication at all. */
  public GitHttpServer() {
    this(null, null);
  }

  /** Every request must carry these basic-auth credentials. */
  public GitHttpServer(String username, String password) {
    this(username, password, "127.0.0.1", null);
  }

  /**
   * Anonymous plain HTTP on {@code host} (for example the real node's IP, which pods and host
   * processes such as Flux's source-controller reach), as a public Git host serves a public repository.
   */
  public static GitHttpServer anonymous(String host) {
    return new GitHttpServer(null, null, host, null);
  }

  /**
   * HTTPS on {@code host} (for example the real node's IP, which pods reach), with a server
   * certificate for that address signed by the given CA (the test CA the real node's images
   * trust), and these basic-auth credentials.
   */
  public static GitHttpServer https(String username, String password, String host, Path caCertificate, Path caKey) {
    return new GitHttpServer(username, password, host, TlsFiles.serverContext(host, caCertificate, caKey));
  }

  private GitHttpServer(String username, String password, String host, javax.net.ssl.SSLContext tls) {
    if ((username == null) != (password == null)) {
      throw new IllegalArgumentException("give both user name and password, or neither");
    }
    if (!Files.isExecutable(BACKEND)) {
      throw new IllegalStateException(BACKEND + " is missing (install Debian's git)");
    }
    this.username = username;
    this.password = password;
    this.host = host;
    this.scheme = tls == null ? "http" : "https";
    this.directory = FixtureSupport.tempDirectory("slipway-git-http-");
    this.projectRoot = directory.resolve("repositories");
    this.backendLog = directory.resolve("git-http-backend.log");
    try {
      Files.createDirectories(projectRoot);
      Files.createDirectories(directory.resolve("home"));
      InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), 0);
      if (tls == null) {
        server = HttpServer.create(address, 50);
      } else {
        com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(address, 50);
        https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        server = https;
      }
    } catch (IOException e) {
      FixtureSupport.deleteRecursively(directory);
      throw new UncheckedIOException(e);
    }
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "git-http-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    FixtureSupport.closeOnExit(this);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String username() {
    return username;
  }

  public String password() {
    return password;
  }

  /** http(s)://HOST:PORT/name.git, serving that remote from now on. */
  public String url(GitRemote remote) {
    FixtureSupport.publish(projectRoot, remote);
    return scheme + "://" + host + ":" + port() + "/" + remote.name() + ".git";
  }

  /** The URL with the server's credentials in it (http://user:password@...), e.g. for the git CLI. */
  public String urlWithCredentials(GitRemote remote) {
    String url = url(remote);
    if (username == null) {
      return url;
    }
    return url.replace(scheme + "://", scheme + "://" + encode(username) + ":" + encode(password) + "@");
  }

  /**
   * Answers 403 Forbidden to every request for that remote from now on (after authentication),
   * as a Git host does for a user without read access.
   */
  public void forbid(GitRemote remote) {
    url(remote);
    forbidden.add("/" + remote.name() + ".git");
  }

  /** "METHOD /path?query -> status" for every request so far, oldest first. */
  public synchronized List<String> requests() {
    return List.copyOf(requests);
  }

  /**
   * Every Authorization header received so far, decoded when it is Basic ("user:password"), so a
   * test can show which secrets reached this server (and which never did).
   */
  public synchronized List<String> authorizationsReceived() {
    return List.copyOf(authorizations);
  }

  /** What git-http-backend wrote to stderr. */
  public String backendLog() {
    try {
      return Files.exists(backendLog) ? Files.readString(backendLog) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    int status = 500;
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header != null) {
      String seen = header;
      if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
        try {
          seen = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          // kept as sent
        }
      }
      synchronized (this) {
        authorizations.add(seen);
      }
    }
    try {
      String user = authenticatedUser(exchange);
      if (username != null && user == null) {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"git\", charset=\"UTF-8\"");
        exchange.sendResponseHeaders(401, -1);
        status = 401;
        return;
      }
      status = runBackend(exchange, user);
    } catch (IOException | RuntimeException e) {
      byte[] body = ("git-http-backend failed: " + e + "\n").getBytes(StandardCharsets.UTF_8);
      try {
        exchange.sendResponseHeaders(500, body.length);
        exchange.getResponseBody().write(body);
      } catch (IOException | RuntimeException ignored) {
        // headers were sent already: the client sees a cut response
      }
    } finally {
      synchronized (this) {
        String query = exchange.getRequestURI().getRawQuery();
        requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
            + (query == null ? "" : "?" + query) + " -> " + status);
      }
      exchange.close();
    }
  }

  /** The user name if the request carries this server's credentials, else null. */
  private String authenticatedUser(HttpExchange exchange) {
    if (username == null) {
      return null;
    }
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String pair;
    try {
      pair = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return pair.equals(username + ":" + password) ? username : null;
  }

  private int runBackend(HttpExchange exchange, String user) throws IOException {
    String requestPath = exchange.getRequestURI().getPath();
    for (String prefix : forbidden) {
      if (requestPath.equals(prefix) || requestPath.startsWith(prefix + "/")) {
        exchange.getRequestBody().readAllBytes();
        byte[] text = "forbidden\n".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(403, text.length);
        exchange.getResponseBody().write(text);
        return 403;
      }
    }
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      // Buffered so CONTENT_LENGTH is exact even for chunked requests, which the backend needs.
      body = in.readAllBytes();
    }
    ProcessBuilder builder = new ProcessBuilder(BACKEND.toString())
        .redirectError(ProcessBuilder.Redirect.appendTo(backendLog.toFile()));
    Map<String, String> env = builder.environment();
    String path = System.getenv("PATH");
    env.clear();
    env.put("PATH", path == null ? "/usr/bin:/bin" : path);
    env.put("HOME", directory.resolve("home").toString());
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_PROJECT_ROOT", projectRoot.toString());
    env.put("GIT_HTTP_EXPORT_ALL", "1");
    env.put("GATEWAY_INTERFACE", "CGI/1.1");
    env.put("SERVER_PROTOCOL", exchange.getProtocol());
    env.put("SERVER_SOFTWARE", "slipway-test");
    env.put("SERVER_NAME", host);
    env.put("SERVER_PORT", String.valueOf(port()));
    env.put("REMOTE_ADDR", exchange.getRemoteAddress().getAddress().getHostAddress());
    env.put("REQUEST_METHOD", exchange.getRequestMethod());
    env.put("PATH_INFO", exchange.getRequestURI().getPath());
    String query = exchange.getRequestURI().getRawQuery();
    env.put("QUERY_STRING", query == null ? "" : query);
    env.put("CONTENT_LENGTH", String.valueOf(body.length));
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType != null) {
      env.put("CONTENT_TYPE", contentType);
    }
    if (user != null) {
      env.put("REMOTE_USER", user);
      env.put("AUTH_TYPE", "Basic");
    }
    // Request headers as HTTP_*: the backend reads Git-Protocol (v2) and Content-Encoding (gzip) there.
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      String name = header.getKey().toUpperCase(Locale.ROOT).replace('-', '_');
      if (!name.equals("AUTHORIZATION") && !name.equals("CONTENT_TYPE") && !name.equals("CONTENT_LENGTH")) {
        env.put("HTTP_" + name, String.join(", ", header.getValue()));
      }
    }

    Process process = builder.start();
    Thread writer = new Thread(() -> {
      try (OutputStream stdin = process.getOutputStream()) {
        stdin.write(body);
      } catch (IOException ignored) {
        // the backend stopped reading; its answer tells why
      }
    }, "git-http-backend-stdin");
    writer.setDaemon(true);
    writer.start();

    try (InputStream stdout = process.getInputStream()) {
      int status = 200;
      long length = -2;
      Headers responseHeaders = exchange.getResponseHeaders();
      String line;
      while ((line = readHeaderLine(stdout)) != null && !line.isEmpty()) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        if (name.equalsIgnoreCase("Status")) {
          status = Integer.parseInt(value.split(" ", 2)[0]);
        } else if (name.equalsIgnoreCase("Content-Length")) {
          length = Long.parseLong(value);
        } else {
          responseHeaders.add(name, value);
        }
      }
      boolean noBody = exchange.getRequestMethod().equals("HEAD") || status == 204 || status == 304;
      exchange.sendResponseHeaders(status, noBody ? -1 : length == -2 ? 0 : length == 0 ? -1 : length);
      if (!noBody) {
        try (OutputStream out = exchange.getResponseBody()) {
          stdout.transferTo(out);
        }
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      return status;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException(e);
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  /** One CGI header line without its line end ("" for the blank line), or null at end of output. */
  private static String readHeaderLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    FixtureSupport.deleteRecursively(directory);
    FixtureSupport.closed(this);
  }
}
