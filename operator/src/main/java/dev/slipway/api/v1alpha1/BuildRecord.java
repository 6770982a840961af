package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One image build of one commit. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class BuildRecord {

  private String commit;

  @JsonPropertyDescription("image@sha256:... once the build succeeded.")
  private String image;

  @JsonPropertyDescription("Name of the build Job.")
  private String job;

  private String startedAt;
  private String finishedAt;

  @JsonPropertyDescription("Running, Succeeded or Failed.")
  private String result;

  @JsonPropertyDescription("Why a build failed, for example Timeout, DockerfileNotFound or PushFailed.")
  private String reason;

  private String message;

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

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
