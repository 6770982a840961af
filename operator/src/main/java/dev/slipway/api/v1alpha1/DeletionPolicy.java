package dev.slipway.api.v1alpha1;

/** What happens to an environment's database when the environment is deleted. */
public enum DeletionPolicy {
  /** Take a final snapshot, then delete (shared mode: acts as Retain). */
  Snapshot,
  /** Delete the database and everything in it. */
  Delete,
  /** Leave the database as it is and drop Slipway's ownership of it. */
  Retain;

  /** Snapshot for live (its data matters most), Delete for the other stages. */
  public static DeletionPolicy defaultFor(Stage stage) {
    return stage == Stage.LIVE ? Snapshot : Delete;
  }
}
