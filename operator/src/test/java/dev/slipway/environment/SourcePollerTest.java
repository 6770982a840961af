package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.git.GitCredentials;
import dev.slipway.git.ResolvedCommit;
import dev.slipway.git.SourceException;
import dev.slipway.git.SourceResolver;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The poller's scheduling and event logic, with a scripted stand-in for the Git remote (the
 * real resolver is tested against real servers in JGitSourceResolverIT).
 */
class SourcePollerTest {

  /** Answers what the test sets, and counts calls. */
  static final class ScriptedResolver implements SourceResolver {
    final AtomicReference<Object> answer = new AtomicReference<>();
    final AtomicInteger calls = new AtomicInteger();
    /** While set, resolving this branch waits for the latch (so a test sees the state before the answer). */
    volatile String holdBranch;
    final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    @Override
    public ResolvedCommit resolve(String url, String branch, GitCredentials credentials) throws SourceException {
      calls.incrementAndGet();
      if (branch.equals(holdBranch)) {
        try {
          release.await(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Object a = answer.get();
      if (a instanceof SourceException e) {
        throw e;
      }
      return new ResolvedCommit((String) a, "refs/heads/" + branch);
    }
  }

  private final ScriptedResolver resolver = new ScriptedResolver();
  private final List<ResourceID> events = new CopyOnWriteArrayList<>();
  private final ResourceID id = new ResourceID("shop-test", "team-a");
  private final SourcePoller.Target target = new SourcePoller.Target("team-a", "shop", "git://h/x.git", "develop", null);
  private SourcePoller poller;

  private SourcePoller poller(Duration interval, Duration firstRetry) {
    poller = new SourcePoller(resolver, t -> GitCredentials.none(), interval, firstRetry, Clock.systemUTC());
    poller.setEventHandler(e -> events.add(e.getRelatedCustomResourceID()));
    poller.start();
    return poller;
  }

  @AfterEach
  void stop() {
    if (poller != null) {
      poller.stop();
    }
  }

  @Test
  void firstAnswerAndEveryChangeWakeTheEnvironmentButRepeatsDoNot() {
    resolver.answer.set("a".repeat(40));
    poller(Duration.ofMillis(100), Duration.ofMillis(50)).track(id, target);
    await().atMost(Duration.ofSeconds(5)).until(() -> poller.latest(id).isPresent());
    assertThat(poller.latest(id).orElseThrow().commit()).isEqualTo("a".repeat(40));
    await().atMost(Duration.ofSeconds(5)).until(() -> resolver.calls.get() >= 5);
    assertThat(events).hasSize(1);

    resolver.answer.set("b".repeat(40));
    await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 2);
    assertThat(poller.latest(id).orElseThrow().commit()).isEqualTo("b".repeat(40));
  }

  @Test
  void failuresBackOffAndASteadyErrorIsOneEvent() {
    resolver.answer.set(new SourceException(SourceException.Reason.RemoteUnreachable, "connection refused", null));
    poller(Duration.ofSeconds(60), Duration.ofMillis(100)).track(id, target);
    await().atMost(Duration.ofSeconds(5)).until(() -> resolver.calls.get() >= 4);
    var seen = poller.latest(id).orElseThrow();
    assertThat(seen.resolved()).isFalse();
    assertThat(seen.error()).isEqualTo(SourceException.Reason.RemoteUnreachable);
    assertThat(events).hasSize(1);
    // 100, 200, 400, 800 ms ... up to the interval
    assertThat(poller.backoff(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(poller.backoff(4)).isEqualTo(Duration.ofMillis(800));
    assertThat(poller.backoff(40)).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void refreshPollsAtOnceAndANewTargetForgetsTheOldAnswer() {
    resolver.answer.set("a".repeat(40));
    poller(Duration.ofSeconds(60), Duration.ofSeconds(1)).track(id, target);
    await().atMost(Duration.ofSeconds(5)).until(() -> poller.latest(id).isPresent());
    int calls = resolver.calls.get();
    resolver.answer.set("c".repeat(40));
    assertThat(poller.refreshProject("team-a", "shop")).isEqualTo(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> "c".repeat(40).equals(poller.latest(id).orElseThrow().commit()));
    assertThat(resolver.calls.get()).isEqualTo(calls + 1);

    SourcePoller.Target other = new SourcePoller.Target("team-a", "shop", "git://h/x.git", "master", null);
    resolver.holdBranch = "master";
    poller.track(id, other);
    assertThat(poller.latest(id)).as("the answer for develop is not one for master").isEmpty();
    resolver.release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> poller.latest(id).isPresent());
    List<ResourceID> copy = new ArrayList<>(events);
    assertThat(copy).allMatch(id::equals);
  }

  @Test
  void deletedEnvironmentsAreDropped() {
    resolver.answer.set("a".repeat(40));
    poller(Duration.ofMillis(50), Duration.ofMillis(50));
    poller.setExistenceCheck(x -> false);
    poller.track(id, target);
    await().atMost(Duration.ofSeconds(5)).until(() -> poller.refreshProject("team-a", "shop") == 0);
    int calls = resolver.calls.get();
    assertThat(calls).isLessThanOrEqualTo(1);
  }

  /**
   * A server that accepts and never answers (each lookup waits for the Git timeout) holds one of
   * the poller's threads, not all: once it was found unreachable, the other Environments of that
   * server get its answer at once, and an Environment of another server resolves without waiting.
   */
  @Test
  void aServerThatHangsHoldsOneThreadAndOthersResolve() {
    java.util.concurrent.atomic.AtomicInteger hungLookups = new java.util.concurrent.atomic.AtomicInteger();
    SourceResolver hanging = (url, branch, credentials) -> {
      if (url.contains("//hung:")) {
        hungLookups.incrementAndGet();
        try {
          Thread.sleep(4000); // the Git timeout
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new SourceException(SourceException.Reason.RemoteUnreachable, "timed out reaching " + url, null);
      }
      return new ResolvedCommit("c".repeat(40), "refs/heads/" + branch);
    };
    poller = new SourcePoller(hanging, t -> GitCredentials.none(), Duration.ofSeconds(60), Duration.ofSeconds(1), Clock.systemUTC());
    poller.setEventHandler(e -> events.add(e.getRelatedCustomResourceID()));
    poller.start();
    for (int i = 0; i < 40; i++) {
      poller.track(new ResourceID("h" + i, "team-a"), new SourcePoller.Target("team-a", "h" + i, "git://hung:9418/r" + i + ".git", "develop", null));
    }
    // 40 lookups of 4 s on 4 threads would take 40 s; once the first ones failed, the rest answer
    // at once (bounds generous for a loaded machine, far from the 40 s).
    await().atMost(Duration.ofSeconds(20)).until(() -> java.util.stream.IntStream.range(0, 40)
        .allMatch(i -> poller.latest(new ResourceID("h" + i, "team-a")).isPresent()));
    assertThat(poller.latest(new ResourceID("h39", "team-a")).orElseThrow().error()).isEqualTo(SourceException.Reason.RemoteUnreachable);
    // An answer passed on names the server only, never the repository another lookup asked for.
    for (int i = 0; i < 40; i++) {
      String message = poller.latest(new ResourceID("h" + i, "team-a")).orElseThrow().message();
      int self = i;
      assertThat(java.util.stream.IntStream.range(0, 40).filter(j -> j != self && message.contains("/r" + j + ".git")))
          .as(message).isEmpty();
    }
    ResourceID good = new ResourceID("good", "team-a");
    long start = System.nanoTime();
    poller.track(good, new SourcePoller.Target("team-a", "good", "git://fine:9418/r.git", "develop", null));
    await().atMost(Duration.ofSeconds(3)).until(() -> poller.latest(good).isPresent());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("less than one hanging lookup").isLessThan(Duration.ofSeconds(3));
    assertThat(hungLookups.get()).as("lookups that reached the hanging server").isLessThan(20);
    assertThat(SourcePoller.server("https://user:token@git.example.com/a/b.git")).isEqualTo("https://git.example.com");
    assertThat(SourcePoller.server("git@github.com:acme/shop.git")).isEqualTo("ssh://github.com");
    assertThat(SourcePoller.server("file:///srv/git/shop.git")).isNull();
  }
}
