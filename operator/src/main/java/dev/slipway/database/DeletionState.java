package dev.slipway.database;

/**
 * Where deletion stands after one (quick, non-waiting) step.
 *
 * @param done nothing more to do: the finalizer may go
 * @param reason CamelCase, e.g. Deleted, Deleting, SnapshotTaken, Retained, DeletionRefused
 * @param message for people; says exactly why when the provider refuses
 * @param finalSnapshot the final snapshot the deletion takes, when it takes one
 */
public record DeletionState(boolean done, String reason, String message, String finalSnapshot) {

  public DeletionState(boolean done, String reason, String message) {
    this(done, reason, message, null);
  }
}
