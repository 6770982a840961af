package dev.slipway.status;

/**
 * The reasons of the Events Slipway records (what {@code kubectl describe} and {@code kubectl get
 * events} show). The constant names are the values; the README lists every one (checked by a test).
 */
public enum EventReason implements Reason {
  // Environment: source and build
  SourceFailed, BuildStarted, BuildSucceeded, BuildFailed,
  // Environment: database, release command, rollout
  PasswordRotated, RotationUnsupported, MigrationStarted, MigrationFailed, ReleaseRetried, ReleaseRestarted, ReleaseBlocked,
  RolloutStarted, RolloutFinished, RolloutFailed, ResourcesRefused, DomainRefused,
  // Environment: deletion
  FinalSnapshot, DeletionBlocked,
  // Backups
  BackupStarted, BackupSucceeded, BackupFailed, BackupExpired, BackupScheduleInvalid, DeletionWaiting,
  // Restores
  RestoreStarted, RestoreFinished, RestoreFailed, RestoreDeleted
}
