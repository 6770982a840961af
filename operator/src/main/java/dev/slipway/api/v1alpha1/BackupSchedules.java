package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/**
 * When each stage's environments are backed up on their own, and how many of those backups are
 * kept. Schedules are cron expressions read in UTC; Backups made by hand are never pruned.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class BackupSchedules {

  /** Five cron fields, one of the @daily family, or none; the operator checks the fields themselves. */
  static final String SCHEDULE = "^(none|@[a-z]+|\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+)$";

  @Size(max = 100)
  @Pattern(SCHEDULE)
  @JsonPropertyDescription("Cron schedule (UTC) for local-stage environments, or none. Unset: none.")
  private String local;

  @Size(max = 100)
  @Pattern(SCHEDULE)
  @JsonPropertyDescription("Cron schedule (UTC) for test-stage environments, or none. Unset: none.")
  private String test;

  @Size(max = 100)
  @Pattern(SCHEDULE)
  @JsonPropertyDescription("Cron schedule (UTC) for live-stage environments, or none. Unset: daily, at a minute between 00:00 and"
      + " 05:59 UTC picked from the environment's name so that environments do not all dump at once.")
  private String live;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("How many scheduled Backups of each environment are kept (the newest that succeeded); so many of the"
      + " Backups taken before releases are kept too. Unset: 7.")
  private Integer keep;

  public String getLocal() {
    return local;
  }

  public void setLocal(String local) {
    this.local = local;
  }

  public String getTest() {
    return test;
  }

  public void setTest(String test) {
    this.test = test;
  }

  public String getLive() {
    return live;
  }

  public void setLive(String live) {
    this.live = live;
  }

  public Integer getKeep() {
    return keep;
  }

  public void setKeep(Integer keep) {
    this.keep = keep;
  }

  /** The schedule declared for a stage, or null. */
  public String forStage(Stage stage) {
    return switch (stage) {
      case LOCAL -> local;
      case TEST -> test;
      case LIVE -> live;
    };
  }
}
