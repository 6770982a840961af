package dev.slipway.database;

/**
 * Where provisioning stands after one (quick, non-waiting) look.
 *
 * @param reason CamelCase, for the DatabaseReady condition (e.g. Available, Creating, Modifying,
 *     BackingUp, StorageFull, Incompatible, Failed, ForeignInstance, AwsError, NameConflict,
 *     InstanceClassNotAllowed, StorageTooLarge)
 * @param message for people; never contains the password
 * @param identifier the RDS instance identifier, or the database name on a shared server
 * @param endpoint set when {@link Phase#Ready}
 * @param passwordApplied the database has (or is being given) the request's password: it was
 *     created with it, set to it, or a login with it succeeded
 */
public record ProvisionState(Phase phase, String reason, String message, String identifier, DatabaseEndpoint endpoint,
    boolean passwordApplied) {

  public ProvisionState(Phase phase, String reason, String message, String identifier, DatabaseEndpoint endpoint) {
    this(phase, reason, message, identifier, endpoint, false);
  }

  public enum Phase {
    /** Usable now. */
    Ready,
    /** On its way (creating, modifying, backing up...): look again later. */
    Provisioning,
    /** Exists but broken, or the provider refused the request. */
    Failed,
    /** Something with this identifier exists that Slipway does not own: nothing was touched. */
    Refused
  }

  public boolean ready() {
    return phase == Phase.Ready;
  }
}
