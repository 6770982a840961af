package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class EnvironmentStatus {

  private Long observedGeneration;

  @JsonPropertyDescription("The generation of the Project this status speaks for: the Project's env, source, release and"
      + " database settings reach the Environment without changing its spec, so its Project counts it as caught up only"
      + " at this generation.")
  private Long observedProjectGeneration;
  private Phase phase;

  @JsonPropertyDescription("SourceResolved, Built, DatabaseReady, Migrated, Deployed and Ready; Reconciling (what it"
      + " waits for) or Stalled (what failed), present only while true, as kstatus reads them.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The commit the branch (or pin) resolves to now.")
  private String resolvedCommit;

  @JsonPropertyDescription("The commit whose image runs now.")
  private String deployedCommit;

  @JsonPropertyDescription("deployedCommit, abbreviated, for display.")
  private String shortCommit;

  @JsonPropertyDescription("The image that runs now, by digest.")
  private String image;

  private String url;

  private DatabaseStatus database;

  @JsonPropertyDescription("The most recent builds, newest first.")
  private List<BuildRecord> builds = new ArrayList<>();

  @JsonPropertyDescription("The most recent releases (release command and rollout), newest first.")
  private List<ReleaseRecord> releases = new ArrayList<>();

  @JsonPropertyDescription("The last value of the slipway.dev/rotate-database-password annotation acted on.")
  private String observedPasswordRotation;

  @JsonPropertyDescription("The last value of the slipway.dev/refresh annotation acted on.")
  private String observedRefresh;

  @JsonPropertyDescription("The last value of the slipway.dev/deploy annotation acted on.")
  private String observedDeployRequest;

  @JsonPropertyDescription("The last value of the slipway.dev/retry-release annotation acted on.")
  private String observedReleaseRetry;

  @JsonPropertyDescription("With per-stage promotion: the image on the source environment that the running image is a copy of.")
  private String sourceImage;

  @JsonPropertyDescription("The newest Backup of this environment that succeeded.")
  private BackupReference latestBackup;

  @JsonPropertyDescription("The backup schedule in effect, when there is one.")
  private BackupScheduleStatus backupSchedule;

  @JsonPropertyDescription("Each process type besides web (spec.processes) as its Deployment was last seen.")
  private List<ProcessStatus> processes = new ArrayList<>();

  @JsonPropertyDescription("Each scheduled job (spec.cron) as its CronJob was last seen: last run, its result, the next run.")
  private List<CronStatus> cron = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public Long getObservedProjectGeneration() {
    return observedProjectGeneration;
  }

  public void setObservedProjectGeneration(Long observedProjectGeneration) {
    this.observedProjectGeneration = observedProjectGeneration;
  }

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getResolvedCommit() {
    return resolvedCommit;
  }

  public void setResolvedCommit(String resolvedCommit) {
    this.resolvedCommit = resolvedCommit;
  }

  public String getDeployedCommit() {
    return deployedCommit;
  }

  public void setDeployedCommit(String deployedCommit) {
    this.deployedCommit = deployedCommit;
  }

  public String getShortCommit() {
    return shortCommit;
  }

  public void setShortCommit(String shortCommit) {
    this.shortCommit = shortCommit;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public DatabaseStatus getDatabase() {
    return database;
  }

  public void setDatabase(DatabaseStatus database) {
    this.database = database;
  }

  public List<ReleaseRecord> getReleases() {
    return releases;
  }

  public void setReleases(List<ReleaseRecord> releases) {
    this.releases = releases;
  }

  public String getObservedPasswordRotation() {
    return observedPasswordRotation;
  }

  public void setObservedPasswordRotation(String observedPasswordRotation) {
    this.observedPasswordRotation = observedPasswordRotation;
  }

  public String getObservedRefresh() {
    return observedRefresh;
  }

  public void setObservedRefresh(String observedRefresh) {
    this.observedRefresh = observedRefresh;
  }

  public String getObservedDeployRequest() {
    return observedDeployRequest;
  }

  public void setObservedDeployRequest(String observedDeployRequest) {
    this.observedDeployRequest = observedDeployRequest;
  }

  public List<BuildRecord> getBuilds() {
    return builds;
  }

  public void setBuilds(List<BuildRecord> builds) {
    this.builds = builds;
  }

  public String getObservedReleaseRetry() {
    return observedReleaseRetry;
  }

  public void setObservedReleaseRetry(String observedReleaseRetry) {
    this.observedReleaseRetry = observedReleaseRetry;
  }

  public String getSourceImage() {
    return sourceImage;
  }

  public void setSourceImage(String sourceImage) {
    this.sourceImage = sourceImage;
  }

  public BackupReference getLatestBackup() {
    return latestBackup;
  }

  public void setLatestBackup(BackupReference latestBackup) {
    this.latestBackup = latestBackup;
  }

  public BackupScheduleStatus getBackupSchedule() {
    return backupSchedule;
  }

  public void setBackupSchedule(BackupScheduleStatus backupSchedule) {
    this.backupSchedule = backupSchedule;
  }

  public List<CronStatus> getCron() {
    return cron;
  }

  public void setCron(List<CronStatus> cron) {
    this.cron = cron;
  }

  public List<ProcessStatus> getProcesses() {
    return processes;
  }

  public void setProcesses(List<ProcessStatus> processes) {
    this.processes = processes;
  }
}
