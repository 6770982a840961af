package dev.slipway.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 for callers that may be hostile, on one selector thread: a slow client costs a socket
 * and a small buffer, never a thread, so a thousand half-sent requests cannot delay the next one.
 * Every connection is closed at its deadline (counted from accept, so trickling a byte at a time
 * does not extend it), the head and the body are bounded, at most {@code maxConnections} are open
 * (more are closed at accept), and each connection carries one request ({@code Connection: close}).
 * The handler decides on the head alone, before any body is read; it runs on the selector thread
 * and must not block.
 */
final class BoundedHttpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BoundedHttpServer.class);

  /** After the answer, how long and how much of a client's unread input is drained before the close (no reset that eats the answer). */
  private static final long LINGER_NANOS = Duration.ofSeconds(1).toNanos();
  private static final int LINGER_BYTES = 64 * 1024;
  private static final int MAX_HEADERS = 100;

  /**
   * @param maxConnections connections open at once
   * @param requestTimeout from accept to the last byte of the answer
   * @param maxHeadBytes request line and headers together
   * @param maxBodyBytes a longer body is answered 413 (by its Content-Length, before it is read)
   */
  record Limits(int maxConnections, Duration requestTimeout, int maxHeadBytes, long maxBodyBytes) {}

  /** A request's head; header names are lower case, the first value of each is kept. */
  record Request(String method, String path, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  record Response(int status, String contentType, String body) {
    static Response text(int status, String body) {
      return new Response(status, "text/plain; charset=utf-8", body);
    }
  }

  /**
   * What to do once the head is read: answer at once and never read the body, or read (and drop)
   * the whole body first, then run the action and answer. A body cut off by the deadline runs nothing.
   */
  record Reply(Response response, Runnable onBody) {
    static Reply now(Response response) {
      return new Reply(response, null);
    }

    static Reply afterBody(Response response, Runnable action) {
      return new Reply(response, action);
    }
  }

  interface Handler {
    Reply handle(Request request);
  }

  private final String name;
  private final Limits limits;
  private final Handler handler;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final int port;
  private final Thread thread;
  private final Set<Connection> connections = new HashSet<>();
  private final ByteBuffer scratch = ByteBuffer.allocate(16 * 1024);
  private volatile boolean running = true;

  BoundedHttpServer(String name, int port, Limits limits, Handler handler) throws IOException {
    this.name = name;
    this.limits = limits;
    this.handler = handler;
    selector = Selector.open();
    server = ServerSocketChannel.open();
    try {
      server.bind(new InetSocketAddress(port), 128);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      server.close();
      selector.close();
      throw new IOException("cannot serve " + name + " on port " + port + ": " + e.getMessage(), e);
    }
    this.port = ((InetSocketAddress) server.getLocalAddress()).getPort();
    thread = new Thread(this::run, "slipway-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return port;
  }

  private void run() {
    try {
      while (running) {
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          if (key.isValid() && key.isAcceptable()) {
            accept();
          } else if (key.attachment() instanceof Connection c) {
            c.onReady(key);
          }
        }
        selector.selectedKeys().clear();
        expire(System.nanoTime());
      }
    } catch (IOException | ClosedSelectorException e) {
      if (running) {
        log.error("the {} port stopped serving: {}", name, e.toString());
      }
    } finally {
      new ArrayList<>(connections).forEach(Connection::close);
      closeQuietly(server);
      closeQuietly(selector);
    }
  }

  private void accept() throws IOException {
    SocketChannel channel;
    while ((channel = server.accept()) != null) {
      if (connections.size() >= limits.maxConnections()) {
        log.debug("{} port: {} connections open, closing a new one", name, connections.size());
        closeQuietly(channel);
        continue;
      }
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      Connection c = new Connection(channel, System.nanoTime() + limits.requestTimeout().toNanos());
      c.key = channel.register(selector, SelectionKey.OP_READ, c);
      connections.add(c);
    }
  }

  private void expire(long now) {
    for (Connection c : new ArrayList<>(connections)) {
      if (now - c.deadline > 0 || (c.state == State.LINGER && now - c.lingerUntil > 0)) {
        c.close();
      }
    }
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing is all that is left to do
    }
  }

  private enum State { HEAD, BODY, WRITE, LINGER }

  /** A problem with the request itself, answered with its status. */
  private static final class BadRequest extends Exception {
    final int status;

    BadRequest(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private final class Connection {
    final SocketChannel channel;
    final long deadline;
    SelectionKey key;
    State state = State.HEAD;
    byte[] head = new byte[1024];
    int headLength;
    Reply reply;
    BodySkipper body;
    ByteBuffer out;
    long lingerUntil;
    int lingered;

    Connection(SocketChannel channel, long deadline) {
      this.channel = channel;
      this.deadline = deadline;
    }

    void onReady(SelectionKey k) {
      try {
        if (k.isValid() && k.isReadable()) {
          onReadable();
        }
        if (k.isValid() && k.isWritable()) {
          onWritable();
        }
      } catch (IOException | RuntimeException e) {
        close();
      }
    }

    private void onReadable() throws IOException {
      scratch.clear();
      int n = channel.read(scratch);
      if (n < 0) {
        // The client is done sending: nothing more can complete this request. While the answer
        // is still being written, stop reading (an ended input is always readable).
        if (state == State.WRITE) {
          key.interestOps(SelectionKey.OP_WRITE);
        } else {
          close();
        }
        return;
      }
      scratch.flip();
      try {
        switch (state) {
          case HEAD -> readHead(scratch);
          case BODY -> readBody(scratch);
          case LINGER -> {
            lingered += n;
            if (lingered > LINGER_BYTES) {
              close();
            }
          }
          case WRITE -> { } // input after the request is dropped
        }
      } catch (BadRequest e) {
        respond(Response.text(e.status, e.getMessage() + "\n"));
      }
    }

    private void readHead(ByteBuffer in) throws BadRequest, IOException {
      int from = Math.max(0, headLength - 3);
      int take = Math.min(in.remaining(), limits.maxHeadBytes() + 4 - headLength);
      if (headLength + take > head.length) {
        head = java.util.Arrays.copyOf(head, Math.min(limits.maxHeadBytes() + 4, Math.max(head.length * 2, headLength + take)));
      }
      in.get(head, headLength, take);
      headLength += take;
      int end = endOfHead(from);
      if (end < 0) {
        if (headLength >= limits.maxHeadBytes()) {
          throw new BadRequest(431, "request head larger than " + limits.maxHeadBytes() + " bytes");
        }
        return;
      }
      Request request = parseHead(new String(head, 0, end, StandardCharsets.ISO_8859_1));
      try {
        reply = handler.handle(request);
      } catch (RuntimeException e) {
        log.warn("{} port: {} {} failed: {}", name, request.method(), request.path(), e.toString());
        reply = Reply.now(Response.text(500, "internal error"));
      }
      if (reply.onBody() == null) {
        respond(reply.response());
        return;
      }
      body = BodySkipper.of(request, limits.maxBodyBytes());
      state = State.BODY;
      if ("100-continue".equalsIgnoreCase(request.header("expect"))) {
        ByteBuffer interim = ByteBuffer.wrap("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        channel.write(interim);
        if (interim.hasRemaining()) {
          close(); // the send buffer was full before anything was answered: not a client worth waiting for
          return;
        }
      }
      // Bytes read past the head belong to the body.
      readBody(ByteBuffer.wrap(head, end, headLength - end));
      if (state == State.BODY) {
        readBody(in);
      }
    }

    /** Where the body starts (just after the blank line), or -1 if the head is not complete yet. */
    private int endOfHead(int from) {
      for (int i = from; i < headLength; i++) {
        if (head[i] != '\n') {
          continue;
        }
        if (i + 1 < headLength && head[i + 1] == '\n') {
          return i + 2;
        }
        if (i + 2 < headLength && head[i + 1] == '\r' && head[i + 2] == '\n') {
          return i + 3;
        }
      }
      return -1;
    }

    private void readBody(ByteBuffer in) throws BadRequest, IOException {
      if (body.skip(in)) {
        reply.onBody().run();
        respond(reply.response());
      }
    }

    private void respond(Response response) throws IOException {
      byte[] content = response.body().getBytes(StandardCharsets.UTF_8);
      String headLines = "HTTP/1.1 " + response.status() + " " + reason(response.status()) + "\r\n"
          + "Content-Type: " + response.contentType() + "\r\n"
          + "Content-Length: " + content.length + "\r\n"
          + "Connection: close\r\n\r\n";
      byte[] h = headLines.getBytes(StandardCharsets.US_ASCII);
      out = ByteBuffer.allocate(h.length + content.length).put(h).put(content).flip();
      state = State.WRITE;
      key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      onWritable();
    }

    private void onWritable() throws IOException {
      if (state != State.WRITE) {
        return;
      }
      channel.write(out);
      if (!out.hasRemaining()) {
        channel.shutdownOutput();
        state = State.LINGER;
        lingerUntil = System.nanoTime() + LINGER_NANOS;
        key.interestOps(SelectionKey.OP_READ);
      }
    }

    void close() {
      connections.remove(this);
      if (key != null) {
        key.cancel();
      }
      closeQuietly(channel);
    }
  }

  private static Request parseHead(String text) throws BadRequest {
    String[] lines = text.split("\r?\n");
    int first = 0;
    while (first < lines.length && lines[first].isEmpty()) {
      first++; // blank lines before the request line are allowed (RFC 9112 2.2)
    }
    if (first >= lines.length) {
      throw new BadRequest(400, "no request line");
    }
    String[] parts = lines[first].split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      throw new BadRequest(400, "not an HTTP/1.x request line");
    }
    String path;
    try {
      path = new URI(parts[1]).getRawPath();
    } catch (URISyntaxException e) {
      throw new BadRequest(400, "bad request target");
    }
    if (path == null || path.isEmpty()) {
      throw new BadRequest(400, "bad request target");
    }
    Map<String, String> headers = new HashMap<>();
    int count = 0;
    for (int i = first + 1; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        continue;
      }
      if (++count > MAX_HEADERS) {
        throw new BadRequest(431, "more than " + MAX_HEADERS + " headers");
      }
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        throw new BadRequest(400, "bad header line");
      }
      headers.putIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    return new Request(parts[0], path, Map.copyOf(headers));
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 202 -> "Accepted";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 413 -> "Content Too Large";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Server Error" : "Status";
    };
  }

  /** Reads a request body away (Content-Length or chunked), never more than the limit. */
  private abstract static class BodySkipper {

    /** Consumes what it can of {@code in}; true once the body is complete. */
    abstract boolean skip(ByteBuffer in) throws BadRequest;

    static BodySkipper of(Request request, long max) throws BadRequest {
      String encoding = request.header("transfer-encoding");
      if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
        if (!encoding.toLowerCase(Locale.ROOT).endsWith("chunked")) {
          throw new BadRequest(400, "unsupported transfer encoding");
        }
        return new Chunked(max);
      }
      String length = request.header("content-length");
      long n;
      try {
        n = length == null ? 0 : Long.parseLong(length);
      } catch (NumberFormatException e) {
        throw new BadRequest(400, "bad Content-Length");
      }
      if (n < 0) {
        throw new BadRequest(400, "bad Content-Length");
      }
      if (n > max) {
        throw new BadRequest(413, "body larger than " + max + " bytes");
      }
      return new Sized(n);
    }

    private static final class Sized extends BodySkipper {
      private long remaining;

      Sized(long length) {
        remaining = length;
      }

      @Override
      boolean skip(ByteBuffer in) {
        int k = (int) Math.min(remaining, in.remaining());
        in.position(in.position() + k);
        remaining -= k;
        return remaining == 0;
      }
    }

    private static final class Chunked extends BodySkipper {
      private enum Part { SIZE, DATA, DATA_END, TRAILER, DONE }

      private final long max;
      private final StringBuilder line = new StringBuilder();
      private Part part = Part.SIZE;
      private long remaining;
      private long total;

      Chunked(long max) {
        this.max = max;
      }

      @Override
      boolean skip(ByteBuffer in) throws BadRequest {
        while (in.hasRemaining() && part != Part.DONE) {
          if (part == Part.DATA) {
            int k = (int) Math.min(remaining, in.remaining());
            in.position(in.position() + k);
            remaining -= k;
            total += k;
            if (remaining == 0) {
              part = Part.DATA_END;
            }
          } else {
            byte b = in.get();
            total++;
            if (b == '\n') {
              onLine(line.toString().strip());
              line.setLength(0);
            } else if (b != '\r') {
              if (line.length() >= 256) {
                throw new BadRequest(400, "bad chunk");
              }
              line.append((char) b);
            }
          }
          if (total > max) {
            throw new BadRequest(413, "body larger than " + max + " bytes");
          }
        }
        return part == Part.DONE;
      }

      private void onLine(String text) throws BadRequest {
        switch (part) {
          case SIZE -> {
            int semicolon = text.indexOf(';');
            long size;
            try {
              size = Long.parseLong(semicolon < 0 ? text : text.substring(0, semicolon).strip(), 16);
            } catch (NumberFormatException e) {
              throw new BadRequest(400, "bad chunk size");
            }
            if (size < 0 || size > max) {
              throw new BadRequest(413, "body larger than " + max + " bytes");
            }
            remaining = size;
            part = size == 0 ? Part.TRAILER : Part.DATA;
          }
          case DATA_END -> {
            if (!text.isEmpty()) {
              throw new BadRequest(400, "bad chunk end");
            }
            part = Part.SIZE;
          }
          case TRAILER -> {
            if (text.isEmpty()) {
              part = Part.DONE;
            }
          }
          default -> { }
        }
      }
    }
  }
}
