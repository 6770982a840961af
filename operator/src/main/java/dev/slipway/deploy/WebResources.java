package dev.slipway.deploy;

import dev.slipway.OwnerReferences;
import dev.slipway.config.OperatorConfig;
import dev.slipway.resources.PodResources;
import dev.slipway.resources.Workload;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRuleBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.List;

/**
 * The web objects of an environment, from its {@link WebPlan}. Used by the dependent resources
 * and by render, so what render prints is what the operator applies.
 *
 * <p>The container runs the image's own entrypoint: the base image decides between uWSGI and
 * (with SLIPWAY_STAGE=local) the Django runserver, so the command lives in one place only.
 */
public final class WebResources {

  public static final String CONTAINER = "web";
  static final long PRE_STOP_SECONDS = 5;

  private WebResources() {}

  public static Deployment deployment(WebPlan plan) {
    // Liveness (and startup) ask whether the process is alive, never the database: a database
    // outage makes pods unready (no traffic), it must not restart them all. Readiness asks the
    // health path, which checks the database.
    Probe startup = probe(plan, plan.config().livenessPath(), 5, 3, 60);
    Probe readiness = probe(plan, plan.config().healthPath(), 5, 5, 3);
    Probe liveness = probe(plan, plan.config().livenessPath(), 20, 5, 3);
    Deployment d = new DeploymentBuilder()
        .withNewMetadata()
        .withName(plan.name())
        .withNamespace(plan.namespace())
        .withLabels(plan.labels())
        .endMetadata()
        .withNewSpec()
        .withReplicas(plan.replicas())
        .withRevisionHistoryLimit(5)
        // After this long without progress (pods that crash, never get ready) the rollout has failed.
        .withProgressDeadlineSeconds((int) plan.config().rolloutDeadline().toSeconds())
        .withNewSelector().withMatchLabels(plan.selector()).endSelector()
        .withNewStrategy()
        .withType("RollingUpdate")
        // A new pod must be ready before an old one goes: no gap in serving, even with one replica.
        .withNewRollingUpdate().withMaxSurge(new IntOrString(1)).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
        .endStrategy()
        .withNewTemplate()
        .withNewMetadata().withLabels(plan.labels()).withAnnotations(plan.podAnnotations().isEmpty() ? null : plan.podAnnotations()).endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withTerminationGracePeriodSeconds(30L)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(plan.release().image())
        .addNewPort().withName("http").withContainerPort(WebPlan.HTTP_PORT).withProtocol("TCP").endPort()
        .withEnv(plan.env())
        .withStartupProbe(startup)
        .withReadinessProbe(readiness)
        .withLivenessProbe(liveness)
        // Leaving the Service's endpoints takes a moment to reach every proxy; keep serving
        // until it has, then uWSGI finishes the requests in flight on SIGTERM.
        .withNewLifecycle().withNewPreStop().withNewSleep().withSeconds(PRE_STOP_SECONDS).endSleep().endPreStop().endLifecycle()
        .withResources(resources(plan))
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .endSecurityContext()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    return OwnerReferences.controlledBy(d, plan.owner());
  }

  /**
   * The web container's requests and limits: the platform's web settings with the project's
   * spec.resources.web (the Environment carries them). Release and sanitize commands copy them.
   */
  public static ResourceRequirements resources(WebPlan plan) {
    var declared = plan.owner().getSpec() == null ? null : plan.owner().getSpec().getResources();
    return PodResources.requirements(Workload.WEB, PodResources.declared(declared, Workload.WEB), plan.config());
  }

  public static Service service(WebPlan plan) {
    Service s = new ServiceBuilder()
        .withNewMetadata()
        .withName(plan.name())
        .withNamespace(plan.namespace())
        .withLabels(plan.labels())
        .endMetadata()
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(plan.selector())
        .addNewPort().withName("http").withPort(80).withTargetPort(new IntOrString("http")).withProtocol("TCP").endPort()
        .endSpec()
        .build();
    return OwnerReferences.controlledBy(s, plan.owner());
  }

  public static Ingress ingress(WebPlan plan) {
    List<IngressRule> rules = plan.hosts().stream()
        .map(host -> new IngressRuleBuilder()
            .withHost(host)
            .withNewHttp()
            .addNewPath()
            .withPath("/")
            .withPathType("Prefix")
            .withNewBackend().withNewService().withName(plan.name()).withNewPort().withName("http").endPort().endService().endBackend()
            .endPath()
            .endHttp()
            .build())
        .toList();
    IngressBuilder b = new IngressBuilder()
        .withNewMetadata()
        .withName(plan.name())
        .withNamespace(plan.namespace())
        .withLabels(plan.labels())
        .endMetadata()
        .withNewSpec()
        .withRules(rules)
        .endSpec();
    plan.config().ingressClass().ifPresent(c -> b.editSpec().withIngressClassName(c).endSpec());
    if (plan.tls()) {
      String issuer = plan.config().tlsIssuer().orElseThrow();
      String annotation = plan.config().tlsIssuerKind() == OperatorConfig.IssuerKind.ClusterIssuer
          ? "cert-manager.io/cluster-issuer"
          : "cert-manager.io/issuer";
      b.editMetadata().addToAnnotations(annotation, issuer).endMetadata();
      b.editSpec().addNewTl().withHosts(plan.hosts()).withSecretName(plan.tlsSecretName().orElseThrow()).endTl().endSpec();
    }
    return OwnerReferences.controlledBy(b.build(), plan.owner());
  }

  public static PodDisruptionBudget podDisruptionBudget(WebPlan plan) {
    PodDisruptionBudget pdb = new PodDisruptionBudgetBuilder()
        .withNewMetadata()
        .withName(plan.name())
        .withNamespace(plan.namespace())
        .withLabels(plan.labels())
        .endMetadata()
        .withNewSpec()
        .withMaxUnavailable(new IntOrString(1))
        .withNewSelector().withMatchLabels(plan.selector()).endSelector()
        .endSpec()
        .build();
    return OwnerReferences.controlledBy(pdb, plan.owner());
  }

  private static Probe probe(WebPlan plan, String path, int period, int timeout, int failures) {
    HTTPGetAction get = new HTTPGetActionBuilder()
        .withPath(path)
        .withPort(new IntOrString("http"))
        .addNewHttpHeader().withName("Host").withValue(plan.probeHost()).endHttpHeader()
        .build();
    return new ProbeBuilder()
        .withHttpGet(get)
        .withPeriodSeconds(period)
        .withTimeoutSeconds(timeout)
        .withFailureThreshold(failures)
        .build();
  }
}
