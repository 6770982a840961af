package dev.slipway.release;

import dev.slipway.Labels;
import dev.slipway.OwnerReferences;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import dev.slipway.deploy.WebPlan;
import dev.slipway.deploy.WebResources;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The release step before a rollout: the new image runs the release command (by default the
 * Django migrations) with the same environment as the web pods, database included. The image's
 * entrypoint runs the command it is given, so this is the command the platform runs anywhere.
 */
public final class MigrationJob {

  public static final List<String> DEFAULT_COMMAND = List.of("python", "manage.py", "migrate", "--noinput");

  private MigrationJob() {}

  /**
   * {@code <environment>-migrate-<first 12 hex of the commit>} for the first run (at most 61
   * characters), {@code <environment>-migrate-<8 hex>-<attempt>} for runs asked for again with
   * the retry annotation (at most 63 for attempts below 10000).
   */
  public static String name(WebPlan plan, int attempt) {
    String commit = plan.release().commit() == null ? "0".repeat(12) : plan.release().commit();
    return attempt <= 1 ? plan.name() + "-migrate-" + commit.substring(0, 12)
        : plan.name() + "-migrate-" + commit.substring(0, 8) + "-" + Math.min(attempt, 9999);
  }

  /**
   * Whether a release step runs: always with a database (the default command migrates it), and
   * without one only when the Project names a command of its own.
   */
  public static boolean runs(Project project, boolean hasDatabase) {
    var release = project.getSpec().getRelease();
    return hasDatabase || (release != null && release.getCommand() != null && !release.getCommand().isEmpty());
  }

  public static List<String> command(Project project) {
    var release = project.getSpec().getRelease();
    return release == null || release.getCommand() == null || release.getCommand().isEmpty() ? DEFAULT_COMMAND : release.getCommand();
  }

  public static Job desired(WebPlan plan, Project project, OperatorConfig config, int attempt) {
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment(plan.project(), plan.environment()));
    labels.put(Labels.COMPONENT, Labels.MIGRATE);
    if (plan.release().commit() != null) {
      labels.put(Labels.COMMIT, plan.release().commit());
    }
    var webPod = WebResources.deployment(plan).getSpec().getTemplate().getSpec();
    Container web = webPod.getContainers().get(0);
    Container migrate = new ContainerBuilder()
        .withName("release")
        .withImage(plan.release().image())
        .withArgs(command(project))
        .withEnv(web.getEnv())
        .withResources(web.getResources())
        .withSecurityContext(web.getSecurityContext())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
    Job job = new JobBuilder()
        .withNewMetadata().withName(name(plan, attempt)).withNamespace(plan.namespace()).withLabels(labels).endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(config.database().migrationTimeout().toSeconds())
        // The result is kept in the release history: an expired Job is never run again by itself.
        .withTtlSecondsAfterFinished((int) Math.min(Integer.MAX_VALUE, config.database().releaseJobTtl().toSeconds()))
        .withNewTemplate()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withSecurityContext(webPod.getSecurityContext())
        .withContainers(migrate)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    return OwnerReferences.controlledBy(job, plan.owner());
  }
}
