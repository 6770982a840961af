package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** One entry of a Project's branch-to-environment mapping. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "has(self.stage) || self.name in ['local', 'test', 'live']", message = "stage is required when the environment's name is not local, test or live")
@ValidationRule(value = "!has(self.promoteFrom) || self.promoteFrom != self.name", fieldPath = ".promoteFrom", message = "an environment cannot promote from itself")
public class EnvironmentTemplate extends EnvironmentSettings {

  @Required
  @Size(max = Names.MAX_ENVIRONMENT_NAME)
  @Pattern(Names.DNS_LABEL)
  @JsonPropertyDescription("Environment name (DNS label), for example test or live. The Environment object is named <project>-<name>.")
  private String name;

  public EnvironmentTemplate() {}

  public EnvironmentTemplate(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }
}
