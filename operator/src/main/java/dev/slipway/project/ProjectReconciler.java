package dev.slipway.project;

import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectStatus;
import dev.slipway.cache.Pruned;
import dev.slipway.status.Statuses;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Keeps one Environment per entry of a Project's mapping (the workflow's dependent does the
 * creating, updating and deleting) and reports them in the Project's status.
 */
@Workflow(explicitInvocation = true, dependents = @Dependent(type = EnvironmentsDependent.class))
// Cached without managedFields (Pruned.Store): nothing here reads them.
@ControllerConfiguration(name = ProjectReconciler.NAME, informer = @Informer(itemStore = Pruned.Store.class))
public class ProjectReconciler implements Reconciler<Project> {

  public static final String NAME = "project";
  static final String DEFAULT_DATABASE_MODE = "slipway.default-database-mode";
  static final Duration FIRST_REPORT_GRACE = Duration.ofSeconds(60); // a busy Environment controller may take a while

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
    ProjectStatus status = ProjectStatusBuilder.build(project, environments, defaultDatabaseMode, clock);
    if (!Statuses.sameContent(project.getStatus(), status) && awaitingFirstReport(environments.values())) {
      // An Environment created moments ago reports its first status at once, and that wakes this
      // reconcile: the Project's status is written then, once, instead of once per Environment.
      return UpdateControl.<Project>noUpdate().rescheduleAfter(FIRST_REPORT_GRACE);
    }
    if (!Statuses.sameContent(project.getStatus(), status)) {
      // Cached as written, so the next reconcile compares with this status and does not write it again.
      Statuses.applyAndCache(project, statusPatch(project, status), context);
    }
    return UpdateControl.noUpdate();
  }

  /** Some Environment has no status yet and was created less than {@link #FIRST_REPORT_GRACE} ago. */
  static boolean awaitingFirstReport(java.util.Collection<Environment> environments) {
    Instant now = Instant.now(); // the API server's clock, not the injectable one the conditions use
    return environments.stream().anyMatch(e -> e.getStatus() == null && e.getMetadata().getCreationTimestamp() != null
        && Duration.between(Instant.parse(e.getMetadata().getCreationTimestamp()), now).compareTo(FIRST_REPORT_GRACE) < 0);
  }

  /** A fresh object holding only what the status patch needs, as server-side apply expects. */
  private static Project statusPatch(Project project, ProjectStatus status) {
    return Statuses.statusOnly(project, Project::new, status);
  }
}
