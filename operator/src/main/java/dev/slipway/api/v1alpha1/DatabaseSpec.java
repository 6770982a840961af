package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class DatabaseSpec {

  @JsonPropertyDescription("dedicated (an RDS instance per environment), shared (a database on the platform's Postgres server) or none. Unset: the operator's default. Stage local always runs Postgres in the cluster.")
  private DatabaseMode mode;

  @Default("16")
  @Size(max = 8)
  @Pattern("^[0-9]{1,2}(\\.[0-9]{1,2})?$")
  @JsonPropertyDescription("Postgres major version (or major.minor).")
  private String version;

  @Size(max = 64)
  @Pattern("^db\\.[a-z0-9]+\\.[a-z0-9]+$")
  @JsonPropertyDescription("RDS instance class for dedicated mode, for example db.t4g.micro. Unset: the operator's default.")
  private String instanceClass;

  @Min(20)
  @Max(65536)
  @JsonPropertyDescription("Allocated storage in GiB for dedicated mode.")
  private Integer storageGiB;

  @JsonPropertyDescription("What deleting the environment does to its database: Snapshot, Delete or Retain. Unset: Snapshot for live, Delete otherwise.")
  private DeletionPolicy deletionPolicy;

  @JsonPropertyDescription("Take a Backup before each new release of a live-stage environment runs its release command (when the platform has backup storage). Unset: true.")
  private Boolean backupBeforeRelease;

  @JsonPropertyDescription("Backups on a schedule, per stage, and how many are kept (when the platform has backup storage).")
  private BackupSchedules backups;

  public DatabaseMode getMode() {
    return mode;
  }

  public void setMode(DatabaseMode mode) {
    this.mode = mode;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public String getInstanceClass() {
    return instanceClass;
  }

  public void setInstanceClass(String instanceClass) {
    this.instanceClass = instanceClass;
  }

  public Integer getStorageGiB() {
    return storageGiB;
  }

  public void setStorageGiB(Integer storageGiB) {
    this.storageGiB = storageGiB;
  }

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }

  public Boolean getBackupBeforeRelease() {
    return backupBeforeRelease;
  }

  public void setBackupBeforeRelease(Boolean backupBeforeRelease) {
    this.backupBeforeRelease = backupBeforeRelease;
  }

  public BackupSchedules getBackups() {
    return backups;
  }

  public void setBackups(BackupSchedules backups) {
    this.backups = backups;
  }
}
