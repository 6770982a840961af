package dev.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.BuildRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuildHistoryTest {

  static BuildState running(String job) {
    return new BuildState(BuildState.Result.Running, job, null, null, null, "t0", null);
  }

  @Test
  void newestFirstOneEntryPerJobBounded() {
    List<BuildRecord> h = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      h = BuildHistory.record(h, "c" + i, "repo", running("job-" + i), 10);
    }
    assertThat(h).hasSize(10);
    assertThat(h.get(0).getCommit()).isEqualTo("c11");
    assertThat(h.get(9).getCommit()).isEqualTo("c2");

    h = BuildHistory.record(h, "c11", "repo",
        new BuildState(BuildState.Result.Succeeded, "job-11", "sha256:x", null, null, "t0", "t1"), 10);
    assertThat(h).hasSize(10);
    assertThat(h.get(0).getResult()).isEqualTo("Succeeded");
    assertThat(h.get(0).getImage()).isEqualTo("repo@sha256:x");
    assertThat(BuildHistory.latestFor(h, "c11")).get().extracting(BuildRecord::getFinishedAt).isEqualTo("t1");
    assertThat(BuildHistory.latestFor(h, "nope")).isEmpty();
  }

  @Test
  void recordingTheSameStateTwiceChangesNothing() {
    List<BuildRecord> once = BuildHistory.record(null, "c", "repo", running("j"), 10);
    List<BuildRecord> twice = BuildHistory.record(once, "c", "repo", running("j"), 10);
    assertThat(dev.slipway.status.Statuses.sameContent(once, twice)).isTrue();
  }
}
