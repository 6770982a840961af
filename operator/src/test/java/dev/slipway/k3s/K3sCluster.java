package dev.slipway.k3s;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.k3s.K3sContainer;

/**
 * A cluster in a container, started by Testcontainers' own {@link K3sContainer}: real k3s
 * (privileged, as K3sContainer sets it up) or the stand-in slipway/k3s-compat ({@link K3sImage}),
 * which needs no privilege, so it runs with none: not privileged, every capability dropped, no
 * bind of the host's /sys/fs/cgroup, the engine's default cgroup namespace. The test JVM reaches
 * it through the kubeconfig K3sContainer copies from /etc/rancher/k3s/k3s.yaml.
 */
final class K3sCluster implements AutoCloseable {

  /** A name the serving certificate covers only because the command line asks for it. */
  static final String EXTRA_SAN = "k3s-tier.slipway.test";

  private final K3sImage image;
  private final K3sContainer container;
  private final KubernetesClient client;
  private final Duration startup;
  private final Writer log;

  private K3sCluster(K3sImage image, K3sContainer container, KubernetesClient client, Duration startup, Writer log) {
    this.image = image;
    this.container = container;
    this.client = client;
    this.startup = startup;
    this.log = log;
  }

  static K3sCluster start(K3sImage image, Path logFile) throws IOException {
    Files.createDirectories(logFile.getParent());
    Writer log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
    K3sContainer container = new K3sContainer(image.name())
        .withStartupTimeout(Duration.ofMinutes(4))
        .withLogConsumer(frame -> write(log, frame.getUtf8String()));
    // K3sContainer's own command line, and one more name for the serving certificate (k3s takes --tls-san repeatedly)
    List<String> command = new ArrayList<>(List.of(container.getCommandParts()));
    command.add("--tls-san=" + EXTRA_SAN);
    container.setCommand(command.toArray(String[]::new));
    if (!image.realK3s()) {
      container.withPrivilegedMode(false);
      container.setBinds(new ArrayList<>()); // K3sContainer binds the host's /sys/fs/cgroup for k3s's kubelet
      container.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
          .withPrivileged(false)
          .withCapDrop(Capability.ALL)
          .withCgroupnsMode(null));
    }
    Instant started = Instant.now();
    try {
      container.start();
    } catch (RuntimeException e) {
      container.stop();
      log.close();
      throw new IllegalStateException(image.describe() + " did not start: " + e.getMessage() + " (container log: " + logFile + ")", e);
    }
    Duration startup = Duration.between(started, Instant.now());
    return new K3sCluster(image, container, clientFor(container.getKubeConfigYaml()), startup, log);
  }

  private static void write(Writer log, String text) {
    try {
      log.write(text);
      log.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static KubernetesClient clientFor(String kubeconfigYaml) {
    Config config = Config.fromKubeconfig(kubeconfigYaml);
    config.setNamespace(null);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  K3sImage image() {
    return image;
  }

  KubernetesClient client() {
    return client;
  }

  /** A client of its own (the operator's), from the same kubeconfig. */
  KubernetesClient newClient() {
    return clientFor(container.getKubeConfigYaml());
  }

  Duration startup() {
    return startup;
  }

  String host() {
    return container.getHost();
  }

  int apiPort() {
    return container.getMappedPort(K3sContainer.KUBE_SECURE_PORT);
  }

  /** The command line the container runs (K3sContainer's, plus --tls-san=EXTRA_SAN). */
  List<String> command() {
    return List.of(container.getCommandParts());
  }

  String kubeconfigYaml() {
    return container.getKubeConfigYaml();
  }

  /** The kubeconfig as the cluster wrote it, inside the container. */
  String kubeconfigInContainer() {
    return container.copyFileFromContainer("/etc/rancher/k3s/k3s.yaml",
        in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
  }

  /** What the engine says about the running container (privilege, capabilities). */
  InspectContainerResponse inspect() {
    return DockerClientFactory.instance().client().inspectContainerCmd(container.getContainerId()).exec();
  }

  /** Applies every CRD in the directory (server-side, as the harness does) and waits until each is Established. */
  List<String> installCrds(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
    }
    List<String> names = new ArrayList<>();
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata applied : client.load(in).fieldManager("slipway-k3s-tier").forceConflicts().serverSideApply()) {
          names.add(applied.getMetadata().getName());
        }
      }
    }
    for (String name : names) {
      client.resources(CustomResourceDefinition.class).withName(name).waitUntilCondition(crd -> crd != null
          && crd.getStatus() != null && crd.getStatus().getConditions().stream()
              .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())), 60, TimeUnit.SECONDS);
    }
    return names;
  }

  @Override
  public void close() throws IOException {
    try {
      client.close();
      container.stop();
    } finally {
      log.close();
    }
  }
}
