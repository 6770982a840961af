package dev.slipway.testing.git;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** What the Git fixtures share: temp directories, free ports, child processes and cleanup at JVM exit. */
final class FixtureSupport {

  private static final Set<AutoCloseable> OPEN = new LinkedHashSet<>();
  private static boolean hookInstalled;

  private FixtureSupport() {}

  /** Closes the fixture when the JVM exits, unless it was closed before (then call {@link #closed}). */
  static synchronized void closeOnExit(AutoCloseable fixture) {
    if (!hookInstalled) {
      Runtime.getRuntime().addShutdownHook(new Thread(FixtureSupport::closeAll, "git-fixtures-stop"));
      hookInstalled = true;
    }
    OPEN.add(fixture);
  }

  static synchronized void closed(AutoCloseable fixture) {
    OPEN.remove(fixture);
  }

  private static void closeAll() {
    List<AutoCloseable> open;
    synchronized (FixtureSupport.class) {
      open = new ArrayList<>(OPEN);
    }
    for (AutoCloseable fixture : open) {
      try {
        fixture.close();
      } catch (Exception ignored) {
        // the JVM is going away; stop what can be stopped
      }
    }
  }

  static Path tempDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix).toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort
    }
  }

  /**
   * Makes {@code remote} visible as {@code <base>/<name>.git} (a symbolic link), so one server can
   * serve remotes that live in directories of their own.
   */
  static synchronized void publish(Path base, GitRemote remote) {
    Path link = base.resolve(remote.name() + ".git");
    try {
      if (Files.isSymbolicLink(link)) {
        if (Files.readSymbolicLink(link).equals(remote.bareRepository())) {
          return;
        }
        throw new IllegalArgumentException("another remote named " + remote.name() + " is already served here");
      }
      Files.createSymbolicLink(link, remote.bareRepository());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A port free on 127.0.0.1 right now (a server started on it may still lose a race: callers retry). */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until 127.0.0.1:port accepts connections and the greeting (the first bytes the server
   * sends, empty for servers that wait for the client) passes the check.
   */
  static boolean awaitPort(int port, Process process, Duration timeout, Predicate<String> greeting) {
    return awaitPort("127.0.0.1", port, process, timeout, greeting);
  }

  static boolean awaitPort(String host, int port, Process process, Duration timeout, Predicate<String> greeting) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        return false;
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getByName(host), port), 500);
        socket.setSoTimeout(500);
        String first = "";
        if (greeting != null) {
          byte[] buffer = new byte[64];
          int n = socket.getInputStream().read(buffer);
          first = n > 0 ? new String(buffer, 0, n, StandardCharsets.ISO_8859_1) : "";
        }
        if (greeting == null || greeting.test(first)) {
          return true;
        }
      } catch (IOException e) {
        // not yet
      }
      sleep(50);
    }
    return false;
  }

  /** Stops a server process and whatever it forked (git daemon and sshd fork per connection). */
  static void stop(Process process) {
    if (process == null) {
      return;
    }
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /** Runs a short command and returns its standard output; fails with its output if it fails. */
  static String run(List<String> command, Path directory) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      if (directory != null) {
        builder.directory(directory.toFile());
      }
      Process process = builder.start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(command + " failed (exit " + process.exitValue() + "): " + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Keeps the last lines a process writes (its stderr), to explain a failed start. */
  static final class OutputTail {

    private final Deque<String> lines = new ArrayDeque<>();
    private final int max;

    private OutputTail(int max) {
      this.max = max;
    }

    static OutputTail drain(InputStream stream, String threadName, int maxLines) {
      OutputTail tail = new OutputTail(maxLines);
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            tail.add(line);
          }
        } catch (IOException ignored) {
          // the process went away
        }
      }, threadName);
      reader.setDaemon(true);
      reader.start();
      return tail;
    }

    private synchronized void add(String line) {
      lines.addLast(line);
      while (lines.size() > max) {
        lines.removeFirst();
      }
    }

    @Override
    public synchronized String toString() {
      return String.join("\n", lines);
    }
  }
}
