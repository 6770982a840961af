package dev.slipway.bench;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Watches every Environment (one informer) and, for the phase being measured, notes when each
 * environment of interest first satisfies the phase's goal (for example Ready on the newest
 * commit), in milliseconds since the phase started.
 */
final class Tracker implements AutoCloseable {

  private final SharedIndexInformer<Environment> informer;
  private volatile Goal goal;
  private volatile Consumer<Environment> onAdd = e -> {};

  /** What one phase waits for. */
  static final class Goal {
    final long startNanos = System.nanoTime();
    final Instant startedAt = Instant.now();
    final Predicate<Environment> relevant;
    final Predicate<Environment> reached;
    final int expected;
    final Map<String, Long> reachedAtMs = new ConcurrentHashMap<>();

    Goal(int expected, Predicate<Environment> relevant, Predicate<Environment> reached) {
      this.expected = expected;
      this.relevant = relevant;
      this.reached = reached;
    }

    void offer(Environment e) {
      if (relevant.test(e) && reached.test(e)) {
        reachedAtMs.putIfAbsent(key(e), (System.nanoTime() - startNanos) / 1_000_000);
      }
    }

    boolean done() {
      return reachedAtMs.size() >= expected;
    }

    /** Times (ms since the start) sorted ascending. */
    List<Long> sortedTimes() {
      List<Long> t = new ArrayList<>(reachedAtMs.values());
      t.sort(Long::compare);
      return t;
    }
  }

  Tracker(KubernetesClient client) {
    informer = client.resources(Environment.class).inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Environment e) {
        onAdd.accept(e);
        offer(e);
      }

      @Override
      public void onUpdate(Environment old, Environment e) {
        offer(e);
      }

      @Override
      public void onDelete(Environment e, boolean unknown) {}
    }, 0);
  }

  static String key(Environment e) {
    return e.getMetadata().getNamespace() + "/" + e.getMetadata().getName();
  }

  static boolean readyOn(Environment e, String commit) {
    return e.getStatus() != null && e.getStatus().getPhase() == Phase.Ready
        && (commit == null || commit.equals(e.getStatus().getDeployedCommit()));
  }

  static String stage(Environment e) {
    return e.getSpec() == null ? "" : e.getSpec().getEnvironment();
  }

  void onAdd(Consumer<Environment> action) {
    this.onAdd = action;
  }

  private void offer(Environment e) {
    Goal g = goal;
    if (g != null) {
      g.offer(e);
    }
  }

  List<Environment> all() {
    return informer.getStore().list();
  }

  /** Starts measuring a phase now; environments already there are checked at once. */
  Goal begin(int expected, Predicate<Environment> relevant, Predicate<Environment> reached) {
    Goal g = new Goal(expected, relevant, reached);
    goal = g;
    all().forEach(g::offer);
    return g;
  }

  /** Waits for the goal; returns whether it was reached within the timeout. */
  boolean await(Goal g, Duration timeout, Runnable whileWaiting) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    int tick = 0;
    while (!g.done()) {
      if (Instant.now().isAfter(deadline)) {
        return false;
      }
      Thread.sleep(100);
      if (++tick % 20 == 0) {
        all().forEach(g::offer); // events are the fast path; the cache is the safety net
        whileWaiting.run();
      }
    }
    return true;
  }

  @Override
  public void close() {
    informer.close();
  }
}
