package dev.slipway.release;

import dev.slipway.api.v1alpha1.ReleaseRecord;
import dev.slipway.deploy.Release;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The bounded list of releases an Environment shows, newest first, one entry per image. It is
 * also the environment's memory of each image's release step: a failed migration is not run
 * again by itself, a successful one not twice, whatever happened to the Jobs.
 */
public final class ReleaseHistory {

  /** A live release waits for the Backup taken before its command runs. */
  public static final String BACKING_UP = "BackingUp";
  public static final String MIGRATING = "Migrating";
  public static final String MIGRATION_FAILED = "MigrationFailed";
  public static final String ROLLING_OUT = "RollingOut";
  public static final String DEPLOYED = "Deployed";

  private ReleaseHistory() {}

  /** The entry for this release's image, if there is one. */
  public static Optional<ReleaseRecord> find(List<ReleaseRecord> history, Release release) {
    return history == null ? Optional.empty()
        : history.stream().filter(r -> Objects.equals(r.getImage(), release.image())).findFirst();
  }

  /** The entry of a per-stage copy of {@code sourceImage}, if one was made. */
  public static Optional<ReleaseRecord> copyOf(List<ReleaseRecord> history, String sourceImage) {
    return history == null ? Optional.empty()
        : history.stream().filter(r -> Objects.equals(r.getPromotedFrom(), sourceImage)).findFirst();
  }

  /** Whether the release step of this entry's image is done (it rolled out, or is rolling out). */
  public static boolean migrated(ReleaseRecord r) {
    return ROLLING_OUT.equals(r.getResult()) || DEPLOYED.equals(r.getResult());
  }

  /** The attempt the entry is at (1 for entries written before attempts were counted). */
  public static int attempt(ReleaseRecord r) {
    return r == null || r.getAttempt() == null ? 1 : r.getAttempt();
  }

  /** The history with {@code backup} named on this release's entry (which must exist). */
  public static List<ReleaseRecord> withBackup(List<ReleaseRecord> history, Release release, String backup) {
    List<ReleaseRecord> next = new ArrayList<>();
    for (ReleaseRecord r : history) {
      if (find(List.of(r), release).isPresent() && !Objects.equals(r.getBackup(), backup)) {
        ReleaseRecord copy = io.fabric8.kubernetes.client.utils.Serialization.clone(r);
        copy.setBackup(backup);
        next.add(copy);
      } else {
        next.add(r);
      }
    }
    return next;
  }

  public static List<ReleaseRecord> record(List<ReleaseRecord> history, Release release, String result, String reason,
      String job, String now, int limit) {
    return record(history, release, result, reason, job, null, now, limit, null);
  }

  /**
   * The history with this release's current result in it. The start time stays the one first
   * recorded; a finish time is set once the result is final (Deployed or MigrationFailed).
   *
   * @param attempt the release step's attempt (null: keep the entry's)
   * @param serving the image that serves now: its entry is never trimmed away
   */
  public static List<ReleaseRecord> record(List<ReleaseRecord> history, Release release, String result, String reason,
      String job, Integer attempt, String now, int limit, String serving) {
    ReleaseRecord previous = find(history, release).orElse(null);
    ReleaseRecord r = new ReleaseRecord();
    r.setCommit(release.commit());
    r.setImage(release.image());
    r.setPromotedFrom(release.promotedFrom());
    r.setJob(job != null ? job : previous == null ? null : previous.getJob());
    Integer a = attempt != null ? attempt : previous == null ? null : previous.getAttempt();
    r.setAttempt(a == null || a <= 1 ? null : a);
    r.setResult(result);
    r.setReason(reason);
    r.setBackup(previous == null ? null : previous.getBackup());
    boolean restarted = previous != null && attempt != null && attempt != attempt(previous);
    r.setStartedAt(previous != null && previous.getStartedAt() != null && !restarted ? previous.getStartedAt() : now);
    boolean finished = DEPLOYED.equals(result) || MIGRATION_FAILED.equals(result);
    if (finished) {
      r.setFinishedAt(previous != null && !restarted && Objects.equals(previous.getResult(), result) && previous.getFinishedAt() != null
          ? previous.getFinishedAt() : now);
    }
    if (previous != null && !restarted && Objects.equals(previous.getResult(), r.getResult())
        && Objects.equals(previous.getReason(), r.getReason()) && Objects.equals(previous.getJob(), r.getJob())
        && Objects.equals(previous.getPromotedFrom(), r.getPromotedFrom()) && Objects.equals(previous.getAttempt(), r.getAttempt())) {
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
    while (next.size() > limit) {
      int drop = next.size() - 1;
      if (serving != null && Objects.equals(next.get(drop).getImage(), serving) && drop > 1) {
        drop--; // what serves stays listed (and so does where it was copied from)
      }
      next.remove(drop);
    }
    return List.copyOf(next);
  }
}
