package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A Backup as an Environment's status names it. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class BackupReference {

  @JsonPropertyDescription("The Backup's name.")
  private String name;

  @JsonPropertyDescription("When its dump was stored (RFC 3339).")
  private String completionTime;

  @JsonPropertyDescription("Its size, for people.")
  private String size;

  public BackupReference() {}

  public BackupReference(String name, String completionTime, String size) {
    this.name = name;
    this.completionTime = completionTime;
    this.size = size;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public void setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
  }

  public String getSize() {
    return size;
  }

  public void setSize(String size) {
    this.size = size;
  }
}
