package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.OwnerReferences;
import dev.slipway.api.v1alpha1.ProcessSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Deployments of an environment's other process types (workers), from the same
 * {@link WebPlan} as the web Deployment: so they run the image, variables, database credentials,
 * resources and pod security of the web pods, and are applied in the same rollout, never before
 * the release command succeeded. No port, no Service, no Ingress.
 */
public final class ProcessResources {

  public static final String CONTAINER = "process";

  /** A pod with no readiness command counts as ready once it has run this long without exiting (a crash loop never does). */
  static final int MIN_READY_SECONDS = 10;

  private ProcessResources() {}

  /** The processes the environment runs, as its spec lists them (merged from its Project by the Project controller). */
  public static List<ProcessSpec> processes(WebPlan plan) {
    var spec = plan.owner().getSpec();
    return spec == null || spec.getProcesses() == null ? List.of() : spec.getProcesses();
  }

  public static List<Deployment> deployments(WebPlan plan) {
    return processes(plan).stream().map(p -> deployment(plan, p)).toList();
  }

  public static String name(WebPlan plan, String process) {
    return plan.name() + "-" + process;
  }

  /** Labels of the process's pods and its selector (never changes). */
  public static Map<String, String> selector(WebPlan plan, String process) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.PROJECT, plan.project());
    labels.put(Labels.ENVIRONMENT, plan.environment());
    labels.put(Labels.COMPONENT, Labels.PROCESS);
    labels.put(Labels.PROCESS_NAME, process);
    return labels;
  }

  public static Map<String, String> labels(WebPlan plan, String process) {
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment(plan.project(), plan.environment()));
    labels.put(Labels.COMPONENT, Labels.PROCESS);
    labels.put(Labels.PROCESS_NAME, process);
    return labels;
  }

  /**
   * Replicas: the process's own, but none when the web pods run none (the environment is
   * stopped, or a Restore holds it: workers write to the database as web pods do).
   */
  static int replicas(WebPlan plan, ProcessSpec process) {
    int wanted = process.getReplicas() == null ? 1 : process.getReplicas();
    return plan.replicas() == 0 ? 0 : wanted;
  }

  public static Deployment deployment(WebPlan plan, ProcessSpec process) {
    PodSpec web = WebResources.deployment(plan).getSpec().getTemplate().getSpec();
    Container webContainer = web.getContainers().get(0);
    ContainerBuilder container = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(plan.release().image())
        .withArgs(process.getCommand())
        .withEnv(webContainer.getEnv())
        .withResources(webContainer.getResources())
        .withSecurityContext(webContainer.getSecurityContext())
        .withTerminationMessagePolicy("FallbackToLogsOnError");
    if (process.getReadinessCommand() != null && !process.getReadinessCommand().isEmpty()) {
      container.withReadinessProbe(new ProbeBuilder().withNewExec().withCommand(process.getReadinessCommand()).endExec()
          .withPeriodSeconds(10).withTimeoutSeconds(5).withFailureThreshold(3).build());
    }
    Map<String, String> labels = labels(plan, process.getName());
    Deployment d = new DeploymentBuilder()
        .withNewMetadata()
        .withName(name(plan, process.getName()))
        .withNamespace(plan.namespace())
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas(plan, process))
        .withRevisionHistoryLimit(5)
        .withMinReadySeconds(process.getReadinessCommand() == null || process.getReadinessCommand().isEmpty() ? MIN_READY_SECONDS : 0)
        .withProgressDeadlineSeconds((int) plan.config().web().rolloutDeadline().toSeconds())
        .withNewSelector().withMatchLabels(selector(plan, process.getName())).endSelector()
        .withNewStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate().withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
        .endStrategy()
        .withNewTemplate()
        .withNewMetadata().withLabels(labels).withAnnotations(plan.podAnnotations().isEmpty() ? null : plan.podAnnotations()).endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds((long) (process.getTerminationGracePeriodSeconds() == null ? 30
            : process.getTerminationGracePeriodSeconds()))
        .withSecurityContext(web.getSecurityContext())
        .withContainers(container.build())
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    return OwnerReferences.controlledBy(d, plan.owner());
  }
}
