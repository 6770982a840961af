package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ProjectStatus {

  @JsonPropertyDescription("The generation this status speaks for; 0 (the API server's default) until the operator has"
      + " looked at the Project, so that kstatus reads a new Project as in progress, not as current.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready: every environment of the project is Ready at its current generation. Reconciling"
      + " (while an environment is created, has not reported or converges) or Stalled (an environment failed and"
      + " will not progress without a change), present only while true, as kstatus reads them.")
  private List<Condition> conditions = new ArrayList<>();

  private List<EnvironmentSummary> environments = new ArrayList<>();

  @JsonPropertyDescription("The environments' names, comma separated, for display.")
  private String environmentNames;

  @JsonPropertyDescription("Ready environments out of all, for display (for example 1/2).")
  private String ready;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public List<EnvironmentSummary> getEnvironments() {
    return environments;
  }

  public void setEnvironments(List<EnvironmentSummary> environments) {
    this.environments = environments;
  }

  public String getEnvironmentNames() {
    return environmentNames;
  }

  public void setEnvironmentNames(String environmentNames) {
    this.environmentNames = environmentNames;
  }

  public String getReady() {
    return ready;
  }

  public void setReady(String ready) {
    this.ready = ready;
  }
}
