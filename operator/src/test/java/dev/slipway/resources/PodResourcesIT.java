package dev.slipway.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupPhase;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.ComputeResources;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectResources;
import dev.slipway.api.v1alpha1.ResourceAmounts;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.render.RenderCommand;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.FakeKubelet;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every pod the operator makes asks for cpu, memory and ephemeral-storage, requested and limited,
 * and every emptyDir it mounts has a sizeLimit, as the real API server stores them; a Project
 * asking for more than the platform allows is refused, naming the field, and runs nothing new.
 */
@ControlPlaneTest
class PodResourcesIT {

  private static final String REGISTRY = "registry.test.invalid:5000/slipway";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static MotoServer moto;
  private static GitDaemon daemon;
  private static RunningOperator operator;

  @BeforeAll
  static void start(TestNamespace ns, LocalControlPlane cp) {
    moto = MotoServer.start();
    daemon = new GitDaemon();
    OperatorConfig config = OperatorConfig.defaults().toBuilder()
        .databaseMode(DatabaseMode.NONE)
        .watchNamespaces(Set.of(ns.name()))
        .httpPort(0)
        .leaderElection(false)
        .leaseNamespace(ns.name())
        .registry(REGISTRY)
        .pollInterval(Duration.ofSeconds(5))
        .aws(MotoServer.REGION, moto.endpoint().toString(), MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)
        .backupBucket("slipway-backups")
        .backupEndpoint(moto.endpoint().toString())
        .build();
    operator = RunningOperator.start(config, cp);
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.close();
    }
    if (daemon != null) {
      daemon.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  /** A project with every kind of environment, sized in part by the project itself. */
  private static final String PROJECT = String.join("\n",
      "apiVersion: slipway.dev/v1alpha1",
      "kind: Project",
      "metadata: {name: shop}",
      "spec:",
      "  source: {url: 'https://git.example.com/acme/shop.git', credentialsSecret: shop-git}",
      "  database: {mode: shared}",
      "  data: {sanitize: [python, manage.py, anonymise]}",
      "  resources:",
      "    web: {requests: {cpu: 250m}, limits: {memory: 1Gi}}",
      "    backup: {limits: {ephemeral-storage: 30Gi}}",
      "  environments:",
      "  - {name: local, commit: 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39}",
      "  - {name: test, branch: develop}",
      "  - {name: live, promoteFrom: test, replicas: 2}",
      "");

  @Test
  void everyPodTemplateRenderMakesRequestsAndLimitsAllThreeResourcesAndSizesItsVolumes(LocalControlPlane cp, TestNamespace ns)
      throws Exception {
    Path file = Files.createTempFile("pods-", ".yaml");
    Files.writeString(file, PROJECT);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = RenderCommand.run(new String[] {file.toString(), "--namespace", ns.name(), "--backup", "shop-live", "--restore", "shop-test",
        "--from", "shop-live"}, Map.of("SLIPWAY_REGISTRY", "registry.example.com/slipway", "SLIPWAY_REGISTRY_SECRET", "push"),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    Path rendered = Files.createTempFile("pods-rendered-", ".yaml");
    Files.writeString(rendered, out.toString(StandardCharsets.UTF_8));

    // As the API server would store them (it refuses a request above its limit, too).
    LocalControlPlane.CommandResult stored = cp.kubectl("apply", "--dry-run=server", "-n", ns.name(), "-o", "json", "-f", rendered.toString());
    assertThat(stored.exitCode()).as(stored.output()).isZero();
    JsonNode list = JSON.readTree(stored.output());
    List<String> templates = new ArrayList<>();
    for (JsonNode item : list.path("items")) {
      JsonNode pod = item.path("spec").path("template").path("spec");
      if (pod.isMissingNode()) {
        continue;
      }
      String name = item.path("kind").asText() + "/" + item.path("metadata").path("name").asText();
      templates.add(name);
      assertEveryContainerRequestsAndLimitsAll(name, pod);
    }
    assertThat(templates).as("the build, the local database, release and web of each environment, a dump and a restore's three Jobs")
        .contains("Job/shop-build-3f2a9c1e8b7d", "StatefulSet/shop-local-postgres", "Job/shop-test-migrate-000000000000",
            "Deployment/shop-test", "Deployment/shop-live", "Deployment/shop-local", "Job/shop-live-backup-00000000-dump",
            "Job/shop-test-restore-00000000-restore", "Job/shop-test-restore-00000000-release", "Job/shop-test-restore-00000000-sanitize");
    JsonNode web = find(list, "Deployment/shop-test").path("spec").path("template").path("spec").path("containers").get(0).path("resources");
    assertThat(web.path("requests").path("cpu").asText()).as("the project's own request").isEqualTo("250m");
    assertThat(web.path("limits").path("memory").asText()).isEqualTo("1Gi");
    JsonNode dump = find(list, "Job/shop-live-backup-00000000-dump").path("spec").path("template").path("spec");
    assertThat(dump.path("volumes").findValues("sizeLimit")).extracting(JsonNode::asText).contains("30Gi");
  }

  @Test
  void aProjectAskingForMoreThanThePlatformAllowsIsRefusedNamingTheFieldAndRunsNothingNew(KubernetesClient client, TestNamespace ns)
      throws Exception {
    String n = ns.name();
    GitRemote remote = new GitRemote("sized");
    String commit = remote.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
    Project project = Environments.project(n, "sized", daemon.url(remote), List.of(Environments.entry("test", "develop", true)));
    ProjectResources asked = new ProjectResources();
    asked.setBuild(new ComputeResources(null, new ResourceAmounts(null, null, "50Gi")));
    project.getSpec().setResources(asked);
    client.resource(project).create();

    Environment refused = Environments.await(client, n, "sized-test", Duration.ofSeconds(30),
        Environments.conditionIs(ConditionTypes.DEPLOYED, "False", "ResourcesRefused"));
    assertThat(Environments.condition(refused, ConditionTypes.DEPLOYED).orElseThrow().getMessage()).startsWith(
        "spec.resources.build.limits.ephemeral-storage: 50Gi is above the platform's maximum of 20Gi (SLIPWAY_BUILD_MAX);"
            + " nothing new is built, released or rolled out here until it is fixed");
    assertThat(refused.getStatus().getPhase()).isEqualTo(Phase.Failed);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.v1().events().inNamespace(n).list().getItems().stream()
        .anyMatch(e -> "ResourcesRefused".equals(e.getReason()) && "sized-test".equals(e.getInvolvedObject().getName())));
    String job = BuildNames.jobName("sized", commit);
    assertThat(client.batch().v1().jobs().inNamespace(n).withName(job).get()).as("no build").isNull();

    // Within the maximum: the build runs with the project's sizes, its workspace no larger than its disk limit.
    Environments.retryOnConflict(() -> client.resources(Project.class).inNamespace(n).withName("sized").edit(p -> {
      p.getSpec().getResources().getBuild().getLimits().setEphemeralStorage("12Gi");
      p.getSpec().getResources().setWeb(new ComputeResources(new ResourceAmounts("300m", "384Mi", null), null));
      return p;
    }));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.batch().v1().jobs().inNamespace(n).withName(job).get() != null);
    Job build = client.batch().v1().jobs().inNamespace(n).withName(job).get();
    JsonNode buildPod = JSON.readTree(Serialization.asJson(build.getSpec().getTemplate().getSpec()));
    assertEveryContainerRequestsAndLimitsAll("Job/" + job, buildPod);
    assertThat(build.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits())
        .containsEntry("ephemeral-storage", new Quantity("12Gi"));

    new FakeKubelet(client).succeedBuild(n, job, "sha256:" + "e".repeat(64));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().deployments().inNamespace(n).withName("sized-test").get() != null);
    Deployment web = client.apps().deployments().inNamespace(n).withName("sized-test").get();
    assertEveryContainerRequestsAndLimitsAll("Deployment/sized-test", JSON.readTree(Serialization.asJson(web.getSpec().getTemplate().getSpec())));
    assertThat(web.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getRequests())
        .containsEntry("cpu", new Quantity("300m")).containsEntry("memory", new Quantity("384Mi"));

