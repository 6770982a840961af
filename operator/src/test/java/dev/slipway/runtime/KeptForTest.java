package dev.slipway.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeptForTest {

  @Test
  void aValueWorthKeepingIsReadOncePerPeriod() {
    AtomicInteger reads = new AtomicInteger();
    KeptFor<String> kept = new KeptFor<>(() -> "admin-" + reads.incrementAndGet(), Duration.ofHours(1), v -> true);
    assertThat(kept.get()).isEqualTo("admin-1");
    assertThat(kept.get()).isEqualTo("admin-1");
    assertThat(reads).hasValue(1);
  }

  @Test
  void aMissingValueIsAskedForAgainEachTime() {
    AtomicInteger reads = new AtomicInteger();
    KeptFor<String> kept = new KeptFor<>(() -> reads.incrementAndGet() < 3 ? "missing" : "found", Duration.ofHours(1),
        v -> !v.equals("missing"));
    assertThat(kept.get()).isEqualTo("missing");
    assertThat(kept.get()).isEqualTo("missing");
    assertThat(kept.get()).isEqualTo("found");
    assertThat(kept.get()).isEqualTo("found");
    assertThat(reads).hasValue(3);
  }

  @Test
  void aKeptValueIsReadAgainOnceThePeriodIsOver() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    KeptFor<Integer> kept = new KeptFor<>(reads::incrementAndGet, Duration.ofMillis(20), v -> true);
    assertThat(kept.get()).isEqualTo(1);
    Thread.sleep(40);
    assertThat(kept.get()).isEqualTo(2);
  }
}
