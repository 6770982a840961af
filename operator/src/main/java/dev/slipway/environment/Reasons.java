package dev.slipway.environment;

import dev.slipway.git.SourceException;
import dev.slipway.promote.PromotionException;
import dev.slipway.status.Reason;

/**
 * The reasons of an Environment's conditions, one enum per condition. The constant names are the
 * values people and tools script against: they never change, and the README lists every one
 * (checked by a test). Reasons another part of Slipway reports (a build Job's failure, the
 * database provider's states, the release command's result, the credentials policy) are passed
 * through as that part names them and documented with it.
 */
final class Reasons {

  private Reasons() {}

  enum SourceResolved implements Reason {
    Resolved, Pinned, Resolving, ProjectNotFound, SpecMissing,
    // what Git answered (git/SourceException.Reason)
    RemoteUnreachable, BranchNotFound, AuthFailed, InvalidRemote,
    // promoted environments
    PromotedFrom, SourceNotReady, SourceEnvironmentNotFound;

    static SourceResolved of(SourceException.Reason reason) {
      return valueOf(reason.name());
    }
  }

  enum Built implements Reason {
    WaitingForSource, RegistryNotConfigured, Building, Succeeded, Reused,
    // promoted environments
    Promoted, Promoting, PromotionFailed, PromotionUnauthorized, PromotionNotFound, PromotionUnreachable, PromotionTimeout,
    PromotionTls, PromotionInvalid;

    /** A failed copy, by what kind of failure it was (PromotionFailed for anything else). */
    static Built promotionFailed(PromotionException.Reason reason) {
      return reason == null || reason == PromotionException.Reason.Failed ? PromotionFailed : valueOf("Promotion" + reason.name());
    }
  }

  enum DatabaseReady implements Reason { NoDatabase, Checking }

  enum Migrated implements Reason { Running, Succeeded, BackingUp, BackupFailed, BackupNameTaken }

  enum Deployed implements Reason {
    NothingToDeploy, DeployRequestWaiting, AwaitingDeployRequest,
    WaitingForDatabase, WaitingForRestore, WaitingForBackup, WaitingForRelease, Promoting, PromotionFailed,
    RollingOut, RolledOut, RolloutFailed, ScaledToZero, ResourcesRefused, ReconcileError
  }

  enum Ready implements Reason { NotDeployed, Available, RollingOut, ProgressDeadlineExceeded, ScaledToZero, UnsanitizedData }

  enum DomainsAccepted implements Reason { Accepted, DomainRefused }
}
