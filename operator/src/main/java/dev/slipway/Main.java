package dev.slipway;

import dev.slipway.config.OperatorConfig;
import dev.slipway.render.RenderCommand;
import dev.slipway.runtime.SlipwayOperator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
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
    KubernetesClient client = new KubernetesClientBuilder().build();
    // Losing the lease to another replica ends this process; Kubernetes starts a fresh standby.
    SlipwayOperator slipway = SlipwayOperator.start(config, client, () -> new Thread(() -> System.exit(1)).start());
    log.info("metrics and probes on :{} (/metrics, /healthz, /readyz)", slipway.httpPort());

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: finishing reconciles in progress (up to {})", config.shutdownTimeout());
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
