package dev.slipway.release;

import dev.slipway.api.v1alpha1.ReleaseRecord;
import dev.slipway.deploy.Release;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The bounded list of releases an Environment shows, newest first, one entry per image. */
public final class ReleaseHistory {

  private ReleaseHistory() {}

  /**
   * The history with this release's current result in it. The start time stays the one first
   * recorded; a finish time is set once the result is final (Deployed or MigrationFailed).
   */
  public static List<ReleaseRecord> record(List<ReleaseRecord> history, Release release, String result, String reason,
      String job, String now, int limit) {
    ReleaseRecord previous = history == null ? null
        : history.stream().filter(r -> Objects.equals(r.getImage(), release.image())).findFirst().orElse(null);
    ReleaseRecord r = new ReleaseRecord();
    r.setCommit(release.commit());
    r.setImage(release.image());
    r.setJob(job != null ? job : previous == null ? null : previous.getJob());
    r.setResult(result);
    r.setReason(reason);
    r.setStartedAt(previous != null && previous.getStartedAt() != null ? previous.getStartedAt() : now);
    boolean finished = "Deployed".equals(result) || "MigrationFailed".equals(result);
    if (finished) {
      r.setFinishedAt(previous != null && Objects.equals(previous.getResult(), result) && previous.getFinishedAt() != null
          ? previous.getFinishedAt() : now);
    }
    if (previous != null && Objects.equals(previous.getResult(), r.getResult()) && Objects.equals(previous.getReason(), r.getReason())
        && Objects.equals(previous.getJob(), r.getJob())) {
      r = previous; // nothing new: keep the entry as it is, so an idle reconcile writes nothing
    }
    List<ReleaseRecord> next = new ArrayList<>();
    next.add(r);
    if (history != null) {
      for (ReleaseRecord old : history) {
        if (!Objects.equals(old.getImage(), release.image())) {
          next.add(old);
        }
      }
    }
    return next.size() > limit ? List.copyOf(next.subList(0, limit)) : List.copyOf(next);
  }
}
