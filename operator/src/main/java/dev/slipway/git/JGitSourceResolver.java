package dev.slipway.git;

import dev.slipway.git.SourceException.Reason;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.LsRemoteCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves branches with JGit's ls-remote: only the remote's branch list is read, nothing is
 * cloned, so it is cheap enough to run on every reconcile.
 *
 * <p>Stateless and thread-safe: every call builds its own transport (and ssh session factory)
 * and closes it before returning.
 *
 * <p>The timeout bounds each connect and read, and the whole call too: JGit's own timeouts do not
 * cover everything (a git:// server that accepts the connection and then says nothing blocks a
 * socket read that JGit's interrupt-based timer cannot wake on current JDKs, and an ssh server
 * that never finishes the handshake is waited for sshd's two-minute auth timeout). So the work
 * runs on a worker thread, and the caller, typically a reconcile thread, gets RemoteUnreachable
 * when the time is up; the worker is interrupted, which ends a stalled ssh session, while a
 * stalled git:// read ends only when the server closes the connection.
 */
public final class JGitSourceResolver implements SourceResolver {

  private static final Logger log = LoggerFactory.getLogger(JGitSourceResolver.class);

  /** A grace period past JGit's own timeouts, so their more precise errors win when they fire. */
  private static final long GRACE_MILLIS = 1000;

  private static final ExecutorService WORKERS = Executors.newCachedThreadPool(new ThreadFactory() {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, "slipway-git-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  });

  private final Duration timeout;
  private final int timeoutSeconds;
  private final GitTrust trust;

  /** The timeout bounds each connect and read and the whole call (in whole seconds, at least one). */
  public JGitSourceResolver(Duration timeout) {
    this(timeout, null);
  }

  /** As above; https servers are also trusted when {@code trust} (nullable) vouches for them. */
  public JGitSourceResolver(Duration timeout, GitTrust trust) {
    this.trust = trust;
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.timeout = timeout;
    this.timeoutSeconds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (timeout.toMillis() + 999) / 1000));
  }

  public Duration timeout() {
    return timeout;
  }

  @Override
  public ResolvedCommit resolve(String url, String branch, GitCredentials credentials) throws SourceException {
    long started = System.nanoTime();
    GitCredentials given = credentials == null ? GitCredentials.none() : credentials;
    String shown = GitUrls.redact(url);
    try {
      Remote remote = Remote.parse(url, given);
      shown = remote.redacted;
      if (branch == null || branch.isBlank() || !Repository.isValidRefName(Constants.R_HEADS + branch)) {
        throw new SourceException(Reason.BranchNotFound, "\"" + branch + "\" is not a valid branch name", null);
      }
      ResolvedCommit commit = withinTimeout(remote, branch);
      log.debug("resolved {} of {} to {} in {} ms", commit.ref(), shown, commit.sha(), millisSince(started));
      return commit;
    } catch (SourceException e) {
      log.debug("could not resolve branch {} of {} in {} ms: {}: {}", branch, shown, millisSince(started),
          e.reason(), e.getMessage());
      throw e;
    }
  }

  private ResolvedCommit withinTimeout(Remote remote, String branch) throws SourceException {
    Future<ResolvedCommit> work = WORKERS.submit(() -> lsRemote(remote, branch));
    try {
      return work.get(timeoutSeconds * 1000L + GRACE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable failure = e.getCause();
      if (failure instanceof SourceException sourceException) {
        throw sourceException;
      }
      if (failure instanceof Error error) {
        throw error;
      }
      throw Failures.classify(failure, remote, null, timeoutSeconds);
    } catch (TimeoutException e) {
      work.cancel(true);
      throw Failures.timedOut(remote, timeoutSeconds, null);
    } catch (InterruptedException e) {
      work.cancel(true);
      Thread.currentThread().interrupt();
      throw new SourceException(Reason.RemoteUnreachable, "interrupted while reading " + remote.redacted, null);
    }
  }

  private ResolvedCommit lsRemote(Remote remote, String branch) throws SourceException {
    String ref = Constants.R_HEADS + branch;
    LsRemoteCommand command = Git.lsRemoteRepository()
        .setRemote(remote.jgitUrl)
        .setHeads(true)
        .setTags(false)
        .setTimeout(timeoutSeconds);
    if (remote.password != null) {
      command.setCredentialsProvider(new UsernamePasswordCredentialsProvider(
          remote.username == null ? "" : remote.username, remote.password));
    }
    SshSetup ssh = remote.kind == Remote.Kind.SSH
        ? SshSetup.create(remote.host, remote.port, remote.credentials, remote.password != null, remote.secrets)
        : null;
    try {
      if (ssh != null) {
        command.setTransportConfigCallback(transport -> {
          if (transport instanceof SshTransport sshTransport) {
            sshTransport.setSshSessionFactory(ssh.factory());
          }
        });
      } else if (trust != null) {
        command.setTransportConfigCallback(transport -> {
          if (transport instanceof TransportHttp http) {
            http.setHttpConnectionFactory(trust.connectionFactory());
          }
        });
      }
      Map<String, Ref> refs = command.callAsMap();
      Ref found = refs.get(ref);
      if (found == null || found.getObjectId() == null) {
        throw new SourceException(Reason.BranchNotFound,
            "branch \"" + branch + "\" not found at " + remote.redacted, null);
      }
      return new ResolvedCommit(found.getObjectId().name(), ref);
    } catch (GitAPIException | RuntimeException e) {
      throw Failures.classify(e, remote, ssh == null ? null : ssh.hostKeyProblem(), timeoutSeconds);
    } finally {
      if (ssh != null) {
        ssh.close();
      }
    }
  }

  private static long millisSince(long started) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }
}
