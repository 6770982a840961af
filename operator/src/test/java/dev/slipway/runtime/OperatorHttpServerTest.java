package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.config.OperatorConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's HTTP ports on real sockets (loopback): callers of the HTTP port that send slowly,
 * too much or with a wrong token delay neither a probe nor a genuine webhook and are cut off at the
 * deadline, and the webhook's answer says nothing about which projects exist.
 */
class OperatorHttpServerTest {

  private static final String TOKEN = "hook-token-for-tests";
  private static final Duration DEADLINE = Duration.ofSeconds(3);
  private static final Duration QUICK = Duration.ofSeconds(1);

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(QUICK).build();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService drips = Executors.newScheduledThreadPool(4);
  private final ExecutorService readers = Executors.newCachedThreadPool();
  private OperatorHttpServer server;

  @AfterEach
  void stop() {
    drips.shutdownNow();
    readers.shutdownNow();
    sockets.forEach(OperatorHttpServerTest::closeQuietly);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void slowAndOversizedCallersDelayNeitherProbesNorAGenuineWebhook() throws Exception {
    AtomicInteger nudged = new AtomicInteger();
    server = start((namespace, project) -> nudged.incrementAndGet());
    // A warm client, as the kubelet's is: the first request of a JVM pays for class loading.
    http.send(get(probeBase() + "/healthz"), HttpResponse.BodyHandlers.discarding());
    String hook = "POST /hooks/git/team-a/shop HTTP/1.1\r\nHost: operator\r\n";
    List<SlowCaller> callers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      // Half a header, then one byte a second: each read is quick, the request never ends.
      callers.add(slowCaller(hook + "X-Slipway-To", new byte[] {'k'}, Duration.ofSeconds(1)));
    }
    for (int i = 0; i < 10; i++) {
      // The right token and a body of 900 kB at 2 kB/s.
      callers.add(slowCaller(hook + "X-Slipway-Token: " + TOKEN + "\r\nContent-Length: 900000\r\n\r\n", new byte[1024],
          Duration.ofMillis(500)));
    }
    for (int i = 0; i < 10; i++) {
      // No token and a gigabyte announced, sent slowly.
      callers.add(slowCaller(hook + "Content-Length: 1000000000\r\n\r\n", new byte[8192], Duration.ofMillis(200)));
    }

    int webhooks = 0;
    long until = System.nanoTime() + DEADLINE.multipliedBy(2).plusSeconds(1).toNanos();
    for (int round = 0; System.nanoTime() < until; round++) {
      String during = " during round " + round + " of the attack";
      assertThat(quickly(get(probeBase() + "/healthz"), during).statusCode()).as("liveness probe" + during).isEqualTo(200);
      assertThat(quickly(get(probeBase() + "/readyz"), during).statusCode()).as("readiness probe" + during).isEqualTo(200);
      assertThat(quickly(get(httpBase() + "/healthz"), during).statusCode()).as("the HTTP port itself" + during).isEqualTo(200);
      if (round % 4 == 0) {
        assertThat(quickly(hook("/hooks/git/team-a/shop", TOKEN), during).statusCode()).as("webhook" + during).isEqualTo(202);
        webhooks++;
      }
      Thread.sleep(250);
    }

    // Every genuine webhook nudged the project; the bodies that never finished nudged nothing.
    int expected = webhooks;
    await().atMost(Duration.ofSeconds(2)).until(() -> nudged.get() == expected);
    assertThat(nudged.get()).isEqualTo(expected);
    long allowed = DEADLINE.plusMillis(1500).toNanos();
    for (int i = 0; i < callers.size(); i++) {
      SlowCaller c = callers.get(i);
      assertThat(c.closedAfterNanos()).as("slow caller %d closed by the server within the deadline", i)
          .isPositive().isLessThanOrEqualTo(allowed);
    }
    // The callers that kept sending a valid-looking request were closed by the deadline, not refused at once.
    for (int i = 0; i < 60; i++) {
      assertThat(callers.get(i).closedAfterNanos()).as("slow caller %d held until the deadline", i)
          .isGreaterThanOrEqualTo(DEADLINE.minusMillis(500).toNanos());
    }
  }

