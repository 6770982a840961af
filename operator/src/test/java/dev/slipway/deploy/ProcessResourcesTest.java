package dev.slipway.deploy;

import static dev.slipway.deploy.WebResourcesTest.CONFIG;
import static dev.slipway.deploy.WebResourcesTest.RELEASE;
import static dev.slipway.deploy.WebResourcesTest.plan;
import static dev.slipway.deploy.WebResourcesTest.project;
import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.ProcessSpec;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.project.EnvironmentMapping;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessResourcesTest {

  static ProcessSpec process(String name, Integer replicas, String... command) {
    ProcessSpec p = new ProcessSpec();
    p.setName(name);
    p.setReplicas(replicas);
    p.setCommand(List.of(command));
    return p;
  }

  static Project withWorker(EnvironmentTemplate... entries) {
    Project p = project(entries);
    ProcessSpec worker = process("worker", null, "celery", "-A", "app", "worker");
    worker.setReadinessCommand(List.of("celery", "-A", "app", "inspect", "ping"));
    p.getSpec().setProcesses(List.of(worker, process("beat", 1, "celery", "-A", "app", "beat")));
    return p;
  }

  @Test
  void anEntryOverridesTheProjectsProcessByNameAndDefaultsAreFilledIn() {
    EnvironmentTemplate test = new EnvironmentTemplate("test");
    EnvironmentTemplate live = new EnvironmentTemplate("live");
    live.setStage(Stage.LIVE);
    live.setProcesses(List.of(process("worker", 4), process("beat", 0)));
    var specs = EnvironmentMapping.environmentSpecs(withWorker(test, live));

    assertThat(specs.get(0).getProcesses()).extracting(ProcessSpec::getName, ProcessSpec::getReplicas, ProcessSpec::getTerminationGracePeriodSeconds)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("worker", 1, 30), org.assertj.core.groups.Tuple.tuple("beat", 1, 30));
    assertThat(specs.get(1).getProcesses()).extracting(ProcessSpec::getName, ProcessSpec::getReplicas)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("worker", 4), org.assertj.core.groups.Tuple.tuple("beat", 0));
    assertThat(specs.get(1).getProcesses().get(0).getCommand()).as("the entry gave no command: the Project's is kept")
        .containsExactly("celery", "-A", "app", "worker");
    assertThat(specs.get(1).getProcesses().get(0).getReadinessCommand()).containsExactly("celery", "-A", "app", "inspect", "ping");
    assertThat(EnvironmentMapping.environmentSpecs(project(test)).get(0).getProcesses()).isEmpty();
  }

  @Test
  void aWorkerRunsWhatTheWebPodsRunWithItsOwnCommandAndNoPort() {
    WebPlan plan = plan(withWorker(new EnvironmentTemplate("test")), 0, CONFIG);
    var web = WebResources.deployment(plan).getSpec().getTemplate().getSpec();
    var deployments = ProcessResources.deployments(plan);
    assertThat(deployments).extracting(d -> d.getMetadata().getName()).containsExactly("shop-test-worker", "shop-test-beat");

    var worker = deployments.get(0);
    var pod = worker.getSpec().getTemplate().getSpec();
    var c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo(RELEASE.image());
    assertThat(c.getArgs()).containsExactly("celery", "-A", "app", "worker");
    assertThat(c.getEnv()).isEqualTo(web.getContainers().get(0).getEnv());
    assertThat(c.getResources()).isEqualTo(web.getContainers().get(0).getResources());
    assertThat(c.getSecurityContext()).isEqualTo(web.getContainers().get(0).getSecurityContext());
    assertThat(pod.getSecurityContext()).isEqualTo(web.getSecurityContext());
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(c.getPorts()).isEmpty();
    assertThat(c.getLivenessProbe()).isNull();
    assertThat(c.getReadinessProbe().getExec().getCommand()).containsExactly("celery", "-A", "app", "inspect", "ping");
    assertThat(worker.getSpec().getMinReadySeconds()).as("the readiness command decides").isZero();
    assertThat(worker.getSpec().getSelector().getMatchLabels())
        .containsEntry(Labels.COMPONENT, Labels.PROCESS).containsEntry(Labels.PROCESS_NAME, "worker")
        .doesNotContainEntry(Labels.COMPONENT, Labels.WEB);

    var beat = deployments.get(1);
    assertThat(beat.getSpec().getTemplate().getSpec().getContainers().get(0).getReadinessProbe()).isNull();
    assertThat(beat.getSpec().getMinReadySeconds()).as("without a readiness command: ready once it stays up")
        .isEqualTo(ProcessResources.MIN_READY_SECONDS);
  }

  @Test
  void workersStopWhenTheWebPodsStopForARestore() {
    Project p = withWorker(new EnvironmentTemplate("test"));
    var env = EnvironmentMapping.toEnvironment(p, EnvironmentMapping.environmentSpecs(p).get(0));
    assertThat(ProcessResources.deployments(WebPlan.of(env, p, RELEASE, CONFIG))).allSatisfy(d -> assertThat(d.getSpec().getReplicas()).isEqualTo(1));
    env.getMetadata().setAnnotations(Map.of(Annotations.RESTORING, "copy-live"));
    assertThat(ProcessResources.deployments(WebPlan.of(env, p, RELEASE, CONFIG)))
        .as("workers write to the database as web pods do").allSatisfy(d -> assertThat(d.getSpec().getReplicas()).isZero());
  }
}
