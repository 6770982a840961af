package dev.slipway.render;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.build.BuildNames;
import dev.slipway.build.BuildRequest;
import dev.slipway.build.KanikoJob;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.CredentialsSecret;
import dev.slipway.database.DatabaseKind;
import dev.slipway.database.LocalDatabase;
import dev.slipway.release.MigrationJob;
import dev.slipway.deploy.CronJobResources;
import dev.slipway.deploy.ProcessResources;
import dev.slipway.deploy.Release;
import dev.slipway.deploy.WebPlan;
import dev.slipway.deploy.WebResources;
import dev.slipway.project.EnvironmentMapping;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * Every object the operator would create for a Project's environments, made by the same code
 * the reconcilers run. Without a cluster there is no resolved commit and no built image, so a
 * commit (the pinned one, or the one given) and a digest stand in for them.
 */
public final class Renderer {

  /** Stand-ins for what only a cluster can tell. */
  public record Inputs(String namespace, String commit, String digest) {

    public static final String PLACEHOLDER_COMMIT = "0000000000000000000000000000000000000000";
    public static final String PLACEHOLDER_DIGEST = "sha256:" + "0".repeat(64);

    public Inputs {
      if (!commit.matches("^[0-9a-f]{40}$")) {
        throw new IllegalArgumentException("--commit must be 40 lower-case hex digits");
      }
      if (!digest.matches("^sha256:[0-9a-f]{64}$")) {
        throw new IllegalArgumentException("--digest must look like sha256:<64 hex digits>");
      }
    }
  }

  private Renderer() {}

  public static List<HasMetadata> render(Project project, Inputs inputs, OperatorConfig config) {
    if (project.getMetadata().getNamespace() == null) {
      project.getMetadata().setNamespace(inputs.namespace());
    }
    String namespace = project.getMetadata().getNamespace();
    List<HasMetadata> objects = new ArrayList<>();
    List<EnvironmentSpec> specs = EnvironmentMapping.environmentSpecs(project, config.database().mode());
    for (EnvironmentSpec spec : specs) {
      Environment environment = EnvironmentMapping.toEnvironment(project, spec);
      objects.add(environment);
      String commit = spec.getCommit() != null ? spec.getCommit() : commitOf(specs, spec, inputs);
      if (spec.getPromoteFrom() == null) {
        objects.add(KanikoJob.desired(new BuildRequest(project, commit), config));
      }
      String repository = BuildNames.repository(config, namespace, project.getMetadata().getName());
      DatabaseKind kind = DatabaseKind.of(spec, config);
      String secret = kind == DatabaseKind.NONE ? null : CredentialsSecret.name(environment);
      if (kind == DatabaseKind.LOCAL) {
        objects.add(LocalDatabase.statefulSet(environment, config));
        objects.add(LocalDatabase.service(environment));
      }
      WebPlan plan = WebPlan.of(environment, project, new Release(commit, repository + "@" + inputs.digest()), config, secret);
      if (MigrationJob.runs(project, kind != DatabaseKind.NONE)) {
        objects.add(MigrationJob.desired(plan, project, config, 1));
      }
      objects.add(WebResources.deployment(plan));
      objects.addAll(ProcessResources.deployments(plan));
      objects.addAll(CronJobResources.cronJobs(plan));
      objects.add(WebResources.service(plan));
      if (plan.wantsIngress()) {
        objects.add(WebResources.ingress(plan));
      }
      if (plan.wantsDisruptionBudget()) {
        objects.add(WebResources.podDisruptionBudget(plan));
      }
    }
    return objects;
  }

  /** A promoted environment runs its source's commit. */
  private static String commitOf(List<EnvironmentSpec> specs, EnvironmentSpec spec, Inputs inputs) {
    if (spec.getPromoteFrom() != null) {
      for (EnvironmentSpec s : specs) {
        if (s.getEnvironment().equals(spec.getPromoteFrom()) && s.getCommit() != null) {
          return s.getCommit();
        }
      }
    }
    return inputs.commit();
  }
}
