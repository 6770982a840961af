package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where an environment's backup schedule stands. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class BackupScheduleStatus {

  @JsonPropertyDescription("The schedule in effect (cron, UTC), defaults applied.")
  private String schedule;

  @JsonPropertyDescription("How many scheduled Backups are kept.")
  private Integer keep;

  @JsonPropertyDescription("The time the last scheduled Backup was due (RFC 3339); missed times (the operator was down) are run once.")
  private String lastScheduleTime;

  @JsonPropertyDescription("The Backup made for it.")
  private String lastBackup;

  @JsonPropertyDescription("When the next scheduled Backup is due (RFC 3339).")
  private String nextScheduleTime;

  @JsonPropertyDescription("Why no Backup is made on schedule, when that is so (for example an invalid schedule).")
  private String message;

  public String getSchedule() {
    return schedule;
  }

  public void setSchedule(String schedule) {
    this.schedule = schedule;
  }

  public Integer getKeep() {
    return keep;
  }

  public void setKeep(Integer keep) {
    this.keep = keep;
  }

  public String getLastScheduleTime() {
    return lastScheduleTime;
  }

  public void setLastScheduleTime(String lastScheduleTime) {
    this.lastScheduleTime = lastScheduleTime;
  }

  public String getLastBackup() {
    return lastBackup;
  }

  public void setLastBackup(String lastBackup) {
    this.lastBackup = lastBackup;
  }

  public String getNextScheduleTime() {
    return nextScheduleTime;
  }

  public void setNextScheduleTime(String nextScheduleTime) {
    this.nextScheduleTime = nextScheduleTime;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