    // A Backup sized beyond the maximum fails at once, naming the field (before it waits for anything).
    Project dumped = Environments.project(n, "dumped", "https://git.invalid/dumped.git", List.of(Environments.entry("test", "develop", true)));
    dumped.getSpec().setDatabase(new dev.slipway.api.v1alpha1.DatabaseSpec());
    dumped.getSpec().getDatabase().setMode(DatabaseMode.SHARED);
    ProjectResources big = new ProjectResources();
    big.setBackup(new ComputeResources(new ResourceAmounts(null, null, "150Gi"), null));
    dumped.getSpec().setResources(big);
    client.resource(dumped).create();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Environments.get(client, n, "dumped-test") != null);
    Backup backup = new Backup();
    backup.setMetadata(new ObjectMetaBuilder().withName("too-big").withNamespace(n).build());
    backup.setSpec(new BackupSpec());
    backup.getSpec().setEnvironment("dumped-test");
    client.resource(backup).create();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      Backup b = client.resources(Backup.class).inNamespace(n).withName("too-big").get();
      return b.getStatus() != null && b.getStatus().getPhase() == BackupPhase.Failed;
    });
    Backup failed = client.resources(Backup.class).inNamespace(n).withName("too-big").get();
    assertThat(failed.getStatus().getReason()).isEqualTo("ResourcesRefused");
    assertThat(failed.getStatus().getMessage())
        .isEqualTo("spec.resources.backup.requests.ephemeral-storage: 150Gi is above the platform's maximum of 100Gi (SLIPWAY_BACKUP_MAX)");
    assertThat(failed.getStatus().getJob()).as("no Job was made").isNull();
  }

  /** cpu, memory and ephemeral-storage requested and limited in every container, and a sizeLimit on every emptyDir. */
  static void assertEveryContainerRequestsAndLimitsAll(String what, JsonNode pod) {
    List<JsonNode> containers = new ArrayList<>();
    pod.path("initContainers").forEach(containers::add);
    pod.path("containers").forEach(containers::add);
    assertThat(containers).as(what).isNotEmpty();
    for (JsonNode c : containers) {
      for (String section : List.of("requests", "limits")) {
        JsonNode amounts = c.path("resources").path(section);
        for (String kind : Amounts.KINDS) {
          assertThat(amounts.path(kind).asText()).as(what + " container " + c.path("name").asText() + " " + section + "." + kind).isNotBlank();
        }
      }
    }
    for (JsonNode volume : pod.path("volumes")) {
      if (volume.has("emptyDir")) {
        assertThat(volume.path("emptyDir").path("sizeLimit").asText()).as(what + " emptyDir " + volume.path("name").asText()).isNotBlank();
      }
    }
  }

  private static JsonNode find(JsonNode list, String kindAndName) {
    for (JsonNode item : list.path("items")) {
      if (kindAndName.equals(item.path("kind").asText() + "/" + item.path("metadata").path("name").asText())) {
        return item;
      }
    }
    throw new AssertionError("no " + kindAndName);
  }
}
