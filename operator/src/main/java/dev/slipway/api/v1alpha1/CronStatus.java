package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One scheduled job of an Environment, as its CronJob was last seen. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CronStatus {

  /** The outcome of the newest run. */
  public enum Result { None, Running, Succeeded, Failed }

  @JsonPropertyDescription("The job's name.")
  private String name;

  @JsonPropertyDescription("The schedule in effect, with its time zone when one is set.")
  private String schedule;

  @JsonPropertyDescription("True when no run starts: switched off, or the environment is stopped, scaled to zero or being restored.")
  private Boolean suspended;

  @JsonPropertyDescription("The image the runs use (the environment's released image).")
  private String image;

  @JsonPropertyDescription("When the newest run was scheduled (RFC 3339).")
  private String lastScheduleTime;

  @JsonPropertyDescription("When a run last succeeded (RFC 3339).")
  private String lastSuccessfulTime;

  @JsonPropertyDescription("The outcome of the newest run: None (no run yet), Running, Succeeded or Failed.")
  private Result lastResult;

  @JsonPropertyDescription("When the next run is due (RFC 3339), unless suspended.")
  private String nextRun;

  @JsonPropertyDescription("Why the job does not run, when something is wrong with it (an invalid schedule or time zone).")
  private String message;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public Boolean getSuspended() {
    return suspended;
  }

  public void setSuspended(Boolean suspended) {
    this.suspended = suspended;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getLastScheduleTime() {
    return lastScheduleTime;
  }

  public void setLastScheduleTime(String lastScheduleTime) {
    this.lastScheduleTime = lastScheduleTime;
  }

  public String getLastSuccessfulTime() {
    return lastSuccessfulTime;
  }

  public void setLastSuccessfulTime(String lastSuccessfulTime) {
    this.lastSuccessfulTime = lastSuccessfulTime;
  }

  public Result getLastResult() {
    return lastResult;
  }

  public void setLastResult(Result lastResult) {
    this.lastResult = lastResult;
  }

  public String getNextRun() {
    return nextRun;
  }

  public void setNextRun(String nextRun) {
    this.nextRun = nextRun;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
