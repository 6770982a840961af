package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ReleaseSpec {

  @Size(max = 32)
  @JsonPropertyDescription("Command run with the new image before each rollout. Empty: python manage.py migrate --noinput.")
  private List<String> command = new ArrayList<>();

  public List<String> getCommand() {
    return command;
  }

  public void setCommand(List<String> command) {
    this.command = command;
  }
}
