package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.OwnerReferences;
import dev.slipway.api.v1alpha1.CronSpec;
import dev.slipway.api.v1alpha1.CronStatus;
import dev.slipway.backup.CronSchedule;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CronJobs of an environment's scheduled jobs, from the same {@link WebPlan} as the web
 * Deployment: so a run uses the image of the release the environment runs (updated at its
 * rollout, never before its release command succeeded), its variables, database credentials,
 * resources and pod security. A job runs nowhere web runs none (stopped, scaled to zero, held by a
 * Restore): it is a writer like the web pods.
 */
public final class CronJobResources {

  public static final String CONTAINER = "cron";

  /** Kubernetes' limit for a CronJob name: its Jobs append an 11-character suffix. */
  static final int MAX_CRONJOB_NAME = 52;

  static final String DEFAULT_POLICY = CronSpec.ConcurrencyPolicy.Forbid.name();
  static final long DEFAULT_ACTIVE_DEADLINE_SECONDS = 3600;
  static final long DEFAULT_STARTING_DEADLINE_SECONDS = 300;
  static final int DEFAULT_SUCCESSFUL_HISTORY = 3;
  static final int DEFAULT_FAILED_HISTORY = 3;

  private CronJobResources() {}

  /** The jobs the environment runs, as its spec lists them (merged from its Project by the Project controller). */
  public static List<CronSpec> jobs(WebPlan plan) {
    var spec = plan.owner().getSpec();
    return spec == null || spec.getCron() == null ? List.of() : spec.getCron();
  }

  /** Why a job cannot be scheduled (its schedule or time zone), if it cannot; such a job gets no CronJob. */
  public static Optional<String> invalid(CronSpec job) {
    try {
      CronSchedule.parse(job.getSchedule());
      CronSchedule.zone(job.getTimeZone());
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
  }

  /** The CronJobs of the jobs whose schedule is valid. */
  public static List<CronJob> cronJobs(WebPlan plan) {
    List<CronJob> result = new ArrayList<>();
    for (CronSpec job : jobs(plan)) {
      if (invalid(job).isEmpty()) {
        result.add(cronJob(plan, job));
      }
    }
    return result;
  }

  /** {@code <environment object>-<job>}, or past 52 characters its start and a hash of the whole (still unique). */
  public static String name(WebPlan plan, String job) {
    String full = plan.name() + "-" + job;
    if (full.length() <= MAX_CRONJOB_NAME) {
      return full;
    }
    String hash = sha256(full).substring(0, 8);
    String start = full.substring(0, MAX_CRONJOB_NAME - hash.length() - 1).replaceAll("-+$", "");
    return start + "-" + hash;
  }

  public static Map<String, String> labels(WebPlan plan, String job) {
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment(plan.project(), plan.environment()));
    labels.put(Labels.COMPONENT, Labels.CRON);
    labels.put(Labels.CRON_NAME, job);
    return labels;
  }

  /** Suspended when switched off, or wherever the web pods run none. */
  static boolean suspended(WebPlan plan, CronSpec job) {
    return Boolean.TRUE.equals(job.getSuspend()) || plan.replicas() == 0;
  }

