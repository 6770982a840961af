package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.EnvVarSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.backup.RestoreHold;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the web objects of one environment are made from, computed once per reconcile
 * (and by render) so the Deployment, Service, Ingress and PodDisruptionBudget agree.
 */
public record WebPlan(
    Environment owner,
    String namespace,
    String name,
    String project,
    String environment,
    Stage stage,
    Release release,
    int replicas,
    List<EnvVar> env,
    List<String> hosts,
    boolean tls,
    OperatorConfig config,
    Map<String, String> podAnnotations) {

  /** Key of the plan in the workflow context, where the dependents read it. */
  public static final String CONTEXT_KEY = "slipway.web-plan";

  /** The plan the reconciler put into the workflow context before running the workflow. */
  public static WebPlan from(io.javaoperatorsdk.operator.api.reconciler.Context<Environment> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(CONTEXT_KEY, WebPlan.class);
  }

  /** The port the base image's entrypoint serves on (uWSGI, or runserver for local). */
  public static final int HTTP_PORT = 8000;

  public static WebPlan of(Environment environment, Project project, Release release, OperatorConfig config) {
    return of(environment, project, release, config, null);
  }

  /** With {@code databaseSecret} (the credentials Secret), the pods get DATABASE_URL from it. */
  public static WebPlan of(Environment environment, Project project, Release release, OperatorConfig config, String databaseSecret) {
    return of(environment, project, release, config, databaseSecret, null);
  }

  /** {@code credentialsVersion}: the password rotation the pods must run with (a new one restarts them). */
  public static WebPlan of(Environment environment, Project project, Release release, OperatorConfig config, String databaseSecret,
      String credentialsVersion) {
    EnvironmentSpec spec = environment.getSpec();
    List<String> hosts = hosts(spec, config);
    boolean tls = config.tlsIssuer().isPresent() && spec.getStage() != Stage.LOCAL && !hosts.isEmpty();
    int wanted = spec.getReplicas() != null ? spec.getReplicas() : (spec.getStage() == Stage.LIVE ? 2 : 1);
    // Nothing serves while a Restore replaces the data, nor another environment's data unsanitised.
    int replicas = RestoreHold.replicas(environment, wanted);
    return new WebPlan(environment, environment.getMetadata().getNamespace(), environment.getMetadata().getName(),
        spec.getProject(), spec.getEnvironment(), spec.getStage(), release, replicas,
        environmentVariables(project, spec, environment.getMetadata().getName(), environment.getMetadata().getNamespace(), hosts,
            release, databaseSecret), hosts, tls, config,
        credentialsVersion == null ? Map.of() : Map.of(dev.slipway.Annotations.DATABASE_CREDENTIALS, credentialsVersion));
  }

  /** {@code <project>-<environment>.<base domain>} first, then the custom domains. */
  static List<String> hosts(EnvironmentSpec spec, OperatorConfig config) {
    Set<String> hosts = new LinkedHashSet<>();
    config.baseDomain().ifPresent(d -> hosts.add(spec.getProject() + "-" + spec.getEnvironment() + "." + d));
    if (spec.getDomains() != null) {
      hosts.addAll(spec.getDomains());
    }
    return List.copyOf(hosts);
  }

  /**
   * Project variables, overridden by the environment's, then what the platform sets (those
   * win: DOMAIN and friends must describe where the site really is).
   */
  static List<EnvVar> environmentVariables(Project project, EnvironmentSpec spec, String name, String namespace, List<String> hosts,
      Release release, String databaseSecret) {
    Map<String, EnvVarSpec> merged = new LinkedHashMap<>();
    if (project.getSpec().getEnv() != null) {
      project.getSpec().getEnv().forEach(v -> merged.put(v.getName(), v));
    }
    if (spec.getEnv() != null) {
      spec.getEnv().forEach(v -> merged.put(v.getName(), v));
    }
    Map<String, String> platform = new LinkedHashMap<>();
    platform.put("DOMAIN", hosts.isEmpty() ? "localhost" : hosts.get(0));
    platform.put("DOMAIN_ALIASES", String.join(",", hosts.size() > 1 ? hosts.subList(1, hosts.size()) : List.of()));
    platform.put("SLIPWAY_STAGE", spec.getStage().value());
    platform.put("SLIPWAY_PROJECT", spec.getProject());
    platform.put("SLIPWAY_ENVIRONMENT", spec.getEnvironment());
    // The names the site answers to inside the cluster (the status URL without a base domain):
    // ALLOWED_HOSTS must accept them.
    platform.put("SLIPWAY_INTERNAL_HOSTS", String.join(",", name, name + "." + namespace, name + "." + namespace + ".svc",
        name + "." + namespace + ".svc.cluster.local"));
    if (release.commit() != null) {
      platform.put("SLIPWAY_COMMIT", release.commit());
    }
    List<EnvVar> result = new ArrayList<>();
    for (EnvVarSpec v : merged.values()) {
      boolean managedDatabase = databaseSecret != null && "DATABASE_URL".equals(v.getName());
      if (!platform.containsKey(v.getName()) && !managedDatabase) {
        result.add(toEnvVar(v));
      }
    }
    if (!merged.containsKey(AppSecret.SECRET_KEY)) {
      // The platform's generated key, unless the project brings its own.
      result.add(new EnvVarBuilder().withName(AppSecret.SECRET_KEY)
          .withNewValueFrom().withNewSecretKeyRef(AppSecret.SECRET_KEY, AppSecret.name(name), false).endValueFrom().build());
    }
    if (databaseSecret != null) {
      result.add(new EnvVarBuilder().withName("DATABASE_URL")
          .withNewValueFrom().withNewSecretKeyRef("DATABASE_URL", databaseSecret, false).endValueFrom().build());
    }
    platform.forEach((k, v) -> result.add(new EnvVarBuilder().withName(k).withValue(v).build()));
    return result;
  }

  static EnvVar toEnvVar(EnvVarSpec v) {
    EnvVarBuilder b = new EnvVarBuilder().withName(v.getName());
    if (v.getValueFrom() != null && v.getValueFrom().getSecretKeyRef() != null) {
      var ref = v.getValueFrom().getSecretKeyRef();
      return b.withNewValueFrom().withNewSecretKeyRef(ref.getKey(), ref.getName(), ref.getOptional()).endValueFrom().build();
    }
    if (v.getValueFrom() != null && v.getValueFrom().getConfigMapKeyRef() != null) {
      var ref = v.getValueFrom().getConfigMapKeyRef();
      return b.withNewValueFrom().withNewConfigMapKeyRef(ref.getKey(), ref.getName(), ref.getOptional()).endValueFrom().build();
    }
    return b.withValue(v.getValue() == null ? "" : v.getValue()).build();
  }

  /** Labels on every web object and selector of the pods (the selector never changes). */
  public Map<String, String> selector() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.PROJECT, project);
    labels.put(Labels.ENVIRONMENT, environment);
    labels.put(Labels.COMPONENT, Labels.WEB);
    return labels;
  }

  public Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment(project, environment));
    labels.put(Labels.COMPONENT, Labels.WEB);
    return labels;
  }

  /** The Host header probes send, so Django's ALLOWED_HOSTS accepts them. */
  public String probeHost() {
    return hosts.isEmpty() ? "localhost" : hosts.get(0);
  }

  public String url() {
    return url(name, namespace, hosts, tls);
  }

  /** Where an environment is (or will be) served, known before anything is deployed. */
  public static String urlOf(Environment environment, OperatorConfig config) {
    EnvironmentSpec spec = environment.getSpec();
    List<String> hosts = hosts(spec, config);
    boolean tls = config.tlsIssuer().isPresent() && spec.getStage() != Stage.LOCAL && !hosts.isEmpty();
    return url(environment.getMetadata().getName(), environment.getMetadata().getNamespace(), hosts, tls);
  }

  private static String url(String name, String namespace, List<String> hosts, boolean tls) {
    if (hosts.isEmpty()) {
      return "http://" + name + "." + namespace + ".svc.cluster.local";
    }
    return (tls ? "https://" : "http://") + hosts.get(0);
  }

  public boolean wantsIngress() {
    return !hosts.isEmpty();
  }

  /** Live keeps at least one pod through node drains once it runs two or more. */
  public boolean wantsDisruptionBudget() {
    return stage == Stage.LIVE && replicas >= 2;
  }

  public Optional<String> tlsSecretName() {
    return tls ? Optional.of(name + "-tls") : Optional.empty();
  }
}
