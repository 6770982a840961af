package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Which environment gets which data. A Restore runs once and is never changed after it is made. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "self == oldSelf", message = "a Restore cannot be changed: make a new one")
public class RestoreSpec {

  @JsonPropertyDescription("The Environment (in this namespace) whose database is replaced.")
  @Required
  private String environment;

  @JsonPropertyDescription("Where the data comes from.")
  @Required
  private RestoreSource from;

  @JsonPropertyDescription("Restoring into a live-stage environment is refused unless this is true.")
  private Boolean allowLive;

  public String getEnvironment() {
    return environment;
  }

  public void setEnvironment(String environment) {
    this.environment = environment;
  }

  public RestoreSource getFrom() {
    return from;
  }

  public void setFrom(RestoreSource from) {
    this.from = from;
  }

  public Boolean getAllowLive() {
    return allowLive;
  }

  public void setAllowLive(Boolean allowLive) {
    this.allowLive = allowLive;
  }
}
