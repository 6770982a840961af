package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Each step of a Restore as a condition; phase and the Backups it used. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class RestoreStatus {

  private Long observedGeneration;

  @JsonPropertyDescription("Pending, Running, Succeeded or Failed.")
  private RestorePhase phase;

  @JsonPropertyDescription("Why the Restore is Pending or Failed, in one word.")
  private String reason;

  @JsonPropertyDescription("What happened, for people.")
  private String message;

  @JsonPropertyDescription("SafetyBackup, SourceBackup, Stopped, Restored, Migrated, Sanitized, Serving.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The Backup restored.")
  private String sourceBackup;

  @JsonPropertyDescription("The Backup of the target taken just before, to undo this Restore with.")
  private String safetyBackup;

  @JsonPropertyDescription("The environment whose data the source Backup holds (another one than the target: the data is sanitised"
      + " before it is served).")
  private String dataFrom;

  private String startTime;

  private String completionTime;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public RestorePhase getPhase() {
    return phase;
  }

  public void setPhase(RestorePhase phase) {
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

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getSourceBackup() {
    return sourceBackup;
  }

  public void setSourceBackup(String sourceBackup) {
    this.sourceBackup = sourceBackup;
  }

  public String getSafetyBackup() {
    return safetyBackup;
  }

  public void setSafetyBackup(String safetyBackup) {
    this.safetyBackup = safetyBackup;
  }

  public String getDataFrom() {
    return dataFrom;
  }

  public void setDataFrom(String dataFrom) {
    this.dataFrom = dataFrom;
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
}
