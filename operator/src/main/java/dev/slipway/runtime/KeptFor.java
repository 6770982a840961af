package dev.slipway.runtime;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A value computed at most once per period and shared meanwhile, when it is worth keeping (an
 * answer that says something is missing is asked again next time). The shared server's admin
 * Secret is read through it: once per reconcile of every shared environment was the most
 * frequent request the operator made in {@code make bench}, while a rotated admin password only
 * has to apply within the period.
 */
final class KeptFor<T> implements Supplier<T> {
  private final Supplier<T> source;
  private final long periodNanos;
  private final Predicate<T> worthKeeping;
  private T value;
  private long readAt;
  private boolean kept;

  KeptFor(Supplier<T> source, Duration period, Predicate<T> worthKeeping) {
    this.source = source;
    this.periodNanos = period.toNanos();
    this.worthKeeping = worthKeeping;
  }

  @Override
  public synchronized T get() {
    long now = System.nanoTime(); // elapsed time: the injectable wall clock may stand still in tests
    if (kept && now - readAt < periodNanos) {
      return value;
    }
    value = source.get();
    readAt = now;
    kept = worthKeeping.test(value);
    return value;
  }
}
