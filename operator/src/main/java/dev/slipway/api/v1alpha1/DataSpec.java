package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** What happens to data copied between environments. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class DataSpec {

  @JsonPropertyDescription("Command run with the target environment's image and settings after a Restore brought data from another environment, for example [python, manage.py, anonymise].")
  @Size(max = 32)
  private List<String> sanitize = new ArrayList<>();

  public List<String> getSanitize() {
    return sanitize;
  }

  public void setSanitize(List<String> sanitize) {
    this.sanitize = sanitize;
  }
}
