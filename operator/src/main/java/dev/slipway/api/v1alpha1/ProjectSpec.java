package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.environments) || self.environments.all(e, !has(e.processes)"
        + " || e.processes.all(p, has(self.processes) && self.processes.exists(q, q.name == p.name)))",
    message = "spec.environments[].processes may only override processes spec.processes declares")
@ValidationRule(
    value = "!has(self.environments) || self.environments.all(e, !has(e.cron)"
        + " || e.cron.all(j, has(self.cron) && self.cron.exists(q, q.name == j.name)))",
    message = "spec.environments[].cron may only override jobs spec.cron declares")
public class ProjectSpec {

  /**
   * The longest promotion chain admitted: from any environment, following promoteFrom at most
   * this many times must reach an environment that builds (one without promoteFrom). CEL has no
   * recursion, so the rules on {@link #environments} unroll the walk to this depth ({@link #CHAIN}
   * spells it out); a cycle never reaches a builder and is refused. There is one rule per list
   * index (maxItems 10), so the refusal names the offending entry (a messageExpression cannot
   * build an index from a comprehension within the API server's cost budget: string(int) and
   * join() are estimated unbounded). The API server estimates each rule at about 19,000 cost
   * units (190,000 for the ten), far below its limits of 1,000,000 per evaluation and 10,000,000
   * per rule.
   */
  static final int MAX_PROMOTION_HOPS = 3;

  /**
   * The walk after the first hop (a): hops two (b) and three (c), through entries that promote
   * as well. An entry is refused when a, b and c all promote, i.e. when the environment three
   * hops away still builds nothing. A name that matches no entry ends the walk: the rule that
   * promoteFrom names another entry reports it. Must match {@link #MAX_PROMOTION_HOPS}.
   */
  private static final String CHAIN = " && has(a.promoteFrom)"
      + " && self.exists(b, b.name == a.promoteFrom && has(b.promoteFrom)"
      + " && self.exists(c, c.name == b.promoteFrom && has(c.promoteFrom))))";

  private static final String NO_BUILDER = ": following promoteFrom from there reaches no environment that builds"
      + " (one without promoteFrom) within " + MAX_PROMOTION_HOPS + " hops; promotion cycles (and longer chains) are refused";

  @Required
  @JsonPropertyDescription("Where the project's code lives and how its image is built.")
  private SourceSpec source;

  @Pattern(Names.DNS_LABEL)
  @Size(max = 63)
  @JsonPropertyDescription("The boilerplate the project started from (base image and frontend templates), for example minimal or webpack-sass.")
  private String boilerplate;

  @JsonPropertyDescription("The Postgres database each environment gets.")
  private DatabaseSpec database;

  @Size(max = 100)
  @ValidationRule(value = "self.all(v, self.exists_one(w, w.name == v.name))", message = "spec.env: variable names must be unique")
  @JsonPropertyDescription("Environment variables for every environment; an environment's own env wins on equal names.")
  private List<EnvVarSpec> env = new ArrayList<>();

