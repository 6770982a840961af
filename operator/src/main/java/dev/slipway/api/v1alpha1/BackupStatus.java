package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where a Backup is, and once it succeeded, where its dump is stored and what it holds. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class BackupStatus {

  private Long observedGeneration;

  @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
  private BackupPhase phase;

  @JsonPropertyDescription("Why the Backup is Pending or Failed, in one word (for example EnvironmentNotFound, DumpFailed).")
  private String reason;

  @JsonPropertyDescription("What happened, for people.")
  private String message;

  @JsonPropertyDescription("When the dump Job was made (RFC 3339).")
  private String startTime;

  @JsonPropertyDescription("When the dump was stored, or the Backup failed (RFC 3339).")
  private String completionTime;

  @JsonPropertyDescription("Size of the stored dump in bytes, as the object store reports it.")
  private Long sizeBytes;

  @JsonPropertyDescription("sizeBytes for people, for example 12.4 MiB.")
  private String size;

  @JsonPropertyDescription("Where the dump is stored, for example s3://bucket/team-a/shop-live/nightly-1a2b3c4d.dump.")
  private String location;

  @JsonPropertyDescription("The dump format: pg_dump custom format (restore with pg_restore).")
  private String format;

  @JsonPropertyDescription("The commit the environment ran when the Backup started.")
  private String commit;

  @JsonPropertyDescription("The image (by digest) the environment ran when the Backup started.")
  private String image;

  @JsonPropertyDescription("The Job that dumps and uploads.")
  private String job;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public BackupPhase getPhase() {
    return phase;
  }

  public void setPhase(BackupPhase phase) {
    this.phase = phase;
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

  public String getStartTime() {
    return startTime;
  }

  public void setStartTime(String startTime) {
    this.startTime = startTime;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public void setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
  }

  public Long getSizeBytes() {
    return sizeBytes;
  }

  public void setSizeBytes(Long sizeBytes) {
    this.sizeBytes = sizeBytes;
  }

  public String getSize() {
    return size;
  }

  public void setSize(String size) {
    this.size = size;
  }

  public String getLocation() {
    return location;
  }

  public void setLocation(String location) {
    this.location = location;
  }

  public String getFormat() {
    return format;
  }

  public void setFormat(String format) {
    this.format = format;
  }

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
}
