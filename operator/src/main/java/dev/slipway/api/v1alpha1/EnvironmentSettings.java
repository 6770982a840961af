package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * What one environment runs: shared by an entry of the Project's mapping and by the
 * Environment object the operator makes from it.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "!(has(self.promoteFrom) && has(self.commit))", message = "commit and promoteFrom exclude each other: a promoted environment runs what its source environment runs")
@ValidationRule(
    value = "!(has(self.promoteFrom) && has(self.branch))",
    fieldPath = ".branch",
    message = "branch and promoteFrom exclude each other: a promoted environment never builds, it runs what its source"
        + " environment runs; set the branch on the environment it promotes from (or drop promoteFrom to build this branch here)")
public abstract class EnvironmentSettings {

  @JsonPropertyDescription("local, test or live. Unset: the environment's name when that is a stage.")
  private Stage stage;

  @Size(max = 255)
  @Pattern(Names.GIT_REF_CHARS)
  @ValidationRule(
      value = "!self.contains('..') && !self.contains('@{') && !self.contains('//') && !self.contains('/.')"
          + " && !self.startsWith('/') && !self.endsWith('/') && !self.endsWith('.') && !self.endsWith('.lock') && self != '@'",
      message = "branch is not a valid Git branch name (no '..', '@{', '//', '/.', leading '-' or '/', trailing '/', '.' or '.lock')")
  @JsonPropertyDescription("Git branch this environment builds and runs. Unset: develop, unless promoteFrom is set: a promoted environment"
      + " tracks no branch of its own, so the two exclude each other.")
  private String branch;

  @Size(max = 40)
  @Pattern(Names.COMMIT_SHA)
  @JsonPropertyDescription("Pin the environment to this commit (40 hex digits) instead of following the branch.")
  private String commit;

  @JsonPropertyDescription("Deploy every new commit as soon as it is built. Unset: true, except for live. When false, a new value of the slipway.dev/deploy annotation deploys.")
  private Boolean autoDeploy;

  @Size(max = Names.MAX_ENVIRONMENT_NAME)
  @Pattern(Names.DNS_LABEL)
  @JsonPropertyDescription("Run only the image that is Ready on this other environment of the project; never build. Every promotion"
      + " chain must reach an environment that builds (one without promoteFrom) within "
      + ProjectSpec.MAX_PROMOTION_HOPS + " hops, so cycles are refused.")
  private String promoteFrom;

  @Min(0)
  @Max(50)
  @JsonPropertyDescription("Number of web pods. Unset: 2 for live, 1 otherwise.")
  private Integer replicas;

  @Size(max = 20)
  @JsonPropertyDescription("Custom domains (lower-case host names) served besides <project>-<environment>.<base domain>.")
  private List<@Size(max = 253) @Pattern(Names.HOSTNAME) String> domains = new ArrayList<>();

  @Size(max = 100)
  @ValidationRule(value = "self.all(v, self.exists_one(w, w.name == v.name))", message = "env: variable names must be unique")
  @JsonPropertyDescription("Environment variables for this environment only; they win over the project's.")
  private List<EnvVarSpec> env = new ArrayList<>();

  @Size(max = 10)
  @ValidationRule(value = "self.all(p, self.exists_one(q, q.name == p.name))", message = "processes: names must be unique")
  @JsonPropertyDescription("Process types besides web. On a mapping entry: overrides of the Project's processes of those names (replicas"
      + " most often; 0 runs none here). On an Environment: the processes it runs, merged.")
  private List<ProcessSpec> processes = new ArrayList<>();

  @Size(max = 20)
  @ValidationRule(value = "self.all(j, self.exists_one(q, q.name == j.name))", message = "cron: names must be unique")
  @JsonPropertyDescription("Scheduled jobs. On a mapping entry: overrides of the Project's jobs of those names (suspend: true switches"
      + " one off here). On an Environment: the jobs it runs, merged.")
  private List<CronSpec> cron = new ArrayList<>();

  public Stage getStage() {
    return stage;
  }

  public void setStage(Stage stage) {
    this.stage = stage;
  }

  public String getBranch() {
    return branch;
  }

  public void setBranch(String branch) {
    this.branch = branch;
  }

  public String getCommit() {
    return commit;
  }

  public void setCommit(String commit) {
    this.commit = commit;
  }

  public Boolean getAutoDeploy() {
    return autoDeploy;
  }

  public void setAutoDeploy(Boolean autoDeploy) {
    this.autoDeploy = autoDeploy;
  }

  public String getPromoteFrom() {
    return promoteFrom;
  }

  public void setPromoteFrom(String promoteFrom) {
    this.promoteFrom = promoteFrom;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public List<String> getDomains() {
    return domains;
  }

  public void setDomains(List<String> domains) {
    this.domains = domains;
  }

  public List<EnvVarSpec> getEnv() {
    return env;
  }

  public void setEnv(List<EnvVarSpec> env) {
    this.env = env;
  }

  public List<CronSpec> getCron() {
    return cron;
  }

  public void setCron(List<CronSpec> cron) {
    this.cron = cron;
  }

  public List<ProcessSpec> getProcesses() {
    return processes;
  }

  public void setProcesses(List<ProcessSpec> processes) {
    this.processes = processes;
  }
}
