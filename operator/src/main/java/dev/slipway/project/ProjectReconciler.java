package dev.slipway.project;

import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectStatus;
import dev.slipway.status.Statuses;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Keeps one Environment per entry of a Project's mapping (the workflow's dependent does the
 * creating, updating and deleting) and reports them in the Project's status.
 */
@Workflow(explicitInvocation = true, dependents = @Dependent(type = EnvironmentsDependent.class))
@ControllerConfiguration(name = ProjectReconciler.NAME)
public class ProjectReconciler implements Reconciler<Project> {

  public static final String NAME = "project";
  static final String DEFAULT_DATABASE_MODE = "slipway.default-database-mode";

  private final Clock clock;
  private final DatabaseMode defaultDatabaseMode;

  public ProjectReconciler() {
    this(Clock.systemUTC(), DatabaseMode.DEDICATED);
  }

  public ProjectReconciler(Clock clock, DatabaseMode defaultDatabaseMode) {
    this.clock = clock;
    this.defaultDatabaseMode = defaultDatabaseMode;
  }

  @Override
  public UpdateControl<Project> reconcile(Project project, Context<Project> context) {
    context.managedWorkflowAndDependentResourceContext().put(DEFAULT_DATABASE_MODE, defaultDatabaseMode);
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow().throwAggregateExceptionIfErrorsPresent();
    String name = project.getMetadata().getName();
    Map<String, Environment> environments = context.getSecondaryResourcesAsStream(Environment.class)
        .filter(e -> name.equals(e.getSpec().getProject()))
        .collect(Collectors.toMap(e -> e.getSpec().getEnvironment(), e -> e, (a, b) -> a));
    ProjectStatus status = ProjectStatusBuilder.build(project, environments, clock);
    if (!Statuses.sameContent(project.getStatus(), status)) {
      // Cached as written, so the next reconcile compares with this status and does not write it again.
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(project, statusPatch(project, status), context);
    }
    return UpdateControl.noUpdate();
  }

  /** A fresh object holding only what the status patch needs, as server-side apply expects. */
  private static Project statusPatch(Project project, ProjectStatus status) {
    Project patch = new Project();
    patch.setMetadata(new ObjectMetaBuilder()
        .withName(project.getMetadata().getName())
        .withNamespace(project.getMetadata().getNamespace())
        .build());
    patch.setStatus(status);
    return patch;
  }
}
