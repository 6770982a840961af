package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "has(self.secretKeyRef) != has(self.configMapKeyRef)", message = "env[].valueFrom: set exactly one of secretKeyRef and configMapKeyRef")
public class EnvVarSource {

  private KeyReference secretKeyRef;
  private KeyReference configMapKeyRef;

  public KeyReference getSecretKeyRef() {
    return secretKeyRef;
  }

  public void setSecretKeyRef(KeyReference secretKeyRef) {
    this.secretKeyRef = secretKeyRef;
  }

  public KeyReference getConfigMapKeyRef() {
    return configMapKeyRef;
  }

  public void setConfigMapKeyRef(KeyReference configMapKeyRef) {
    this.configMapKeyRef = configMapKeyRef;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EnvVarSource other
        && Objects.equals(secretKeyRef, other.secretKeyRef)
        && Objects.equals(configMapKeyRef, other.configMapKeyRef);
  }

  @Override
  public int hashCode() {
    return Objects.hash(secretKeyRef, configMapKeyRef);
  }
}
