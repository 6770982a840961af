package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Written by the Project controller from one mapping entry, with every default filled in, so
 * the object alone says what the environment runs.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "has(self.stage)", message = "spec.stage is required")
@ValidationRule(value = "has(self.branch) || has(self.promoteFrom)", message = "spec.branch is required unless spec.promoteFrom is set")
public class EnvironmentSpec extends EnvironmentSettings {

  @Required
  @Size(max = Names.MAX_PROJECT_NAME)
  @Pattern(Names.DNS_1035_LABEL)
  @JsonPropertyDescription("The Project this environment belongs to.")
  private String project;

  @Required
  @Size(max = Names.MAX_ENVIRONMENT_NAME)
  @Pattern(Names.DNS_LABEL)
  @JsonPropertyDescription("The environment's name within its project.")
  private String environment;

  @JsonPropertyDescription("The project's database settings with every default filled in (mode and deletion policy included).")
  private DatabaseSpec database;

  @JsonPropertyDescription("The project's spec.resources as declared (the platform's defaults fill in the rest).")
  private ProjectResources resources;

  public ProjectResources getResources() {
    return resources;
  }

  public void setResources(ProjectResources resources) {
    this.resources = resources;
  }

  public DatabaseSpec getDatabase() {
    return database;
  }

  public void setDatabase(DatabaseSpec database) {
    this.database = database;
  }

  public String getProject() {
    return project;
  }

  public void setProject(String project) {
    this.project = project;
  }

  public String getEnvironment() {
    return environment;
  }

  public void setEnvironment(String environment) {
    this.environment = environment;
  }
}
