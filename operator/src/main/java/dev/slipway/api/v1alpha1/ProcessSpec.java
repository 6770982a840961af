package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * A process type besides web (a Celery worker, a queue consumer): its own Deployment per
 * environment, on the image, variables and database the web pods have, with no Service or
 * Ingress. On a mapping entry, the fields given override the Project's process of that name.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ProcessSpec {

  /** The longest process name: the Deployment is named {@code <environment object>-<process>}. */
  public static final int MAX_NAME = 20;

  @Required
  @Size(max = MAX_NAME)
  @Pattern(Names.DNS_1035_LABEL)
  @ValidationRule(value = "self != 'web'", message = "processes: the name web is the web pods' own")
  @JsonPropertyDescription("The process type's name (a DNS-1035 label; web is reserved).")
  private String name;

  @Size(max = 50)
  @JsonPropertyDescription("The command the container runs in the app directory, for example [celery, -A, app, worker]."
      + " Required on the Project; a mapping entry may leave it out (the Project's is kept).")
  private List<@Size(max = 4096) String> command = new ArrayList<>();

  @Min(0)
  @Max(50)
  @JsonPropertyDescription("Number of pods. Unset: 1. 0 runs none in that environment.")
  private Integer replicas;

  @Min(1)
  @Max(3600)
  @JsonPropertyDescription("Seconds a pod has after SIGTERM to finish its work (a worker finishing its task). Unset: 30.")
  private Integer terminationGracePeriodSeconds;

  @Size(max = 50)
  @JsonPropertyDescription("A command whose exit code 0 means the process is ready (an exec probe). Unset: a pod is ready once it has"
      + " run 10 seconds without exiting.")
  private List<@Size(max = 4096) String> readinessCommand = new ArrayList<>();

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<String> getCommand() {
    return command;
  }

  public void setCommand(List<String> command) {
    this.command = command;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getTerminationGracePeriodSeconds() {
    return terminationGracePeriodSeconds;
  }

  public void setTerminationGracePeriodSeconds(Integer terminationGracePeriodSeconds) {
    this.terminationGracePeriodSeconds = terminationGracePeriodSeconds;
  }

  public List<String> getReadinessCommand() {
    return readinessCommand;
  }

  public void setReadinessCommand(List<String> readinessCommand) {
    this.readinessCommand = readinessCommand;
  }
}
