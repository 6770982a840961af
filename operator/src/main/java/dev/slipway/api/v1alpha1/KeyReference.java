package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** A key of a Secret or ConfigMap in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class KeyReference {

  @Required
  @Size(max = 253)
  @Pattern(Names.DNS_SUBDOMAIN)
  private String name;

  @Required
  @Size(max = 253)
  @Pattern("^[-._a-zA-Z0-9]+$")
  private String key;

  private Boolean optional;

  public KeyReference() {}

  public KeyReference(String name, String key) {
    this.name = name;
    this.key = key;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public Boolean getOptional() {
    return optional;
  }

  public void setOptional(Boolean optional) {
    this.optional = optional;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyReference other
        && Objects.equals(name, other.name)
        && Objects.equals(key, other.key)
        && Objects.equals(optional, other.optional);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, key, optional);
  }
}
