package dev.slipway.database;

import dev.slipway.api.v1alpha1.Stage;

/**
 * One environment's database, as a provisioner needs it. {@code password} is the generated
 * password already stored in the environment's credentials Secret (it is stored before any
 * external call, so a crash loses nothing); it must never be logged or put into messages.
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
    String password) {

  @Override
  public String toString() {
    return "DatabaseRequest[" + namespace + "/" + project + "-" + environment + ", stage=" + stage + ", version=" + version + "]";
  }
}