  @Size(max = 10)
  @ValidationRule(value = "self.all(e, self.exists_one(f, f.name == e.name))", message = "spec.environments: environment names must be unique")
  @ValidationRule(value = "self.all(e, !has(e.promoteFrom) || self.exists(f, f.name == e.promoteFrom))", message = "spec.environments[].promoteFrom must name another environment of this project")
  @ValidationRule(value = "size(self) <= 0 || !(has(self[0].promoteFrom) && self.exists(a, a.name == self[0].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[0].promoteFrom: ' + self[0].name + ' promotes from ' + self[0].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[0].promoteFrom" + NO_BUILDER)
  @ValidationRule(value = "size(self) <= 1 || !(has(self[1].promoteFrom) && self.exists(a, a.name == self[1].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[1].promoteFrom: ' + self[1].name + ' promotes from ' + self[1].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[1].promoteFrom" + NO_BUILDER)
  @ValidationRule(value = "size(self) <= 2 || !(has(self[2].promoteFrom) && self.exists(a, a.name == self[2].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[2].promoteFrom: ' + self[2].name + ' promotes from ' + self[2].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[2].promoteFrom" + NO_BUILDER)
  @ValidationRule(value = "size(self) <= 3 || !(has(self[3].promoteFrom) && self.exists(a, a.name == self[3].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[3].promoteFrom: ' + self[3].name + ' promotes from ' + self[3].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[3].promoteFrom" + NO_BUILDER)
  @ValidationRule(value = "size(self) <= 4 || !(has(self[4].promoteFrom) && self.exists(a, a.name == self[4].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[4].promoteFrom: ' + self[4].name + ' promotes from ' + self[4].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[4].promoteFrom" + NO_BUILDER)
  @ValidationRule(value = "size(self) <= 5 || !(has(self[5].promoteFrom) && self.exists(a, a.name == self[5].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[5].promoteFrom: ' + self[5].name + ' promotes from ' + self[5].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[5].promoteFrom" + NO_BUILDER)
  @ValidationRule(value = "size(self) <= 6 || !(has(self[6].promoteFrom) && self.exists(a, a.name == self[6].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[6].promoteFrom: ' + self[6].name + ' promotes from ' + self[6].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[6].promoteFrom" + NO_BUILDER)
  @ValidationRule(value = "size(self) <= 7 || !(has(self[7].promoteFrom) && self.exists(a, a.name == self[7].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[7].promoteFrom: ' + self[7].name + ' promotes from ' + self[7].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[7].promoteFrom" + NO_BUILDER)
  @ValidationRule(value = "size(self) <= 8 || !(has(self[8].promoteFrom) && self.exists(a, a.name == self[8].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[8].promoteFrom: ' + self[8].name + ' promotes from ' + self[8].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[8].promoteFrom" + NO_BUILDER)
  @ValidationRule(value = "size(self) <= 9 || !(has(self[9].promoteFrom) && self.exists(a, a.name == self[9].promoteFrom" + CHAIN + ")",
      messageExpression = "'spec.environments[9].promoteFrom: ' + self[9].name + ' promotes from ' + self[9].promoteFrom + '" + NO_BUILDER + "'",
      message = "spec.environments[9].promoteFrom" + NO_BUILDER)
  @JsonPropertyDescription("The branch-to-environment mapping. Empty means the platform default: test on develop, deploying automatically,"
      + " and live promoted from test, deploying on request.")
  private List<EnvironmentTemplate> environments = new ArrayList<>();

  @Size(max = 10)
  @ValidationRule(value = "self.all(p, self.exists_one(q, q.name == p.name))", message = "spec.processes: names must be unique")
  @ValidationRule(value = "self.all(p, has(p.command) && size(p.command) > 0)", message = "spec.processes[].command is required")
  @JsonPropertyDescription("Process types besides web (workers): each runs as its own Deployment in every environment, on the image,"
      + " variables and database of the web pods, rolled out with them after the release command succeeded.")
  private List<ProcessSpec> processes = new ArrayList<>();

  @Size(max = 20)
  @ValidationRule(value = "self.all(j, self.exists_one(q, q.name == j.name))", message = "spec.cron: names must be unique")
  @ValidationRule(value = "self.all(j, has(j.command) && size(j.command) > 0)", message = "spec.cron[].command is required")
  @ValidationRule(value = "self.all(j, has(j.schedule) && size(j.schedule) > 0)", message = "spec.cron[].schedule is required")
  @JsonPropertyDescription("Scheduled jobs (management commands on a schedule): each a CronJob in every environment, on the image,"
      + " variables and database of the release the environment runs, updated at its rollout.")
  private List<CronSpec> cron = new ArrayList<>();

  @JsonPropertyDescription("The release step run as a Job with the new image before each rollout.")
  private ReleaseSpec release;

  @JsonPropertyDescription("What happens to data a Restore brings from another environment.")
  private DataSpec data;

  @JsonPropertyDescription("Requests and limits (cpu, memory, ephemeral-storage) of the project's web pods, builds and backups, within"
      + " the platform's maximums. Unset: the platform's defaults.")
  private ProjectResources resources;

  public SourceSpec getSource() {
    return source;
  }

  public void setSource(SourceSpec source) {
    this.source = source;
  }

  public String getBoilerplate() {
    return boilerplate;
  }

  public void setBoilerplate(String boilerplate) {
    this.boilerplate = boilerplate;
  }

  public DatabaseSpec getDatabase() {
    return database;
  }

  public void setDatabase(DatabaseSpec database) {
    this.database = database;
  }

  public List<EnvVarSpec> getEnv() {
    return env;
  }

  public void setEnv(List<EnvVarSpec> env) {
    this.env = env;
  }

  public List<EnvironmentTemplate> getEnvironments() {
    return environments;
  }

  public void setEnvironments(List<EnvironmentTemplate> environments) {
    this.environments = environments;
  }

  public DataSpec getData() {
    return data;
  }

  public void setData(DataSpec data) {
    this.data = data;
  }

  public ProjectResources getResources() {
    return resources;
  }

  public void setResources(ProjectResources resources) {
    this.resources = resources;
  }

  public ReleaseSpec getRelease() {
    return release;
  }

  public void setRelease(ReleaseSpec release) {
    this.release = release;
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
