package dev.slipway.testing.git;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code git daemon} on 127.0.0.1 serving {@link GitRemote}s anonymously over git://.
 *
 * <pre>{@code
 * try (GitRemote remote = new GitRemote("shop"); GitDaemon daemon = new GitDaemon()) {
 *   String url = daemon.url(remote); // git://127.0.0.1:PORT/shop.git
 * }
 * }</pre>
 *
 * <p>Runs {@code git daemon --reuseaddr --export-all --base-path=<dir> --listen=127.0.0.1
 * --port=<free>}; {@link #url} links the remote into that directory. Stopped by close() or at JVM
 * exit.
 */
public final class GitDaemon implements AutoCloseable {

  private static final int ATTEMPTS = 5;

  private final Path baseDirectory;
  private final Process process;
  private final int port;
  private final FixtureSupport.OutputTail stderr;

  public GitDaemon() {
    baseDirectory = FixtureSupport.tempDirectory("slipway-git-daemon-");
    String failure = "";
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      int candidate = FixtureSupport.freePort();
      Process started;
      try {
        started = new ProcessBuilder(List.of("git", "daemon", "--reuseaddr", "--export-all",
            "--base-path=" + baseDirectory, "--listen=127.0.0.1", "--port=" + candidate))
            .directory(baseDirectory.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
      } catch (IOException e) {
        FixtureSupport.deleteRecursively(baseDirectory);
        throw new UncheckedIOException("cannot start git daemon (is git installed?)", e);
      }
      FixtureSupport.OutputTail tail =
          FixtureSupport.OutputTail.drain(started.getErrorStream(), "git-daemon-stderr", 50);
      // git daemon sends nothing before the client speaks, so an accepted connection is the sign.
      if (FixtureSupport.awaitPort(candidate, started, Duration.ofSeconds(15), null)) {
        this.process = started;
        this.port = candidate;
        this.stderr = tail;
        FixtureSupport.closeOnExit(this);
        return;
      }
      FixtureSupport.stop(started);
      failure = "exit " + (started.isAlive() ? "none" : started.exitValue()) + ": " + tail;
    }
    FixtureSupport.deleteRecursively(baseDirectory);
    throw new IllegalStateException("git daemon did not start after " + ATTEMPTS + " attempts; last: " + failure);
  }

  public int port() {
    return port;
  }

  /** git://127.0.0.1:PORT/name.git, serving that remote from now on. */
  public String url(GitRemote remote) {
    FixtureSupport.publish(baseDirectory, remote);
    return "git://127.0.0.1:" + port + "/" + remote.name() + ".git";
  }

  /** What git daemon wrote to stderr (the last lines), for failure messages. */
  public String stderr() {
    return stderr.toString();
  }

  @Override
  public void close() {
    FixtureSupport.stop(process);
    FixtureSupport.deleteRecursively(baseDirectory);
    FixtureSupport.closed(this);
  }
}
