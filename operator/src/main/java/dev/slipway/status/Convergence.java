package dev.slipway.status;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Optional;

/**
 * Where an object stands for GitOps tools, as kstatus reads it (Flux's {@code wait: true}, kpt,
 * the Argo CD health check in helm/slipway/extras): {@code Reconciling=True} while it converges,
 * {@code Stalled=True} when it failed and will not progress without a change (a commit, an edit,
 * a request annotation), neither when it has done what its spec asks. Both are abnormal-true
 * conditions, so they are present only while true, as Flux's own controllers write them; reason
 * and message say what the object waits for or what failed.
 */
public record Convergence(State state, String reason, String message) {

  public enum State { CONVERGED, RECONCILING, STALLED }

  private static final Convergence CONVERGED = new Convergence(State.CONVERGED, null, null);

  public static Convergence converged() {
    return CONVERGED;
  }

  public static Convergence reconciling(String reason, String message) {
    return new Convergence(State.RECONCILING, reason, message);
  }

  public static Convergence stalled(String reason, String message) {
    return new Convergence(State.STALLED, reason, message);
  }

  public boolean isReconciling() {
    return state == State.RECONCILING;
  }

  public boolean isStalled() {
    return state == State.STALLED;
  }

  /** Sets the condition that is true (if any) and leaves the other out. */
  public Conditions applyTo(Conditions conditions) {
    conditions.remove(ConditionTypes.RECONCILING).remove(ConditionTypes.STALLED);
    return switch (state) {
      case CONVERGED -> conditions;
      case RECONCILING -> conditions.set(ConditionTypes.RECONCILING, Conditions.TRUE, reason, message);
      case STALLED -> conditions.set(ConditionTypes.STALLED, Conditions.TRUE, reason, message);
    };
  }

  /** What a status's conditions say: Stalled or Reconciling when one of them is true, else converged. */
  public static Convergence of(List<Condition> conditions) {
    Optional<Condition> stalled = Conditions.find(conditions, ConditionTypes.STALLED).filter(c -> Conditions.TRUE.equals(c.getStatus()));
    if (stalled.isPresent()) {
      return stalled(stalled.get().getReason(), stalled.get().getMessage());
    }
    return Conditions.find(conditions, ConditionTypes.RECONCILING).filter(c -> Conditions.TRUE.equals(c.getStatus()))
        .map(c -> reconciling(c.getReason(), c.getMessage()))
        .orElse(CONVERGED);
  }
}
