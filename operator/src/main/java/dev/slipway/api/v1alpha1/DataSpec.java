package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** What happens to data copied between environments. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class DataSpec {

  // Absent and empty differ: absent means "not said", and a copy between environments is
  // refused; [] means "no sanitising, on purpose". So an empty list is kept when written.
  @JsonPropertyDescription("Command run with the target environment's image and settings after a Restore brought data from another"
      + " environment, for example [python, manage.py, anonymise]. A copy between environments needs it said: [] copies the data"
      + " as it is, on purpose; without this field such a Restore is refused.")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Size(max = 32)
  private List<String> sanitize;

  public DataSpec() {}

  public DataSpec(List<String> sanitize) {
    this.sanitize = sanitize;
  }

  /** The sanitize command; null when the Project does not say, empty when it says "none". */
  public List<String> getSanitize() {
    return sanitize;
  }

  public void setSanitize(List<String> sanitize) {
    this.sanitize = sanitize;
  }
}
