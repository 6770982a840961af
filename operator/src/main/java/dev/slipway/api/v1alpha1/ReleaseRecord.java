package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One release of an environment: an image on its way to serving, or that served. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ReleaseRecord {

  private String commit;

  @JsonPropertyDescription("image@sha256:...")
  private String image;

  @JsonPropertyDescription("The release (migration) Job, when one ran.")
  private String job;

  @JsonPropertyDescription("BackingUp, Migrating, MigrationFailed, RollingOut or Deployed.")
  private String result;

  private String reason;
  private String startedAt;
  private String finishedAt;

  @JsonPropertyDescription("With per-stage promotion: the source environment's image this release is a copy of.")
  private String promotedFrom;

  @JsonPropertyDescription("Which run of the release command this is (a new value of slipway.dev/retry-release runs it again).")
  private Integer attempt;

  @JsonPropertyDescription("The Backup taken just before this release's command ran (live stage).")
  private String backup;

  public String getCommit() {
    return commit;
  }

  public void setCommit(String commit) {
    this.commit = commit;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getJob() {
    return job;
  }

  public void setJob(String job) {
    this.job = job;
  }

  public String getResult() {
    return result;
  }

  public void setResult(String result) {
    this.result = result;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public void setStartedAt(String startedAt) {
    this.startedAt = startedAt;
  }

  public String getFinishedAt() {
    return finishedAt;
  }

  public void setFinishedAt(String finishedAt) {
    this.finishedAt = finishedAt;
  }

  public String getPromotedFrom() {
    return promotedFrom;
  }

  public void setPromotedFrom(String promotedFrom) {
    this.promotedFrom = promotedFrom;
  }

  public Integer getAttempt() {
    return attempt;
  }

  public void setAttempt(Integer attempt) {
    this.attempt = attempt;
  }

  public String getBackup() {
    return backup;
  }

  public void setBackup(String backup) {
    this.backup = backup;
  }
}
