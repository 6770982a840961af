package dev.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The platform on the real node (e2e/node/platform.sh): the runtime base image was built by
 * Kaniko in a real pod from base-images/runtime/Dockerfile and lives in the node's registry; the
 * package index runs there and serves wheels built for the runtime's platform, uWSGI included
 * (compiled by the wheel-building Job); and a build against the index installs wheels only and
 * gets nothing the index does not hold, so every build in these tests is hermetic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodePackageIndexIT {

  private static final String NS = "real-node-index";
  private static RealNode node;
  private static KubernetesClient client;

  @BeforeAll
  static void platform() {
    node = RealNode.get();
    client = node.client();
    Instant t = Instant.now();
    node.platform();
    System.out.printf("[index] platform ready in %ds: runtime %s, index %s%n",
        Duration.between(t, Instant.now()).toSeconds(), node.runtimeImage(), node.packageIndexUrl());
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).serverSideApply();
  }

  @AfterAll
  static void cleanUp() {
    if (client != null) {
      client.namespaces().withName(NS).delete();
    }
  }

  @Test
  @Order(1)
  void theRuntimeImageIsInTheRegistryAndTheIndexHoldsAUwsgiWheelForItsPlatform() {
    String runtime = node.runtimeImage();
    assertThat(runtime).startsWith(node.registryFromPods() + "/slipway/runtime@sha256:");
    String digest = runtime.substring(runtime.indexOf('@') + 1);
    assertThat(node.registryDigest("slipway/runtime", digest)).contains(digest);
    assertThat(node.packageIndexPackages())
        .contains("uwsgi-2.0.31-cp311-cp311-linux_x86_64.whl", "django-5.2.19-py3-none-any.whl")
        .anyMatch(f -> f.startsWith("psycopg_binary-3.3.9-cp311-cp311-manylinux"));
    assertThat(node.packageIndexUrl()).isEqualTo("http://slipway-package-index.slipway-platform.svc.cluster.local:8080/simple/");
    Pod index = client.pods().inNamespace("slipway-platform").withLabel("app.kubernetes.io/name", "package-index").list()
        .getItems().stream().findFirst().orElseThrow();
    assertThat(index.getSpec().getContainers().get(0).getImage()).isEqualTo(node.packageIndexImage());
    System.out.printf("[index] %d files served, uWSGI wheel for cp311/linux_x86_64 among them%n", node.packageIndexPackages().size());
  }

  @Test
  @Order(2)
  void aKanikoBuildOnTheRuntimeImageGetsWheelsFromTheIndexAndNothingElse() throws Exception {
    String index = node.packageIndexUrl();
    String host = URI.create(index).getHost();
    Path context = Files.createTempDirectory(node.stateDir().getParent(), "index-build");
    Files.writeString(context.resolve("Dockerfile"), String.join("\n",
        "FROM " + node.runtimeImage(),
        "ARG PIP_INDEX_URL",
        "ARG PIP_TRUSTED_HOST",
        "USER 0",
        // wheels only: no compiler may run for any of these
        "RUN pip wheel --no-cache-dir --only-binary=:all: -w /wheels uWSGI==2.0.31 Django==5.2.19 'psycopg[binary]==3.3.9' dj-database-url==3.1.2 "
            + "&& ls /wheels > /wheels.txt",
        // hermetic: what the platform does not hold is not found (never fetched from outside)
        "RUN if pip download --no-cache-dir --no-deps -d /tmp/x requests==2.32.3 > /tmp/out 2>&1; then echo 'requests came from somewhere'; exit 1; fi "
            + "&& grep -q 'No matching distribution' /tmp/out && echo 'requests: not on the platform index' > /hermetic.txt",
        "RUN uwsgi --version > /uwsgi-version.txt",
        "USER 10001",
        ""));
    String destination = node.registryFromPods() + "/real-node-index/wheels:check";
    Pod build = new PodBuilder()
        .withNewMetadata().withName("build").withNamespace(NS).endMetadata()
        .withNewSpec().withRestartPolicy("Never").withAutomountServiceAccountToken(false)
        .addNewContainer().withName("kaniko").withImage(node.kanikoImage())
        .withArgs("--context=dir:///workspace", "--destination=" + destination, "--cache=false",
            "--digest-file=/dev/termination-log", "--insecure", "--skip-tls-verify", "--insecure-pull", "--skip-tls-verify-pull",
            "--build-arg=PIP_INDEX_URL=" + index, "--build-arg=PIP_TRUSTED_HOST=" + host)
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .addNewVolumeMount().withName("context").withMountPath("/workspace").endVolumeMount()
        .endContainer()
        .addNewVolume().withName("context").withNewHostPath().withPath(context.toString()).withType("Directory").endHostPath().endVolume()
        .endSpec().build();
    client.pods().inNamespace(NS).resource(build).create();
    ContainerStateTerminated built = awaitTerminated("build", Duration.ofMinutes(10));
    String log = client.pods().inNamespace(NS).withName("build").getLog();
    assertThat(built.getExitCode()).as("kaniko log:\n%s", log).isZero();
    String digest = built.getMessage().trim();
    assertThat(node.registryDigest("real-node-index/wheels", "check")).contains(digest);

    Pod show = new PodBuilder()
        .withNewMetadata().withName("show").withNamespace(NS).endMetadata()
        .withNewSpec().withRestartPolicy("Never").withAutomountServiceAccountToken(false)
        .addNewContainer().withName("show").withImage(destination.replace(":check", "@" + digest))
        .withCommand("/bin/sh", "-c", "cat /wheels.txt /hermetic.txt /uwsgi-version.txt")
        .endContainer().endSpec().build();
    client.pods().inNamespace(NS).resource(show).create();
    ContainerStateTerminated shown = awaitTerminated("show", Duration.ofMinutes(3));
    String out = client.pods().inNamespace(NS).withName("show").getLog();
    assertThat(shown.getExitCode()).as(out).isZero();
    assertThat(out).contains("uwsgi-2.0.31-cp311-cp311-linux_x86_64.whl", "django-5.2.19-py3-none-any.whl",
        "requests: not on the platform index", "2.0.31");
    System.out.printf("[index] a build on the runtime image installed wheels only from %s, and found no 'requests':%n%s", index, out);
  }

  private static ContainerStateTerminated awaitTerminated(String pod, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      Pod p = client.pods().inNamespace(NS).withName(pod).get();
      if (p != null && p.getStatus() != null && p.getStatus().getContainerStatuses() != null
          && !p.getStatus().getContainerStatuses().isEmpty()
          && p.getStatus().getContainerStatuses().get(0).getState().getTerminated() != null) {
        return p.getStatus().getContainerStatuses().get(0).getState().getTerminated();
      }
      TimeUnit.SECONDS.sleep(2);
    }
    throw new AssertionError("pod " + pod + " did not terminate within " + timeout);
  }
}
