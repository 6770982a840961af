package dev.slipway.testing;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * Plays the kubelet on a control plane that has none: the controller manager creates Pods for
 * Jobs and Deployments, and this writes the Pod status a kubelet would (containers terminated
 * with a termination message, or running and ready), through the real API.
 */
public final class FakeKubelet {

  private final KubernetesClient client;

  public FakeKubelet(KubernetesClient client) {
    this.client = client;
  }

  /** The (single) Pod of a Job, once the Job controller made it. */
  public Pod awaitJobPod(String namespace, String job) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        !client.pods().inNamespace(namespace).withLabel("job-name", job).list().getItems().isEmpty());
    return client.pods().inNamespace(namespace).withLabel("job-name", job).list().getItems().get(0);
  }

  /** Finishes a build Pod the way Kaniko does: source fetched, image pushed, digest in the termination message. */
  public void succeedBuild(String namespace, String job, String digest) {
    finishJobPod(namespace, job, 0, digest, null);
  }

  /** Fails a build Pod with the given exit code and build output (the termination message falls back to logs). */
  public void failBuild(String namespace, String job, int exitCode, String output) {
    finishJobPod(namespace, job, exitCode, output, "Error");
  }

  /** Fails the source-fetching init container. */
  public void failSourceFetch(String namespace, String job, String output) {
    Pod pod = awaitJobPod(namespace, job);
    String now = now();
    ContainerStatus source = terminated(pod.getSpec().getInitContainers().get(0).getName(),
        pod.getSpec().getInitContainers().get(0).getImage(), 128, output, "Error", now);
    client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).editStatus(p -> {
      p.getStatus().setPhase("Failed");
      p.getStatus().setInitContainerStatuses(List.of(source));
      p.getStatus().setConditions(List.of(condition("Ready", "False", now)));
      return p;
    });
  }

  private void finishJobPod(String namespace, String job, int exitCode, String message, String reason) {
    Pod pod = awaitJobPod(namespace, job);
    String now = now();
    List<ContainerStatus> init = new ArrayList<>();
    pod.getSpec().getInitContainers().forEach(c -> init.add(terminated(c.getName(), c.getImage(), 0, "fetched", "Completed", now)));
    var main = pod.getSpec().getContainers().get(0);
    ContainerStatus kaniko = terminated(main.getName(), main.getImage(), exitCode, message, reason == null ? "Completed" : reason, now);
    client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).editStatus(p -> {
      p.getStatus().setPhase(exitCode == 0 ? "Succeeded" : "Failed");
      p.getStatus().setStartTime(now);
      p.getStatus().setInitContainerStatuses(init);
      p.getStatus().setContainerStatuses(List.of(kaniko));
      p.getStatus().setConditions(List.of(condition("Ready", "False", now)));
      return p;
    });
  }

  /** Makes every Pod of the Deployment's newest ReplicaSet run and be ready. */
  public void runDeployment(String namespace, String deployment) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !currentPods(namespace, deployment).isEmpty());
    run(namespace, currentPods(namespace, deployment));
  }

  /** Makes the Pods with these labels (once some exist) run and be ready. */
  public void runPods(String namespace, java.util.Map<String, String> labels) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        !client.pods().inNamespace(namespace).withLabels(labels).list().getItems().isEmpty());
    run(namespace, client.pods().inNamespace(namespace).withLabels(labels).list().getItems());
  }

  private void run(String namespace, List<Pod> pods) {
    for (Pod pod : pods) {
      if (isReady(pod)) {
        continue;
      }
      String now = now();
      var c = pod.getSpec().getContainers().get(0);
      ContainerStatus running = new ContainerStatusBuilder()
          .withName(c.getName()).withImage(c.getImage()).withImageID(c.getImage())
          .withReady(true).withStarted(true).withRestartCount(0)
          .withNewState().withNewRunning().withStartedAt(now).endRunning().endState()
          .build();
      client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).editStatus(p -> {
        p.getStatus().setPhase("Running");
        p.getStatus().setStartTime(now);
        p.getStatus().setPodIP("10.0.0." + (1 + Math.abs(p.getMetadata().getName().hashCode() % 250)));
        p.getStatus().setContainerStatuses(List.of(running));
        p.getStatus().setConditions(List.of(
            condition("Initialized", "True", now), condition("ContainersReady", "True", now),
            condition("Ready", "True", now), condition("PodScheduled", "True", now)));
        return p;
      });
    }
  }

  /** Pods of the ReplicaSet that matches the Deployment's current template. */
  public List<Pod> currentPods(String namespace, String deployment) {
    Deployment d = client.apps().deployments().inNamespace(namespace).withName(deployment).get();
    if (d == null) {
      return List.of();
    }
    String revision = d.getMetadata().getAnnotations() == null ? null : d.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision");
    List<ReplicaSet> sets = client.apps().replicaSets().inNamespace(namespace).withLabels(d.getSpec().getSelector().getMatchLabels()).list().getItems();
    for (ReplicaSet rs : sets) {
      String rsRevision = rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision");
      if (revision != null && revision.equals(rsRevision)) {
        String hash = rs.getMetadata().getLabels().get("pod-template-hash");
        return client.pods().inNamespace(namespace).withLabel("pod-template-hash", hash).list().getItems().stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
      }
    }
    return List.of();
  }

  private static boolean isReady(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static ContainerStatus terminated(String name, String image, int exitCode, String message, String reason, String at) {
    return new ContainerStatusBuilder()
        .withName(name).withImage(image).withImageID(image)
        .withReady(false).withStarted(false).withRestartCount(0)
        .withNewState().withNewTerminated()
        .withExitCode(exitCode).withReason(reason).withMessage(message).withStartedAt(at).withFinishedAt(at)
        .endTerminated().endState()
        .build();
  }

  private static PodCondition condition(String type, String status, String at) {
    return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(at).build();
  }

  private static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
