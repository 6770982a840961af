package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Where the data comes from: a Backup, or an environment to take a fresh Backup of now. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "has(self.backup) != has(self.environment)", message = "from: set exactly one of backup and environment")
public class RestoreSource {

  @JsonPropertyDescription("A Backup (in this namespace) of any environment of the same Project.")
  private String backup;

  @JsonPropertyDescription("An environment of the same Project (for example shop-live): a fresh Backup of it is taken now and restored.")
  private String environment;

  public String getBackup() {
    return backup;
  }

  public void setBackup(String backup) {
    this.backup = backup;
  }

  public String getEnvironment() {
    return environment;
  }

  public void setEnvironment(String environment) {
    this.environment = environment;
  }
}