  public static CronJob cronJob(WebPlan plan, CronSpec job) {
    PodSpec web = WebResources.deployment(plan).getSpec().getTemplate().getSpec();
    Container webContainer = web.getContainers().get(0);
    Container container = new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(plan.release().image())
        .withArgs(job.getCommand())
        .withEnv(webContainer.getEnv())
        .withResources(webContainer.getResources())
        .withSecurityContext(webContainer.getSecurityContext())
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
    Map<String, String> labels = labels(plan, job.getName());
    String timeZone = job.getTimeZone() == null || job.getTimeZone().isBlank() ? null : job.getTimeZone();
    CronJob c = new CronJobBuilder()
        .withNewMetadata()
        .withName(name(plan, job.getName()))
        .withNamespace(plan.namespace())
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withSchedule(job.getSchedule().trim())
        .withTimeZone(timeZone)
        .withSuspend(suspended(plan, job))
        .withConcurrencyPolicy(job.getConcurrencyPolicy() == null ? DEFAULT_POLICY : job.getConcurrencyPolicy().name())
        .withStartingDeadlineSeconds(job.getStartingDeadlineSeconds() == null ? DEFAULT_STARTING_DEADLINE_SECONDS
            : job.getStartingDeadlineSeconds())
        .withSuccessfulJobsHistoryLimit(job.getSuccessfulJobsHistoryLimit() == null ? DEFAULT_SUCCESSFUL_HISTORY
            : job.getSuccessfulJobsHistoryLimit())
        .withFailedJobsHistoryLimit(job.getFailedJobsHistoryLimit() == null ? DEFAULT_FAILED_HISTORY : job.getFailedJobsHistoryLimit())
        .withNewJobTemplate()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec()
        // A failed run is not retried: the next scheduled one is the retry, and a command that
        // is not idempotent must not run twice for one time.
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(job.getActiveDeadlineSeconds() == null ? DEFAULT_ACTIVE_DEADLINE_SECONDS
            : job.getActiveDeadlineSeconds())
        .withNewTemplate()
        .withNewMetadata().withLabels(labels).withAnnotations(plan.podAnnotations().isEmpty() ? null : plan.podAnnotations())
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withSecurityContext(web.getSecurityContext())
        .withContainers(container)
        .endSpec()
        .endTemplate()
        .endSpec()
        .endJobTemplate()
        .endSpec()
        .build();
    return OwnerReferences.controlledBy(c, plan.owner());
  }

  /**
   * Each job as its CronJob was last seen, in spec order: suspended, image, last schedule and
   * success, the result of the newest run, the next run (computed from the schedule, as the
   * CronJob controller will).
   */
  public static List<CronStatus> statuses(WebPlan plan, Map<String, CronJob> found, Instant now) {
    List<CronStatus> result = new ArrayList<>();
    for (CronSpec job : jobs(plan)) {
      CronStatus s = new CronStatus();
      s.setName(job.getName());
      s.setSchedule(job.getTimeZone() == null || job.getTimeZone().isBlank() ? job.getSchedule()
          : job.getSchedule() + " (" + job.getTimeZone() + ")");
      Optional<String> invalid = invalid(job);
      if (invalid.isPresent()) {
        s.setMessage(invalid.get());
        s.setSuspended(true);
        result.add(s);
        continue;
      }
      CronJob c = found.get(name(plan, job.getName()));
      boolean suspended = suspended(plan, job);
      s.setSuspended(suspended);
      s.setImage(c == null ? null : c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
      var st = c == null ? null : c.getStatus();
      s.setLastScheduleTime(st == null ? null : st.getLastScheduleTime());
      s.setLastSuccessfulTime(st == null ? null : st.getLastSuccessfulTime());
      s.setLastResult(result(st));
      if (!suspended) {
        ZoneId zone = CronSchedule.zone(job.getTimeZone());
        CronSchedule.parse(job.getSchedule()).next(now, zone).ifPresent(t -> s.setNextRun(t.toString()));
      }
      result.add(s);
    }
    return result;
  }

  /**
   * The newest run's outcome from the CronJob's status: running while it lists an active Job;
   * succeeded when the last success is not older than the last schedule; failed otherwise.
   */
  static CronStatus.Result result(io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus st) {
    if (st == null || st.getLastScheduleTime() == null) {
      return CronStatus.Result.None;
    }
    if (st.getActive() != null && !st.getActive().isEmpty()) {
      return CronStatus.Result.Running;
    }
    if (st.getLastSuccessfulTime() != null
        && !Instant.parse(st.getLastSuccessfulTime()).isBefore(Instant.parse(st.getLastScheduleTime()))) {
      return CronStatus.Result.Succeeded;
    }
    return CronStatus.Result.Failed;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
