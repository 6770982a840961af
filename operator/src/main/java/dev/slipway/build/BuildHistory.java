package dev.slipway.build;

import dev.slipway.api.v1alpha1.BuildRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The bounded list of builds an Environment shows, newest first, one entry per Job. */
public final class BuildHistory {

  private BuildHistory() {}

  /** The history with this build's current state in it (replacing the Job's previous entry). */
  public static List<BuildRecord> record(List<BuildRecord> history, String commit, String repository, BuildState state, int limit) {
    BuildRecord r = new BuildRecord();
    r.setCommit(commit);
    r.setJob(state.job());
    r.setStartedAt(state.startedAt());
    r.setFinishedAt(state.finishedAt());
    r.setResult(state.result().name());
    if (state.succeeded()) {
      r.setImage(repository + "@" + state.digest());
    }
    r.setReason(state.reason());
    r.setMessage(state.message());

    List<BuildRecord> next = new ArrayList<>();
    next.add(r);
    if (history != null) {
      for (BuildRecord old : history) {
        if (!Objects.equals(old.getJob(), r.getJob()) || !Objects.equals(old.getCommit(), r.getCommit())) {
          next.add(old);
        }
      }
    }
    return next.size() > limit ? List.copyOf(next.subList(0, limit)) : List.copyOf(next);
  }

  /** The latest record for a commit, if the history has one. */
  public static Optional<BuildRecord> latestFor(List<BuildRecord> history, String commit) {
    if (history == null) {
      return Optional.empty();
    }
    return history.stream().filter(r -> commit.equals(r.getCommit())).findFirst();
  }
}
