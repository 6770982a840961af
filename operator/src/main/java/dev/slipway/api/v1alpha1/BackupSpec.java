package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Which environment's database to dump. A Backup is never changed after it is made. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class BackupSpec {

  @JsonPropertyDescription("The Environment (in this namespace) whose database is dumped, for example shop-live.")
  @Required
  @ValidationRule(value = "self == oldSelf", message = "environment cannot be changed: make a new Backup")
  private String environment;

  public String getEnvironment() {
    return environment;
  }

  public void setEnvironment(String environment) {
    this.environment = environment;
  }
}
