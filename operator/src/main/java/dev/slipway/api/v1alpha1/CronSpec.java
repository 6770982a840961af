package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/**
 * A scheduled job (a management command run on a schedule): a Kubernetes CronJob per environment
 * on the environment's released image, variables and database. On a mapping entry, the fields
 * given override the Project's job of that name ({@code suspend: true} switches it off there).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class CronSpec {

  /** The longest job name (the CronJob is {@code <environment object>-<job>}, shortened with a hash past 52 characters). */
  public static final int MAX_NAME = 20;

  /** What a run does when the previous one still runs. */
  public enum ConcurrencyPolicy { Allow, Forbid, Replace }

  @Required
  @Size(max = MAX_NAME)
  @Pattern(Names.DNS_1035_LABEL)
  @JsonPropertyDescription("The job's name (a DNS-1035 label).")
  private String name;

  @Size(max = 100)
  @JsonPropertyDescription("Five-field cron schedule (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly,"
      + " @monthly, @yearly. Required on the Project.")
  private String schedule;

  @Size(max = 64)
  @JsonPropertyDescription("IANA time zone the schedule is read in, for example Europe/Zurich. Unset: UTC.")
  private String timeZone;

  @Size(max = 50)
  @JsonPropertyDescription("The command run in the app directory, for example [python, manage.py, clearsessions]."
      + " Required on the Project; a mapping entry may leave it out.")
  private List<@Size(max = 4096) String> command = new ArrayList<>();

  @JsonPropertyDescription("When the previous run is still going: Forbid (skip this one, the default), Allow, or Replace.")
  private ConcurrencyPolicy concurrencyPolicy;

  @Min(1)
  @Max(604800)
  @JsonPropertyDescription("Seconds a run may take before it is stopped and counts as failed. Unset: 3600.")
  private Long activeDeadlineSeconds;

  @Min(10)
  @Max(86400)
  @JsonPropertyDescription("Seconds after its time a missed run may still start (the cluster was busy or down). Unset: 300.")
  private Long startingDeadlineSeconds;

  @Min(0)
  @Max(20)
  @JsonPropertyDescription("Finished successful runs kept (their pods' logs with them). Unset: 3.")
  private Integer successfulJobsHistoryLimit;

  @Min(0)
  @Max(20)
  @JsonPropertyDescription("Failed runs kept. Unset: 3.")
  private Integer failedJobsHistoryLimit;

  @JsonPropertyDescription("True: no new run starts (for example on one mapping entry, to switch the job off there).")
  private Boolean suspend;

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

  public String getTimeZone() {
    return timeZone;
  }

  public void setTimeZone(String timeZone) {
    this.timeZone = timeZone;
  }

  public List<String> getCommand() {
    return command;
  }

  public void setCommand(List<String> command) {
    this.command = command;
  }

  public ConcurrencyPolicy getConcurrencyPolicy() {
    return concurrencyPolicy;
  }

  public void setConcurrencyPolicy(ConcurrencyPolicy concurrencyPolicy) {
    this.concurrencyPolicy = concurrencyPolicy;
  }

  public Long getActiveDeadlineSeconds() {
    return activeDeadlineSeconds;
  }

  public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
    this.activeDeadlineSeconds = activeDeadlineSeconds;
  }

  public Long getStartingDeadlineSeconds() {
    return startingDeadlineSeconds;
  }

  public void setStartingDeadlineSeconds(Long startingDeadlineSeconds) {
    this.startingDeadlineSeconds = startingDeadlineSeconds;
  }

  public Integer getSuccessfulJobsHistoryLimit() {
    return successfulJobsHistoryLimit;
  }

  public void setSuccessfulJobsHistoryLimit(Integer successfulJobsHistoryLimit) {
    this.successfulJobsHistoryLimit = successfulJobsHistoryLimit;
  }

  public Integer getFailedJobsHistoryLimit() {
    return failedJobsHistoryLimit;
  }

  public void setFailedJobsHistoryLimit(Integer failedJobsHistoryLimit) {
    this.failedJobsHistoryLimit = failedJobsHistoryLimit;
  }

  public Boolean getSuspend() {
    return suspend;
  }

  public void setSuspend(Boolean suspend) {
    this.suspend = suspend;
  }
}
