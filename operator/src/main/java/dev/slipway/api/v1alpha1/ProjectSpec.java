package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProjectSpec {

  @Required
  @JsonPropertyDescription("Where the project's code lives and how its image is built.")
  private SourceSpec source;

  @Pattern(Names.DNS_LABEL)
  @Size(max = 63)
  @JsonPropertyDescription("The boilerplate the project started from (base image and frontend templates), for example minimal or webpack-sass.")
  private String boilerplate;

  @JsonPropertyDescription("The Postgres database each environment gets.")
  private DatabaseSpec database;

  @Size(max = 100)
  @ValidationRule(value = "self.all(v, self.exists_one(w, w.name == v.name))", message = "spec.env: variable names must be unique")
  @JsonPropertyDescription("Environment variables for every environment; an environment's own env wins on equal names.")
  private List<EnvVarSpec> env = new ArrayList<>();

  @Size(max = 10)
  @ValidationRule(value = "self.all(e, self.exists_one(f, f.name == e.name))", message = "spec.environments: environment names must be unique")
  @ValidationRule(value = "self.all(e, !has(e.promoteFrom) || self.exists(f, f.name == e.promoteFrom))", message = "spec.environments[].promoteFrom must name another environment of this project")
  @JsonPropertyDescription("The branch-to-environment mapping. Empty means the platform default: test on develop, deploying automatically,"
      + " and live promoted from test, deploying on request.")
  private List<EnvironmentTemplate> environments = new ArrayList<>();

  @JsonPropertyDescription("The release step run as a Job with the new image before each rollout.")
  private ReleaseSpec release;

  public SourceSpec getSource() {
    return source;
  }

  public void setSource(SourceSpec source) {
    this.source = source;
  }

  public String getBoilerplate() {
    return boilerplate;
  }

  public void setBoilerplate(String boilerplate) {
    this.boilerplate = boilerplate;
  }

  public DatabaseSpec getDatabase() {
    return database;
  }

  public void setDatabase(DatabaseSpec database) {
    this.database = database;
  }

  public List<EnvVarSpec> getEnv() {
    return env;
  }

  public void setEnv(List<EnvVarSpec> env) {
    this.env = env;
  }

  public List<EnvironmentTemplate> getEnvironments() {
    return environments;
  }

  public void setEnvironments(List<EnvironmentTemplate> environments) {
    this.environments = environments;
  }

  public ReleaseSpec getRelease() {
    return release;
  }

  public void setRelease(ReleaseSpec release) {
    this.release = release;
  }
}
