package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A project's own sizes for the pods Slipway runs for it, within the maximums the platform sets
 * (SLIPWAY_WEB_MAX, SLIPWAY_BUILD_MAX, SLIPWAY_BACKUP_MAX): a value above one is refused with a
 * condition naming the field, and nothing new runs until it is fixed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProjectResources {

  @JsonPropertyDescription("The web pods of every environment, and the release and sanitize commands (they run as the web pods do).")
  private ComputeResources web;

  @JsonPropertyDescription("The Kaniko build: its ephemeral-storage limit bounds what the Dockerfile's steps may write.")
  private ComputeResources build;

  @JsonPropertyDescription("The Jobs that dump and restore the database: the dump is written to local disk first, so its ephemeral-storage"
      + " limit is the largest dump a Backup can take.")
  private ComputeResources backup;

  public ComputeResources getWeb() {
    return web;
  }

  public void setWeb(ComputeResources web) {
    this.web = web;
  }

  public ComputeResources getBuild() {
    return build;
  }

  public void setBuild(ComputeResources build) {
    this.build = build;
  }

  public ComputeResources getBackup() {
    return backup;
  }

  public void setBackup(ComputeResources backup) {
    this.backup = backup;
  }
}
