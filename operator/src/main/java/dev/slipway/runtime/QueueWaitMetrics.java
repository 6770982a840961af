package dev.slipway.runtime;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * JOSDK's metrics plus the one JOSDK does not expose: how long a reconcile waits for a free
 * reconcile thread. JOSDK calls {@link #reconcileCustomResource} just before it hands the
 * reconcile to its executor and {@link #reconciliationExecutionStarted} when a thread picks it up;
 * the time between is {@code slipway_reconcile_queue_wait_seconds{controller}}, the figure
 * controller-runtime calls workqueue queue duration.
 */
final class QueueWaitMetrics implements Metrics {

  static final String METRIC = "slipway.reconcile.queue.wait";
  private static final String CONTROLLER_NAME = "controller.name";

  private final Metrics delegate;
  private final MeterRegistry registry;
  private final Map<ResourceID, Long> submittedAt = new ConcurrentHashMap<>();
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();

  QueueWaitMetrics(Metrics delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  @Override
  public void reconcileCustomResource(HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    submittedAt.put(ResourceID.fromResource(resource), System.nanoTime());
    delegate.reconcileCustomResource(resource, retryInfo, metadata);
  }

  @Override
  public void reconciliationExecutionStarted(HasMetadata resource, Map<String, Object> metadata) {
    Long submitted = submittedAt.remove(ResourceID.fromResource(resource));
    if (submitted != null) {
      timer(metadata == null ? "unknown" : String.valueOf(metadata.getOrDefault(CONTROLLER_NAME, "unknown")))
          .record(Duration.ofNanos(System.nanoTime() - submitted));
    }
    delegate.reconciliationExecutionStarted(resource, metadata);
  }

  private Timer timer(String controller) {
    return timers.computeIfAbsent(controller, c -> Timer.builder(METRIC)
        .description("Time a reconcile waits for a reconcile thread after JOSDK submitted it")
        .tag("controller", c)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(120))
        .register(registry));
  }

  @Override
  public void cleanupDoneFor(ResourceID resourceID, Map<String, Object> metadata) {
    submittedAt.remove(resourceID);
    delegate.cleanupDoneFor(resourceID, metadata);
  }

  // Everything else is JOSDK's own metrics, unchanged.

  @Override
  public void controllerRegistered(Controller<? extends HasMetadata> controller) {
    delegate.controllerRegistered(controller);
  }

  @Override
  public void receivedEvent(Event event, Map<String, Object> metadata) {
    delegate.receivedEvent(event, metadata);
  }

  @Override
  public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    delegate.failedReconciliation(resource, exception, metadata);
  }

  @Override
  public void reconciliationExecutionFinished(HasMetadata resource, Map<String, Object> metadata) {
    delegate.reconciliationExecutionFinished(resource, metadata);
  }

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    delegate.finishedReconciliation(resource, metadata);
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    return delegate.timeControllerExecution(execution);
  }

  @Override
  public <T extends Map<?, ?>> T monitorSizeOf(T map, String name) {
    return delegate.monitorSizeOf(map, name);
  }
}
