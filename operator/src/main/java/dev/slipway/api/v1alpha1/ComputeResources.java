package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Requests and limits of one kind of pod, each amount optional: what is not named keeps the platform's default. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ComputeResources {

  @JsonPropertyDescription("What the scheduler reserves for each container. A request above the platform's default limit raises that limit with it.")
  private ResourceAmounts requests;

  @JsonPropertyDescription("The most each container may use: beyond its memory it is killed (OutOfMemory), beyond its ephemeral-storage"
      + " the kubelet evicts the pod.")
  private ResourceAmounts limits;

  public ComputeResources() {}

  public ComputeResources(ResourceAmounts requests, ResourceAmounts limits) {
    this.requests = requests;
    this.limits = limits;
  }

  public ResourceAmounts getRequests() {
    return requests;
  }

  public void setRequests(ResourceAmounts requests) {
    this.requests = requests;
  }

  public ResourceAmounts getLimits() {
    return limits;
  }

  public void setLimits(ResourceAmounts limits) {
    this.limits = limits;
  }
}
