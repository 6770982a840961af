package dev.slipway.database;

import dev.slipway.api.v1alpha1.DeletionPolicy;

/**
 * A place databases live (AWS RDS, a shared Postgres server). Every call is idempotent and quick:
 * it looks, acts if needed, and returns where things stand; it never waits for the provider, so
 * the reconciler can call it on every reconcile and look again later.
 */
public interface DatabaseProvisioner {

  /** Creates the database if it does not exist, adopts it if Slipway owns it, reports its state. */
  ProvisionState ensure(DatabaseRequest request);

  /** Applies the deletion policy, one step at a time, until {@link DeletionState#done()}. */
  DeletionState delete(DatabaseRequest request, DeletionPolicy policy);
}
