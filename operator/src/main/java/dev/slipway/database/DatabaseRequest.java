package dev.slipway.database;

import dev.slipway.api.v1alpha1.Stage;

/**
 * One environment's database, as a provisioner needs it. {@code password} is the generated
 * password already stored in the environment's credentials Secret (it is stored before any
 * external call, so a crash loses nothing); it must never be logged or put into messages.
 * {@code passwordPending} says the Secret's password may not be the database's yet (it was
 * generated again because the Secret was lost, or rotated): the provisioner sets it. {@code
 * deletionTime} is when the Environment was deleted (names the final snapshot), null otherwise.
 */
public record DatabaseRequest(
    String namespace,
    String project,
    String environment,
    String ownerUid,
    Stage stage,
    String version,
    String instanceClass,
    Integer storageGiB,
    String password,
    boolean passwordPending,
    java.time.Instant deletionTime) {

  public DatabaseRequest(String namespace, String project, String environment, String ownerUid, Stage stage, String version,
      String instanceClass, Integer storageGiB, String password) {
    this(namespace, project, environment, ownerUid, stage, version, instanceClass, storageGiB, password, false, null);
  }

  @Override
  public String toString() {
    return "DatabaseRequest[" + namespace + "/" + project + "-" + environment + ", stage=" + stage + ", version=" + version + "]";
  }
}
