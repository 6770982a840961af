package dev.slipway;

import dev.slipway.config.OperatorConfig;
import dev.slipway.render.RenderCommand;
import dev.slipway.runtime.OperatorClient;
import dev.slipway.runtime.SlipwayOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the operator with settings from environment variables; stops cleanly on SIGTERM. */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && "render".equals(args[0])) {
      // Standard output carries the YAML; nothing else may land there.
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
          .setLevel(ch.qos.logback.classic.Level.OFF);
      System.exit(RenderCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.getenv(), System.out, System.err));
      return;
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnvironment(System.getenv());
    } catch (OperatorConfig.ConfigException e) {
      System.err.println("slipway: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    // The user agent names this replica, so the API server's audit log tells replicas apart.
    KubernetesClient client = OperatorClient.create(config);
    // Losing the lease ends this process at once, without the graceful stop: another replica may
    // be writing already, so nothing in progress here may write again. Kubernetes restarts it as
    // a standby.
    SlipwayOperator slipway = SlipwayOperator.start(config, client, () -> Runtime.getRuntime().halt(1));
    // JVM start to here: the start-up time a pod's readiness waits for (the README's figures)
    log.info("metrics and probes on :{} (/metrics, /healthz, /readyz); started in {} ms, heap at most {} MiB", slipway.httpPort(),
        java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime(), Runtime.getRuntime().maxMemory() >> 20);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: finishing reconciles in progress (up to {})", config.controllers().shutdownTimeout());
      try {
        slipway.close();
        client.close();
      } finally {
        stopped.countDown();
      }
    }, "slipway-shutdown"));
    stopped.await();
  }
}
