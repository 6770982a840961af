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
}
