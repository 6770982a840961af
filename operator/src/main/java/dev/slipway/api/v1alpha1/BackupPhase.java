package dev.slipway.api.v1alpha1;

/** Where a Backup is. Succeeded and Failed are final. */
public enum BackupPhase {
  Pending,
  Running,
  Succeeded,
  Failed;

  public boolean done() {
    return this == Succeeded || this == Failed;
  }
}
