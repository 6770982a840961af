package dev.slipway.project;

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
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A Project's status: its environments as their own statuses report them, and Ready. */
public final class ProjectStatusBuilder {

  private ProjectStatusBuilder() {}

  public static ProjectStatus build(Project project, Map<String, Environment> existing, Clock clock) {
    List<EnvironmentSpec> specs = EnvironmentMapping.environmentSpecs(project);
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
      boolean ready = es != null && Conditions.isTrue(es.getConditions(), ConditionTypes.READY);
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

    ProjectStatus status = new ProjectStatus();
    status.setObservedGeneration(generation);
    status.setEnvironments(summaries);
    status.setEnvironmentNames(specs.stream().map(EnvironmentSpec::getEnvironment).collect(Collectors.joining(",")));
    status.setReady((specs.size() - notReady.size()) + "/" + specs.size());
    status.setConditions(conditions.build());
    return status;
  }
}
