package dev.slipway.deploy;

import static dev.slipway.deploy.WebResourcesTest.CONFIG;
import static dev.slipway.deploy.WebResourcesTest.RELEASE;
import static dev.slipway.deploy.WebResourcesTest.plan;
import static dev.slipway.deploy.WebResourcesTest.project;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.CronSpec;
import dev.slipway.api.v1alpha1.CronStatus;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.project.EnvironmentMapping;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatusBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CronJobResourcesTest {

  static CronSpec job(String name, String schedule, String... command) {
    CronSpec j = new CronSpec();
    j.setName(name);
    j.setSchedule(schedule);
    j.setCommand(List.of(command));
    return j;
  }

  static Project withJobs(EnvironmentTemplate... entries) {
    Project p = project(entries);
    CronSpec tidy = job("tidy", "@daily", "python", "manage.py", "clearsessions");
    tidy.setTimeZone("Europe/Zurich");
    p.getSpec().setCron(List.of(tidy, job("report", "*/15 * * * *", "python", "manage.py", "report")));
    return p;
  }

  @Test
  void anEntryOverridesTheProjectsJobByNameOrSwitchesItOff() {
    EnvironmentTemplate test = new EnvironmentTemplate("test");
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    CronSpec off = new CronSpec();
    off.setName("report");
    off.setSuspend(true);
    CronSpec later = new CronSpec();
    later.setName("tidy");
    later.setSchedule("0 4 * * *");
    live.setCron(List.of(off, later));
    var specs = EnvironmentMapping.environmentSpecs(withJobs(test, live));

    assertThat(specs.get(0).getCron()).extracting(CronSpec::getName, CronSpec::getSchedule, CronSpec::getSuspend)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("tidy", "@daily", null), org.assertj.core.groups.Tuple.tuple("report", "*/15 * * * *", null));
    assertThat(specs.get(1).getCron()).extracting(CronSpec::getName, CronSpec::getSchedule, CronSpec::getSuspend)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("tidy", "0 4 * * *", null), org.assertj.core.groups.Tuple.tuple("report", "*/15 * * * *", true));
    assertThat(specs.get(1).getCron().get(0).getTimeZone()).as("kept from the Project").isEqualTo("Europe/Zurich");
    assertThat(specs.get(1).getCron().get(0).getCommand()).containsExactly("python", "manage.py", "clearsessions");
  }

  @Test
  void aCronJobRunsTheReleasedImageWithTheWebPodsVariablesAndNoRetry() {
    WebPlan plan = plan(withJobs(new EnvironmentTemplate("test")), 0, CONFIG);
    var web = WebResources.deployment(plan).getSpec().getTemplate().getSpec();
    List<CronJob> jobs = CronJobResources.cronJobs(plan);
    assertThat(jobs).extracting(c -> c.getMetadata().getName()).containsExactly("shop-test-tidy", "shop-test-report");
    CronJob tidy = jobs.get(0);
    assertThat(tidy.getSpec().getSchedule()).isEqualTo("@daily");
    assertThat(tidy.getSpec().getTimeZone()).isEqualTo("Europe/Zurich");
    assertThat(tidy.getSpec().getSuspend()).isFalse();
    assertThat(tidy.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
    assertThat(tidy.getSpec().getStartingDeadlineSeconds()).isEqualTo(300L);
    assertThat(tidy.getSpec().getJobTemplate().getSpec().getBackoffLimit()).isZero();
    assertThat(tidy.getSpec().getJobTemplate().getSpec().getActiveDeadlineSeconds()).isEqualTo(3600L);
    var pod = tidy.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
    var c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo(RELEASE.image());
    assertThat(c.getArgs()).containsExactly("python", "manage.py", "clearsessions");
    assertThat(c.getEnv()).isEqualTo(web.getContainers().get(0).getEnv());
    assertThat(c.getResources()).isEqualTo(web.getContainers().get(0).getResources());
    assertThat(c.getSecurityContext()).isEqualTo(web.getContainers().get(0).getSecurityContext());
    assertThat(pod.getSecurityContext()).isEqualTo(web.getSecurityContext());
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(jobs.get(1).getSpec().getTimeZone()).as("UTC unless set").isNull();
  }

  @Test
  void jobsAreSuspendedForARestoreAndWhereSwitchedOff() {
    Project p = withJobs(new EnvironmentTemplate("test"));
    var env = EnvironmentMapping.toEnvironment(p, EnvironmentMapping.environmentSpecs(p).get(0));
    assertThat(CronJobResources.cronJobs(WebPlan.of(env, p, RELEASE, CONFIG))).allSatisfy(c -> assertThat(c.getSpec().getSuspend()).isFalse());
    env.getMetadata().setAnnotations(Map.of(Annotations.RESTORING, "copy-live"));
    assertThat(CronJobResources.cronJobs(WebPlan.of(env, p, RELEASE, CONFIG)))
        .as("a job writes to the database as web pods do").allSatisfy(c -> assertThat(c.getSpec().getSuspend()).isTrue());

    env.getMetadata().setAnnotations(Map.of());
    env.getSpec().getCron().get(1).setSuspend(true);
    assertThat(CronJobResources.cronJobs(WebPlan.of(env, p, RELEASE, CONFIG))).extracting(c -> c.getSpec().getSuspend()).containsExactly(false, true);
  }

  @Test
  void aLongNameIsShortenedToFiftyTwoCharactersAndStaysUnique() {
    EnvironmentTemplate entry = new EnvironmentTemplate("a-rather-long-environment");
    Project p = withJobs(entry);
    p.getMetadata().setName("a-project-with-a-long-name");
    p.getSpec().setCron(List.of(job("nightly-report-job-a", "@daily", "true"), job("nightly-report-job-b", "@daily", "true")));
    WebPlan plan = plan(p, 0, CONFIG);
    List<String> names = CronJobResources.cronJobs(plan).stream().map(c -> c.getMetadata().getName()).toList();
    assertThat(names).allSatisfy(n -> assertThat(n.length()).isLessThanOrEqualTo(52)).doesNotHaveDuplicates();
    assertThat(names).allSatisfy(n -> assertThat(n).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"));
    WebPlan shortPlan = plan(withJobs(new EnvironmentTemplate("test")), 0, CONFIG);
    assertThat(CronJobResources.name(shortPlan, "tidy")).as("short names are kept as they are").isEqualTo("shop-test-tidy");
  }

  @Test
  void anInvalidScheduleOrTimeZoneGetsNoCronJobAndItsStatusSaysWhy() {
    Project p = project(new EnvironmentTemplate("test"));
    CronSpec zone = job("zone", "@daily", "true");
    zone.setTimeZone("+01:00");
    p.getSpec().setCron(List.of(job("never", "0 0 30 2 *", "true"), zone, job("fine", "@hourly", "true")));
    WebPlan plan = plan(p, 0, CONFIG);
    assertThat(CronJobResources.cronJobs(plan)).extracting(c -> c.getMetadata().getName()).containsExactly("shop-test-fine");
    List<CronStatus> status = CronJobResources.statuses(plan, Map.of(), Instant.parse("2026-12-04T10:20:00Z"));
    assertThat(status.get(0).getMessage()).contains("never fires");
    assertThat(status.get(1).getMessage()).contains("unknown time zone +01:00");
    assertThat(status.get(2).getMessage()).isNull();
    assertThat(status.get(2).getNextRun()).isEqualTo("2026-12-04T11:00:00Z");
    assertThat(status.get(2).getLastResult()).isEqualTo(CronStatus.Result.None);
  }

  @Test
  void theNewestRunsResultComesFromTheCronJobsStatus() {
    assertThat(CronJobResources.result(null)).isEqualTo(CronStatus.Result.None);
    assertThat(CronJobResources.result(new CronJobStatusBuilder().withLastScheduleTime("2026-12-04T10:00:00Z")
        .withActive(new ObjectReference()).build())).isEqualTo(CronStatus.Result.Running);
    assertThat(CronJobResources.result(new CronJobStatusBuilder().withLastScheduleTime("2026-12-04T10:00:00Z")
        .withLastSuccessfulTime("2026-12-04T10:00:07Z").build())).isEqualTo(CronStatus.Result.Succeeded);
    assertThat(CronJobResources.result(new CronJobStatusBuilder().withLastScheduleTime("2026-12-04T11:00:00Z")
        .withLastSuccessfulTime("2026-12-04T10:00:07Z").build())).as("the newer run did not succeed").isEqualTo(CronStatus.Result.Failed);
  }

  @Test
  void aSuspendedJobHasNoNextRunAndTheTimeZoneIsShown() {
    Project p = withJobs(new EnvironmentTemplate("test"));
    p.getSpec().getCron().get(1).setSuspend(true);
    WebPlan plan = plan(p, 0, CONFIG);
    List<CronStatus> status = CronJobResources.statuses(plan, Map.of(), Instant.parse("2026-12-04T10:20:00Z"));
    assertThat(status.get(0).getSchedule()).isEqualTo("@daily (Europe/Zurich)");
    assertThat(status.get(0).getNextRun()).as("midnight in Zurich is 23:00 UTC in winter").isEqualTo("2026-12-04T23:00:00Z");
    assertThat(status.get(1).getSuspended()).isTrue();
    assertThat(status.get(1).getNextRun()).isNull();
  }
}
