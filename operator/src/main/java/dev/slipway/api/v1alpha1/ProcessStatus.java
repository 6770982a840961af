package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One process type of an Environment, as its Deployment was last seen (kubectl describe shows each). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProcessStatus {

  @JsonPropertyDescription("The process type's name.")
  private String name;

  @JsonPropertyDescription("The pods it should run.")
  private Integer replicas;

  @JsonPropertyDescription("The pods of the current release that are available.")
  private Integer available;

  @JsonPropertyDescription("True when every pod runs the current release and is available.")
  private Boolean ready;

  @JsonPropertyDescription("How far its rollout is, in words.")
  private String message;

  public ProcessStatus() {}

  public ProcessStatus(String name, Integer replicas, Integer available, Boolean ready, String message) {
    this.name = name;
    this.replicas = replicas;
    this.available = available;
    this.ready = ready;
    this.message = message;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getAvailable() {
    return available;
  }

  public void setAvailable(Integer available) {
    this.available = available;
  }

  public Boolean getReady() {
    return ready;
  }

  public void setReady(Boolean ready) {
    this.ready = ready;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }
}
