package dev.slipway.project;

import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.EnvironmentSummary;
import dev.slipway.api.v1alpha1.Names;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectStatus;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.Convergence;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A Project's status: its environments as their own statuses report them, Ready when every one is
 * Ready at its current generation, and kstatus's Reconciling or Stalled ({@link #convergence}).
 */
public final class ProjectStatusBuilder {

  private ProjectStatusBuilder() {}

  /**
   * @param existing the Project's Environments by environment name, as the cache has them (which
   *     may not show yet what this reconcile just applied: a spec that differs from the mapping's
   *     is not reported on)
   * @param defaultMode the operator's database mode for Projects that name none (as the mapping uses it)
   */
  public static ProjectStatus build(Project project, Map<String, Environment> existing, DatabaseMode defaultMode, Clock clock) {
    List<EnvironmentSpec> specs = EnvironmentMapping.environmentSpecs(project, defaultMode);
    List<EnvironmentSummary> summaries = new ArrayList<>();
    List<String> notReady = new ArrayList<>();
    for (EnvironmentSpec spec : specs) {
      Environment env = existing.get(spec.getEnvironment());
      EnvironmentStatus es = env == null ? null : env.getStatus();
      EnvironmentSummary s = new EnvironmentSummary();
      s.setName(spec.getEnvironment());
      s.setEnvironment(Names.environmentObjectName(spec.getProject(), spec.getEnvironment()));
      s.setStage(spec.getStage());
      s.setBranch(spec.getBranch());
      boolean ready = env != null && reportedOn(project, spec, env) && Conditions.isTrue(es.getConditions(), ConditionTypes.READY);
      s.setReady(ready);
      s.setPhase(es == null || es.getPhase() == null ? Phase.Pending : es.getPhase());
      if (es != null) {
        s.setUrl(es.getUrl());
        s.setCommit(es.getShortCommit());
      }
      if (!ready) {
        notReady.add(spec.getEnvironment() + " (" + s.getPhase() + ")");
      }
      summaries.add(s);
    }

    long generation = project.getMetadata().getGeneration() == null ? 0 : project.getMetadata().getGeneration();
    ProjectStatus previous = project.getStatus();
    Conditions conditions = new Conditions(previous == null ? null : previous.getConditions(), generation, clock);
    if (notReady.isEmpty()) {
      conditions.set(ConditionTypes.READY, true, "AllEnvironmentsReady", "every environment is Ready");
    } else {
      conditions.set(ConditionTypes.READY, false, "EnvironmentsNotReady", "not ready: " + String.join(", ", notReady));
    }
    convergence(project, specs, existing).applyTo(conditions);

    ProjectStatus status = new ProjectStatus();
    status.setObservedGeneration(generation);
    status.setEnvironments(summaries);
    status.setEnvironmentNames(specs.stream().map(EnvironmentSpec::getEnvironment).collect(Collectors.joining(",")));
    status.setReady((specs.size() - notReady.size()) + "/" + specs.size());
    status.setConditions(conditions.build());
    return status;
  }

  /**
   * Stalled when an environment is (its reason, and each stalled one's message): the Project will
   * not get Ready without a change. Otherwise Reconciling while an environment is missing, has not
   * reported on its current spec yet, or reconciles (with what each waits for). Otherwise converged,
   * even when not Ready (an environment stopped, or waiting for a deploy request).
   */
  static Convergence convergence(Project project, List<EnvironmentSpec> specs, Map<String, Environment> existing) {
    List<String> stalled = new ArrayList<>();
    String stalledReason = null;
    List<String> waiting = new ArrayList<>();
    for (EnvironmentSpec spec : specs) {
      String name = spec.getEnvironment();
      Environment env = existing.get(name);
      if (env == null) {
        waiting.add(name + ": not created yet");
      } else if (!EnvironmentMapping.sameSpec(spec, env.getSpec())) {
        waiting.add(name + ": getting the Project's new spec");
      } else if (!reportedOn(project, spec, env)) {
        EnvironmentStatus es = env.getStatus();
        waiting.add(name + ": " + (es == null || es.getObservedGeneration() == null ? "no status yet"
            : !es.getObservedGeneration().equals(env.getMetadata().getGeneration())
                ? "has not reported on generation " + env.getMetadata().getGeneration() + " yet"
                : "has not caught up with the Project's generation " + project.getMetadata().getGeneration() + " yet"));
      } else {
        Convergence c = Convergence.of(env.getStatus().getConditions());
        if (c.isStalled()) {
          stalledReason = stalledReason == null ? c.reason() : stalledReason;
          stalled.add(name + ": " + c.message());
        } else if (c.isReconciling()) {
          waiting.add(name + ": " + c.message());
        }
      }
    }
    if (!stalled.isEmpty()) {
      return Convergence.stalled(stalledReason, String.join("; ", stalled));
    }
    if (!waiting.isEmpty()) {
      return Convergence.reconciling("EnvironmentsReconciling", String.join("; ", waiting));
    }
    return Convergence.converged();
  }

  /**
   * The Environment has the spec the mapping gives (the cache may not show yet what this
   * reconcile applied), and its status speaks for that spec and for this generation of the
   * Project (whose env, source and release settings reach it without changing its spec).
   */
  private static boolean reportedOn(Project project, EnvironmentSpec desired, Environment env) {
    EnvironmentStatus es = env.getStatus();
    if (!EnvironmentMapping.sameSpec(desired, env.getSpec()) || es == null || es.getObservedGeneration() == null) {
      return false;
    }
    Long generation = env.getMetadata() == null ? null : env.getMetadata().getGeneration();
    return (generation == null || generation.equals(es.getObservedGeneration()))
        && java.util.Objects.equals(project.getMetadata().getGeneration(), es.getObservedProjectGeneration());
  }
}
