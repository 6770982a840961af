package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.git.GitCredentials;
import dev.slipway.git.GitUrls;
import dev.slipway.git.ResolvedCommit;
import dev.slipway.git.SourceException;
import dev.slipway.git.SourceResolver;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves each Environment's branch on the remote on a schedule, on threads of its own, so a
 * slow or unreachable Git server never holds a reconcile thread. The reconciler says what to
 * watch ({@link #track}) and reads the latest answer ({@link #latest}); an Environment is
 * reconciled again only when the answer changes (a new commit, or a different error), so a
 * remote that stays down costs one reconcile, not one per retry.
 *
 * <p>Failures are retried with exponential backoff, from {@code firstRetry} up to the poll
 * interval. {@link #refresh} polls at once (the refresh annotation and the webhook use it).
 *
 * <p>A Git server that does not answer (every lookup waits for the Git timeout) must not hold
 * the poller's threads for the Environments of other servers: once a lookup found a server
 * unreachable, only one lookup of that server runs at a time (it probes the server); the others
 * that come due meanwhile get that answer at once, without asking the server.
 */
public final class SourcePoller extends AbstractEventSource<SourcePoller.Observation, Environment> {

  private static final Logger log = LoggerFactory.getLogger(SourcePoller.class);

  /** What to resolve for one Environment. */
  public record Target(String namespace, String project, String url, String branch, String credentialsSecret) {}

  /** The latest answer for a target: a commit, or why there is none. */
  public record Observation(Target target, String commit, SourceException.Reason error, String message, Instant at) {

    public boolean resolved() {
      return commit != null;
    }

    boolean sameOutcome(Observation other) {
      return other != null && Objects.equals(target, other.target) && Objects.equals(commit, other.commit)
          && error == other.error && Objects.equals(message, other.message);
    }
  }

  /** Credentials for a target (from its Secret); throws SourceException(AuthFailed) when unusable. */
  public interface CredentialsLookup extends Function<Target, GitCredentials> {}

  private final SourceResolver resolver;
  private final CredentialsLookup credentials;
  private final Duration interval;
  private final Duration firstRetry;
  private final Clock clock;
  private final Map<ResourceID, Tracked> tracked = new ConcurrentHashMap<>();
  /** Servers (scheme://host:port) the last lookup could not reach. */
  private final Map<String, Unreachable> unreachable = new ConcurrentHashMap<>();
  private volatile Predicate<ResourceID> stillExists = id -> true;
  private ScheduledExecutorService executor;

  public SourcePoller(SourceResolver resolver, CredentialsLookup credentials, Duration interval, Duration firstRetry, Clock clock) {
    super(Observation.class, "source-poller");
    this.resolver = resolver;
    this.credentials = credentials;
    this.interval = interval;
    this.firstRetry = firstRetry;
    this.clock = clock;
  }

  /** Lets the poller drop Environments that no longer exist (their reconciler has no cleanup step). */
  public void setExistenceCheck(Predicate<ResourceID> exists) {
    this.stillExists = exists;
  }

  @Override
  public synchronized void start() throws OperatorException {
    if (executor == null) {
      executor = Executors.newScheduledThreadPool(4, r -> {
        Thread t = new Thread(r, "slipway-source-poller");
        t.setDaemon(true);
        return t;
      });
    }
    super.start();
  }

  @Override
  public synchronized void stop() throws OperatorException {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
    tracked.clear();
    super.stop();
  }

  /** Starts (or keeps) polling for an Environment; a changed target is polled at once. */
  public void track(ResourceID id, Target target) {
    Tracked t = tracked.computeIfAbsent(id, k -> new Tracked());
    synchronized (t) {
      if (target.equals(t.target)) {
        return;
      }
      t.target = target;
      t.sinceNanos = System.nanoTime(); // elapsed time, not the (injectable) wall clock
      t.failures = 0;
      schedule(id, t, Duration.ZERO);
    }
  }

  /** Polls now (the refresh annotation or a webhook asked). */
  public void refresh(ResourceID id) {
    Tracked t = tracked.get(id);
    if (t != null) {
      synchronized (t) {
        t.failures = 0;
        schedule(id, t, Duration.ZERO);
      }
    }
  }

  /** Polls now every tracked Environment of a project; returns how many. */
  public int refreshProject(String namespace, String project) {
    int n = 0;
    for (Map.Entry<ResourceID, Tracked> e : tracked.entrySet()) {
      Target target = e.getValue().target;
      if (target != null && target.namespace().equals(namespace) && target.project().equals(project)) {
        refresh(e.getKey());
        n++;
      }
    }
    return n;
  }

  public void forget(ResourceID id) {
    Tracked t = tracked.remove(id);
    if (t != null) {
      synchronized (t) {
        if (t.next != null) {
          t.next.cancel(false);
        }
      }
    }
  }

  /** How long the Environment's current target has been tracked (a very long time if it is not). */
  public Duration trackedFor(ResourceID id) {
    Tracked t = tracked.get(id);
    if (t == null) {
      return UNTRACKED;
    }
    synchronized (t) {
      return t.target == null ? UNTRACKED : Duration.ofNanos(System.nanoTime() - t.sinceNanos);
    }
  }

  private static final Duration UNTRACKED = Duration.ofDays(365);

  /** The latest answer for the Environment's current target, if there is one yet. */
  public Optional<Observation> latest(ResourceID id) {
    Tracked t = tracked.get(id);
    if (t == null) {
      return Optional.empty();
    }
    synchronized (t) {
      return Optional.ofNullable(t.latest).filter(o -> o.target().equals(t.target));
    }
  }

  @Override
  public Set<Observation> getSecondaryResources(Environment primary) {
    return latest(ResourceID.fromResource(primary)).map(Set::of).orElse(Set.of());
  }

  private void schedule(ResourceID id, Tracked t, Duration delay) {
    if (t.next != null) {
      t.next.cancel(false);
    }
    ScheduledExecutorService ex = executor;
    if (ex == null || ex.isShutdown()) {
      return;
    }
    t.next = ex.schedule(() -> poll(id, t), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void poll(ResourceID id, Tracked t) {
    if (!stillExists.test(id)) {
      forget(id);
      return;
    }
    Target target;
    synchronized (t) {
      target = t.target;
    }
    String server = server(target.url());
    Lookup lookup = server == null ? Lookup.ASK : failFast(server, target);
    Observation observation = lookup.answer();
    if (observation == null) {
      observation = resolve(target);
      if (server != null) {
        if (observation.error() != SourceException.Reason.RemoteUnreachable) {
          unreachable.remove(server);
        } else if (lookup.probe()) {
          unreachable.put(server, new Unreachable(false)); // the probe is over: the next lookup probes again
        } else {
          // A lookup that started before the server was known unreachable: it must not end a probe
          // another thread runs now, or every thread would take turns probing and none answer.
          unreachable.putIfAbsent(server, new Unreachable(false));
        }
      }
    }
    boolean changed;
    synchronized (t) {
      if (!target.equals(t.target) || tracked.get(id) != t) {
        return; // the target changed while this poll ran; the new one is scheduled already
      }
      changed = !observation.sameOutcome(t.latest);
      t.latest = observation;
      t.failures = observation.resolved() ? 0 : t.failures + 1;
      schedule(id, t, observation.resolved() ? interval : backoff(t.failures));
    }
    if (changed) {
      log.debug("source of {} now {}", id, observation.resolved() ? observation.commit() : observation.error());
      getEventHandler().handleEvent(new Event(id));
    }
  }

  private Observation resolve(Target target) {
    Instant now = Instant.now(clock);
    try {
      GitCredentials creds = target.credentialsSecret() == null ? GitCredentials.none() : credentials.apply(target);
      ResolvedCommit commit = resolver.resolve(target.url(), target.branch(), creds);
      return new Observation(target, commit.sha(), null, null, now);
    } catch (SourceException e) {
      return new Observation(target, null, e.reason(), e.getMessage(), now);
    } catch (CredentialsUnavailable e) {
      return new Observation(target, null, SourceException.Reason.AuthFailed, e.getMessage(), now);
    } catch (RuntimeException e) {
      // Unexpected: report it without the exception text, which might quote a URL with a token.
      log.warn("resolving {} of {} failed unexpectedly: {}", target.branch(), GitUrls.redact(target.url()), e.getClass().getName());
      return new Observation(target, null, SourceException.Reason.RemoteUnreachable,
          "could not resolve " + target.branch() + " at " + GitUrls.redact(target.url()) + " (" + e.getClass().getSimpleName() + ")", now);
    }
  }

  /** What a lookup does: ask the server, probe it (the one lookup of a server found unreachable), or take {@code answer}. */
  private record Lookup(Observation answer, boolean probe) {
    static final Lookup ASK = new Lookup(null, false);
    static final Lookup PROBE = new Lookup(null, true);
  }

  /** The answer for a server found unreachable a moment ago, else whether this lookup asks or probes it. */
  private Lookup failFast(String server, Target target) {
    while (true) {
      Unreachable u = unreachable.get(server);
      if (u == null) {
        return Lookup.ASK;
      }
      if (!u.probing()) {
        if (unreachable.replace(server, u, new Unreachable(true))) {
          return Lookup.PROBE;
        }
        continue;
      }
      // Words of its own, naming only the server: the probe's message names another repository,
      // maybe another team's.
      return new Lookup(new Observation(target, null, SourceException.Reason.RemoteUnreachable,
          "the Git server " + server + " did not answer a moment ago; it is being asked again", Instant.now(clock)), false);
    }
  }

  /** scheme://host[:port] of a remote URL (no user info), or null for local paths and what does not parse. */
  static String server(String url) {
    if (url == null) {
      return null;
    }
    try {
      if (!url.contains("://")) {
        // scp-like: [user@]host:path
        int colon = url.indexOf(':');
        if (colon <= 0) {
          return null;
        }
        String host = url.substring(url.indexOf('@') + 1, colon);
        return host.isEmpty() || host.contains("/") ? null : "ssh://" + host;
      }
      URI uri = URI.create(url);
      if (uri.getHost() == null || "file".equalsIgnoreCase(uri.getScheme())) {
        return null;
      }
      return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private record Unreachable(boolean probing) {}

  Duration backoff(int failures) {
    long factor = 1L << Math.min(Math.max(failures - 1, 0), 20);
    Duration d = firstRetry.multipliedBy(factor);
    return d.compareTo(interval) > 0 ? interval : d;
  }

  /** A credentials Secret that is missing or has nothing usable in it. */
  public static final class CredentialsUnavailable extends RuntimeException {
    public CredentialsUnavailable(String message) {
      super(message, null, false, false);
    }
  }

  private static final class Tracked {
    private Target target;
    private long sinceNanos;
    private Observation latest;
    private ScheduledFuture<?> next;
    private int failures;
  }
}