  @Test
  void theWebhookAnswerIsTheSameWhetherOrNotTheProjectExists() throws Exception {
    List<String> nudged = new CopyOnWriteArrayList<>();
    server = start((namespace, project) -> {
      nudged.add(namespace + "/" + project);
      if (project.equals("shop")) {
        sleep(Duration.ofMillis(1500)); // a project with environments takes work to nudge
      }
    });
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (String path : List.of("/hooks/git/team-a/shop", "/hooks/git/team-a/ghost", "/hooks/git/nobody/ghost")) {
      answers.add(quickly(hook(path, TOKEN)));
    }
    for (HttpResponse<String> answer : answers) {
      assertThat(answer.statusCode()).isEqualTo(202);
      assertThat(answer.body()).isEqualTo(answers.get(0).body());
      assertThat(answer.headers().map()).isEqualTo(answers.get(0).headers().map());
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> nudged.size() == 3);
    assertThat(nudged).containsExactly("team-a/shop", "team-a/ghost", "nobody/ghost");
  }

  @Test
  void aWrongTokenIsRefusedWhateverThePathOrMethodBeforeAnyBodyIsRead() throws Exception {
    List<String> nudged = new CopyOnWriteArrayList<>();
    server = start((namespace, project) -> nudged.add(project));
    for (String token : new String[] {null, "wrong", TOKEN + "x"}) {
      for (String path : List.of("/hooks/git/team-a/shop", "/hooks/git/Not_A_Name", "/hooks/elsewhere", "/hooks")) {
        assertThat(quickly(hook(path, token)).statusCode()).as("POST %s with token %s", path, token).isEqualTo(401);
        HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(httpBase() + path)).timeout(QUICK);
        if (token != null) {
          get.header("Authorization", "Bearer " + token);
        }
        assertThat(quickly(get.build()).statusCode()).as("GET %s with token %s", path, token).isEqualTo(401);
      }
    }
    // The answer comes before the announced body, which is never sent.
    assertThat(raw("POST /hooks/git/team-a/shop HTTP/1.1\r\nHost: operator\r\nX-Slipway-Token: wrong\r\n"
        + "Content-Length: 500000\r\n\r\n")).startsWith("HTTP/1.1 401 ");
    // A body too large for a push event is refused by its length, unread, even with the token.
    assertThat(raw("POST /hooks/git/team-a/shop HTTP/1.1\r\nHost: operator\r\nX-Slipway-Token: " + TOKEN + "\r\n"
        + "Content-Length: 10485760\r\n\r\n")).startsWith("HTTP/1.1 413 ");
    // With the token, a wrong method or path still says so.
    assertThat(quickly(HttpRequest.newBuilder(URI.create(httpBase() + "/hooks/git/team-a/shop")).timeout(QUICK)
        .header("X-Slipway-Token", TOKEN).build()).statusCode()).isEqualTo(405);
    assertThat(quickly(hook("/hooks/git/Not_A_Name", TOKEN)).statusCode()).isEqualTo(404);
    Thread.sleep(300);
    assertThat(nudged).isEmpty();
  }

  @Test
  void genuineCallersOfEveryKindAreServed() throws Exception {
    List<String> nudged = new CopyOnWriteArrayList<>();
    server = start((namespace, project) -> nudged.add(namespace + "/" + project));
    // A push event of 200 kB, as a Git server sends it.
    HttpResponse<String> big = quickly(HttpRequest.newBuilder(URI.create(httpBase() + "/hooks/git/team-a/shop")).timeout(QUICK)
        .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString("{\"x\":\"" + "a".repeat(200_000) + "\"}"))
        .build());
    assertThat(big.statusCode()).isEqualTo(202);
    // Chunked, as some Git servers send it.
    assertThat(raw("POST /hooks/git/team-a/chunked HTTP/1.1\r\nHost: operator\r\nX-Slipway-Token: " + TOKEN + "\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"))
        .startsWith("HTTP/1.1 202 ");
    // curl waits for "100 Continue" before it sends a larger body.
    try (Socket s = connect(server.port())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /hooks/git/team-a/curl HTTP/1.1\r\nHost: operator\r\nX-Slipway-Token: " + TOKEN + "\r\n"
          + "Content-Length: 4\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 100 ");
      out.write("{}\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 202 ");
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> nudged.size() == 3);
    assertThat(nudged).containsExactly("team-a/shop", "team-a/chunked", "team-a/curl");

    HttpResponse<String> metrics = quickly(get(httpBase() + "/metrics"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
    HttpResponse<String> nothing = quickly(get(httpBase() + "/nothing"));
    assertThat(nothing.statusCode()).isEqualTo(404);
    assertThat(nothing.body()).isEqualTo("not found\n");
    // The probe port serves the probes and nothing else.
    assertThat(quickly(get(probeBase() + "/metrics")).statusCode()).isEqualTo(404);
    assertThat(quickly(hookAt(probeBase() + "/hooks/git/team-a/shop", TOKEN)).statusCode()).isEqualTo(404);
    // A head beyond its bound is refused.
    assertThat(raw("GET /healthz HTTP/1.1\r\nHost: operator\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n"))
        .startsWith("HTTP/1.1 431 ");
  }

  @Test
  void withoutATokenThereIsNoWebhook() throws Exception {
    OperatorConfig config = OperatorConfig.defaults().toBuilder().httpPort(0).probePort(0).build();
    server = new OperatorHttpServer(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> true, () -> false, null);
    assertThat(quickly(hook("/hooks/git/team-a/shop", "anything")).statusCode()).isEqualTo(404);
    assertThat(quickly(get(httpBase() + "/healthz")).statusCode()).isEqualTo(200);
    assertThat(quickly(get(probeBase() + "/readyz")).statusCode()).isEqualTo(503);
  }

  // --- helpers ---------------------------------------------------------------------------------

  private OperatorHttpServer start(BiConsumer<String, String> refresh) throws IOException {
    OperatorConfig config = OperatorConfig.defaults().toBuilder().httpPort(0).probePort(0).httpRequestTimeout(DEADLINE).build();
    return new OperatorHttpServer(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> true, () -> true,
        new OperatorHttpServer.Webhook(TOKEN, refresh));
  }

  private String httpBase() {
    return "http://127.0.0.1:" + server.port();
  }

  private String probeBase() {
    return "http://127.0.0.1:" + server.probePort();
  }

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(QUICK).build();
  }

  private HttpRequest hook(String path, String token) {
    return hookAt(httpBase() + path, token);
  }

  private static HttpRequest hookAt(String url, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(QUICK).POST(HttpRequest.BodyPublishers.ofString("{}"));
    if (token != null) {
      b.header("X-Slipway-Token", token);
    }
    return b.build();
  }

  /** Sends the request and fails unless the whole answer arrived within a second. */
  private HttpResponse<String> quickly(HttpRequest request) throws Exception {
    return quickly(request, "");
  }

  private HttpResponse<String> quickly(HttpRequest request, String when) throws Exception {
    long start = System.nanoTime();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("%s %s answered%s", request.method(), request.uri(), when)
        .isLessThan(QUICK);
    return response;
  }

  /** Writes {@code request} on a new connection and reads the answer for at most a second. */
  private String raw(String request) throws IOException {
    try (Socket s = connect(server.port())) {
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      return readHead(s.getInputStream());
    }
  }

  private Socket connect(int port) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.connect(new InetSocketAddress("127.0.0.1", port), (int) QUICK.toMillis());
    s.setSoTimeout((int) QUICK.toMillis());
    return s;
  }

  /** The status line and headers of the next answer on the connection. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    try {
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        head.write(b);
      }
    } catch (SocketTimeoutException e) {
      return "no answer within " + QUICK + " (got '" + head.toString(StandardCharsets.ISO_8859_1) + "')";
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  /** A caller that sends {@code head}, then {@code drip} every {@code every} until the server closes the connection. */
  private SlowCaller slowCaller(String head, byte[] drip, Duration every) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.connect(new InetSocketAddress("127.0.0.1", server.port()), (int) QUICK.toMillis());
    SlowCaller caller = new SlowCaller(System.nanoTime());
    OutputStream out = s.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    drips.scheduleWithFixedDelay(() -> {
      try {
        out.write(drip);
        out.flush();
      } catch (IOException e) {
        throw new IllegalStateException("closed", e); // ends this caller's schedule
      }
    }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    readers.execute(() -> {
      try {
        InputStream in = s.getInputStream();
        byte[] buffer = new byte[4096];
        while (in.read(buffer) >= 0) {
          // an answer (401, 413) may come first; the close is what counts
        }
      } catch (IOException e) {
        // reset by the server: closed as well
      }
      caller.closed();
    });
    return caller;
  }

  private static final class SlowCaller {
    private final long opened;
    private volatile long closed = -1;

    SlowCaller(long opened) {
      this.opened = opened;
    }

    void closed() {
      if (closed < 0) {
        closed = System.nanoTime();
      }
    }

    /** How long after opening the server closed it; -1 while it is open. */
    long closedAfterNanos() {
      long c = closed;
      return c < 0 ? -1 : c - opened;
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // the test is over
    }
  }
}
