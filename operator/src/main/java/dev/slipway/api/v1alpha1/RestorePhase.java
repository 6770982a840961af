package dev.slipway.api.v1alpha1;

/** Where a Restore is. Succeeded and Failed are final. */
public enum RestorePhase {
  Pending,
  Running,
  Succeeded,
  Failed;

  public boolean done() {
    return this == Succeeded || this == Failed;
  }
}
