package dev.slipway.project;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.CronSpec;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Names;
import dev.slipway.api.v1alpha1.ProcessSpec;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Stage;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a Project's branch-to-environment mapping into the Environments it asks for, with every
 * default filled in, so each Environment object alone says what it runs.
 */
public final class EnvironmentMapping {

  /** The branch everything deploys from unless a mapping entry says otherwise. */
  public static final String DEFAULT_BRANCH = "develop";

  private EnvironmentMapping() {}

  /**
   * The platform default for an empty mapping: everything comes from develop. Test builds develop
   * and deploys every commit; live builds nothing, it deploys on request what is Ready on test
   * (so it has no branch of its own: a promoted environment runs what its source runs).
   */
  public static List<EnvironmentTemplate> defaultMapping() {
    EnvironmentTemplate test = new EnvironmentTemplate("test");
    test.setStage(Stage.TEST);
    test.setBranch(DEFAULT_BRANCH);
    test.setAutoDeploy(true);
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    live.setStage(Stage.LIVE);
    live.setAutoDeploy(false);
    live.setPromoteFrom("test");
    return List.of(test, live);
  }

  /** The mapping in effect: the Project's own, or the default when it has none. */
  public static List<EnvironmentTemplate> effectiveMapping(Project project) {
    List<EnvironmentTemplate> declared = project.getSpec() == null ? null : project.getSpec().getEnvironments();
    return declared == null || declared.isEmpty() ? defaultMapping() : declared;
  }

  /** One Environment spec per mapping entry, in mapping order (database mode defaulting to dedicated). */
  public static List<EnvironmentSpec> environmentSpecs(Project project) {
    return environmentSpecs(project, DatabaseMode.DEDICATED);
  }

  /** As above, with the operator's default database mode for Projects that name none. */
  public static List<EnvironmentSpec> environmentSpecs(Project project, DatabaseMode defaultMode) {
    List<EnvironmentSpec> result = new ArrayList<>();
    for (EnvironmentTemplate entry : effectiveMapping(project)) {
      EnvironmentSpec spec = toSpec(project.getMetadata().getName(), entry);
      spec.setDatabase(database(project.getSpec() == null ? null : project.getSpec().getDatabase(), spec.getStage(), defaultMode));
      spec.setResources(project.getSpec() == null ? null : project.getSpec().getResources());
      spec.setProcesses(processes(project.getSpec() == null ? null : project.getSpec().getProcesses(), entry.getProcesses()));
      spec.setCron(cron(project.getSpec() == null ? null : project.getSpec().getCron(), entry.getCron()));
      result.add(spec);
    }
    return result;
  }

  /**
   * The database settings in effect for one environment: the deletion policy defaults to Snapshot
   * for live (its data matters most) and Delete otherwise.
   */
  static DatabaseSpec database(DatabaseSpec declared, Stage stage, DatabaseMode defaultMode) {
    DatabaseSpec d = new DatabaseSpec();
    d.setMode(declared != null && declared.getMode() != null ? declared.getMode() : defaultMode);
    d.setVersion(declared != null && declared.getVersion() != null ? declared.getVersion() : "16");
    if (declared != null) {
      d.setInstanceClass(declared.getInstanceClass());
      d.setStorageGiB(declared.getStorageGiB());
    }
    d.setDeletionPolicy(declared != null && declared.getDeletionPolicy() != null ? declared.getDeletionPolicy()
        : DeletionPolicy.defaultFor(stage));
    return d;
  }

  static EnvironmentSpec toSpec(String project, EnvironmentTemplate entry) {
    Stage stage = entry.getStage() != null ? entry.getStage() : Stage.defaultFor(entry.getName());
    EnvironmentSpec spec = new EnvironmentSpec();
    spec.setProject(project);
    spec.setEnvironment(entry.getName());
    spec.setStage(stage);
    // A promoted environment tracks no branch (admission refuses one next to promoteFrom).
    spec.setBranch(entry.getPromoteFrom() != null ? null : entry.getBranch() != null ? entry.getBranch() : DEFAULT_BRANCH);
    spec.setCommit(entry.getCommit());
    spec.setAutoDeploy(entry.getAutoDeploy() != null ? entry.getAutoDeploy() : stage != Stage.LIVE);
    spec.setPromoteFrom(entry.getPromoteFrom());
    spec.setReplicas(entry.getReplicas() != null ? entry.getReplicas() : defaultReplicas(stage));
    spec.setDomains(entry.getDomains() == null ? List.of() : List.copyOf(entry.getDomains()));
    spec.setEnv(entry.getEnv() == null ? List.of() : List.copyOf(entry.getEnv()));
    return spec;
  }

