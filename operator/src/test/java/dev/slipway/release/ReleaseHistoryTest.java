package dev.slipway.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.ReleaseRecord;
import dev.slipway.deploy.Release;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleaseHistoryTest {

  static final Release ONE = new Release("a".repeat(40), "r/x@sha256:" + "1".repeat(64));
  static final Release TWO = new Release("b".repeat(40), "r/x@sha256:" + "2".repeat(64));

  @Test
  void aReleaseGoesFromMigratingToDeployedKeepingItsStart() {
    List<ReleaseRecord> h = ReleaseHistory.record(null, ONE, "Migrating", null, "job-1", "t0", 10);
    h = ReleaseHistory.record(h, ONE, "RollingOut", null, null, "t1", 10);
    h = ReleaseHistory.record(h, ONE, "Deployed", null, null, "t2", 10);
    assertThat(h).singleElement().satisfies(r -> {
      assertThat(r.getStartedAt()).isEqualTo("t0");
      assertThat(r.getFinishedAt()).isEqualTo("t2");
      assertThat(r.getJob()).isEqualTo("job-1");
      assertThat(r.getResult()).isEqualTo("Deployed");
    });
  }

  @Test
  void newestFirstBoundedAndStableWhenNothingChanges() {
    List<ReleaseRecord> h = ReleaseHistory.record(null, ONE, "Deployed", null, null, "t0", 10);
    h = ReleaseHistory.record(h, TWO, "MigrationFailed", "ReleaseCommandFailed", "job-2", "t1", 10);
    assertThat(h).extracting(ReleaseRecord::getCommit).containsExactly(TWO.commit(), ONE.commit());
    List<ReleaseRecord> again = ReleaseHistory.record(h, TWO, "MigrationFailed", "ReleaseCommandFailed", "job-2", "t9", 10);
    assertThat(dev.slipway.status.Statuses.sameContent(h, again)).isTrue();
    assertThat(ReleaseHistory.record(h, new Release("c".repeat(40), "r/x@sha256:" + "3".repeat(64)), "Migrating", null, "j", "t", 2))
        .hasSize(2);
  }
}
