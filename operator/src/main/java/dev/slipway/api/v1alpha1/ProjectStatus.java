package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ProjectStatus {

  private Long observedGeneration;

  @JsonPropertyDescription("Ready: every environment of the project is Ready.")
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