  /**
   * The processes one environment runs: the Project's, each with the entry's fields of the same
   * name over it and every default filled in (replicas 1, 30 seconds to stop).
   */
  static List<ProcessSpec> processes(List<ProcessSpec> declared, List<ProcessSpec> overrides) {
    List<ProcessSpec> result = new ArrayList<>();
    if (declared == null) {
      return result;
    }
    for (ProcessSpec base : declared) {
      ProcessSpec over = overrides == null ? null
          : overrides.stream().filter(o -> base.getName().equals(o.getName())).findFirst().orElse(null);
      ProcessSpec p = new ProcessSpec();
      p.setName(base.getName());
      p.setCommand(List.copyOf(over != null && over.getCommand() != null && !over.getCommand().isEmpty() ? over.getCommand() : base.getCommand()));
      p.setReplicas(over != null && over.getReplicas() != null ? over.getReplicas() : base.getReplicas() != null ? base.getReplicas() : 1);
      p.setTerminationGracePeriodSeconds(over != null && over.getTerminationGracePeriodSeconds() != null
          ? over.getTerminationGracePeriodSeconds()
          : base.getTerminationGracePeriodSeconds() != null ? base.getTerminationGracePeriodSeconds() : DEFAULT_GRACE_SECONDS);
      List<String> probe = over != null && over.getReadinessCommand() != null && !over.getReadinessCommand().isEmpty()
          ? over.getReadinessCommand() : base.getReadinessCommand();
      p.setReadinessCommand(probe == null ? List.of() : List.copyOf(probe));
      result.add(p);
    }
    return result;
  }

  /**
   * The scheduled jobs one environment runs: the Project's, each with the entry's fields of the
   * same name over it. Defaults stay unset here and are filled in by the CronJob (one place).
   */
  static List<CronSpec> cron(List<CronSpec> declared, List<CronSpec> overrides) {
    List<CronSpec> result = new ArrayList<>();
    if (declared == null) {
      return result;
    }
    for (CronSpec base : declared) {
      CronSpec over = overrides == null ? null
          : overrides.stream().filter(o -> base.getName().equals(o.getName())).findFirst().orElse(null);
      CronSpec j = new CronSpec();
      j.setName(base.getName());
      j.setSchedule(pick(over == null ? null : over.getSchedule(), base.getSchedule()));
      j.setTimeZone(pick(over == null ? null : over.getTimeZone(), base.getTimeZone()));
      j.setCommand(List.copyOf(over != null && over.getCommand() != null && !over.getCommand().isEmpty() ? over.getCommand() : base.getCommand()));
      j.setConcurrencyPolicy(pick(over == null ? null : over.getConcurrencyPolicy(), base.getConcurrencyPolicy()));
      j.setActiveDeadlineSeconds(pick(over == null ? null : over.getActiveDeadlineSeconds(), base.getActiveDeadlineSeconds()));
      j.setStartingDeadlineSeconds(pick(over == null ? null : over.getStartingDeadlineSeconds(), base.getStartingDeadlineSeconds()));
      j.setSuccessfulJobsHistoryLimit(pick(over == null ? null : over.getSuccessfulJobsHistoryLimit(), base.getSuccessfulJobsHistoryLimit()));
      j.setFailedJobsHistoryLimit(pick(over == null ? null : over.getFailedJobsHistoryLimit(), base.getFailedJobsHistoryLimit()));
      j.setSuspend(pick(over == null ? null : over.getSuspend(), base.getSuspend()));
      result.add(j);
    }
    return result;
  }

  private static <T> T pick(T override, T base) {
    return override != null ? override : base;
  }

  /** Seconds a process pod has to stop, as the web pods have. */
  public static final int DEFAULT_GRACE_SECONDS = 30;

  /** Live runs at least two pods so a node drain or a rollout never takes it down. */
  public static int defaultReplicas(Stage stage) {
    return stage == Stage.LIVE ? 2 : 1;
  }

  /**
   * Whether an Environment's spec is the one the mapping gives: equal JSON (the spec is written by
   * the Project controller only and the CRD sets no defaults, so equal JSON means nothing to apply).
   */
  public static boolean sameSpec(EnvironmentSpec desired, EnvironmentSpec actual) {
    var json = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper();
    return java.util.Objects.equals(json.valueToTree(desired), json.valueToTree(actual));
  }

  /** The Environment object for one spec, labelled for the informers that watch it. */
  public static Environment toEnvironment(Project project, EnvironmentSpec spec) {
    Environment env = new Environment();
    env.setMetadata(new ObjectMetaBuilder()
        .withName(Names.environmentObjectName(spec.getProject(), spec.getEnvironment()))
        .withNamespace(project.getMetadata().getNamespace())
        .withLabels(Labels.forEnvironment(spec.getProject(), spec.getEnvironment()))
        .build());
    env.setSpec(spec);
    return env;
  }
}
