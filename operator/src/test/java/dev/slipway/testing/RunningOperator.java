package dev.slipway.testing;

import dev.slipway.config.OperatorConfig;
import dev.slipway.runtime.SlipwayOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Set;

/** The operator, started in this JVM exactly as Main starts it, against the local control plane. */
public final class RunningOperator implements AutoCloseable {

  private final SlipwayOperator operator;
  private final KubernetesClient client;

  private RunningOperator(SlipwayOperator operator, KubernetesClient client) {
    this.operator = operator;
    this.client = client;
  }

  /** Watches only the given namespace, serves HTTP on a free port, no leader election. */
  public static RunningOperator watching(TestNamespace namespace) {
    return start(OperatorConfig.defaults()
        .withWatchNamespaces(Set.of(namespace.name()))
        .withHttpPort(0)
        .withLeaderElection(false, null), namespace.controlPlane());
  }

  public static RunningOperator start(OperatorConfig config, LocalControlPlane controlPlane) {
    return start(config, controlPlane.newOperatorClient());
  }

  /** On the real node, with the operator's own identity. */
  public static RunningOperator start(OperatorConfig config, RealNode node) {
    return start(config, node.newOperatorClient());
  }

  /** Against any cluster (the K3sContainer tier's); closing it closes the client. */
  public static RunningOperator start(OperatorConfig config, KubernetesClient client) {
    try {
      // A test JVM must not exit: losing the lease shows in isLeading() and /healthz instead.
      return new RunningOperator(SlipwayOperator.start(config, client, () -> { }), client);
    } catch (Exception e) {
      client.close();
      throw new IllegalStateException("operator did not start: " + e.getMessage(), e);
    }
  }

  public SlipwayOperator operator() {
    return operator;
  }

  /** How many times the named controller has reconciled so far (JOSDK's own timer). */
  public long reconciles(String controller) {
    var timer = operator.registry().find("operator.sdk.controllers.execution.reconcile").tag("controller", controller).timer();
    return timer == null ? 0 : timer.count();
  }

  public String httpBase() {
    return "http://127.0.0.1:" + operator.httpPort();
  }

  /** The port of /healthz and /readyz alone, as the kubelet sees it. */
  public String probeBase() {
    return "http://127.0.0.1:" + operator.probePort();
  }

  @Override
  public void close() {
    try {
      operator.close();
    } finally {
      client.close();
    }
  }
}
