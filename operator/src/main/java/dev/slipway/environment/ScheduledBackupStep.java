package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import dev.slipway.status.EventRecorder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.time.Clock;

/**
 * Backups on schedule, and their retention ({@link ScheduledBackups}): takes the Backup that is
 * due and removes expired ones; the status holds when the next one is due, and the reconcile is
 * rescheduled for that moment. Runs only where the operator has a bucket to back up to.
 */
final class ScheduledBackupStep {

  private final OperatorConfig config;
  private final EventRecorder events;
  private final Clock clock;

  ScheduledBackupStep(OperatorConfig config, EventRecorder events, Clock clock) {
    this.config = config;
    this.events = events;
    this.clock = clock;
  }

  void run(Environment environment, Project project, Context<Environment> context, EnvironmentStatusAggregator status) {
    if (config.backup().bucket().isEmpty()) {
      return;
    }
    ScheduledBackups.Plan schedule = ScheduledBackups.plan(environment, project, context.getSecondaryResources(Backup.class),
        clock.instant());
    ScheduledBackups.apply(schedule, context.getClient(), environment, events);
    status.backupSchedule(schedule.status(), schedule.recheckAfter());
  }
}
