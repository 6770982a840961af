package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** Amounts of the three resources every pod Slipway makes asks for, as Kubernetes quantities (500m, 2Gi). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourceAmounts {

  /** What a quantity may look like here: a number with an optional suffix, no exponent. */
  public static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$";

  @Size(max = 16)
  @Pattern(QUANTITY)
  @JsonPropertyDescription("CPU, for example 250m or 1.")
  private String cpu;

  @Size(max = 16)
  @Pattern(QUANTITY)
  @JsonPropertyDescription("Memory, for example 512Mi or 2Gi.")
  private String memory;

  @Size(max = 16)
  @Pattern(QUANTITY)
  @JsonProperty("ephemeral-storage")
  @JsonPropertyDescription("Local disk (the container's writable layer, its logs and its emptyDir volumes), for example 1Gi.")
  private String ephemeralStorage;

  public ResourceAmounts() {}

  public ResourceAmounts(String cpu, String memory, String ephemeralStorage) {
    this.cpu = cpu;
    this.memory = memory;
    this.ephemeralStorage = ephemeralStorage;
  }

  public String getCpu() {
    return cpu;
  }

  public void setCpu(String cpu) {
    this.cpu = cpu;
  }

  public String getMemory() {
    return memory;
  }

  public void setMemory(String memory) {
    this.memory = memory;
  }

  public String getEphemeralStorage() {
    return ephemeralStorage;
  }

  public void setEphemeralStorage(String ephemeralStorage) {
    this.ephemeralStorage = ephemeralStorage;
  }
}
