package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** An environment variable: a literal value, or a key of a Secret or ConfigMap. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "!(has(self.value) && has(self.valueFrom))", message = "env: set value or valueFrom, not both")
public class EnvVarSpec {

  @Required
  @Size(max = 128)
  @Pattern("^[A-Za-z_][A-Za-z0-9_]*$")
  @ValidationRule(value = "!self.startsWith('SLIPWAY_')", message = "env[].name: the SLIPWAY_ prefix is reserved for variables the platform sets")
  private String name;

  @Size(max = 32768)
  private String value;

  @JsonPropertyDescription("Take the value from a key of a Secret or a ConfigMap in the project's namespace.")
  private EnvVarSource valueFrom;

  public EnvVarSpec() {}

  public EnvVarSpec(String name, String value) {
    this.name = name;
    this.value = value;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getValue() {
    return value;
  }

  public void setValue(String value) {
    this.value = value;
  }

  public EnvVarSource getValueFrom() {
    return valueFrom;
  }

  public void setValueFrom(EnvVarSource valueFrom) {
    this.valueFrom = valueFrom;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EnvVarSpec other
        && Objects.equals(name, other.name)
        && Objects.equals(value, other.value)
        && Objects.equals(valueFrom, other.valueFrom);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, value, valueFrom);
  }
}
