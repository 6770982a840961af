package dev.slipway.environment;

import static dev.slipway.testing.Environments.conditionIs;
import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.DatabaseSpec;
import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.rds.RdsProvisioner;
import dev.slipway.status.ConditionTypes;
import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.MotoServer;
import dev.slipway.testing.RunningOperator;
import dev.slipway.testing.TestNamespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * Dedicated databases through the operator, against moto server and the real AWS SDK: one
 * tagged instance per environment, the credentials Secret, adoption after a crash, refusal of a
 * foreign instance, and each deletion policy.
 */
@ControlPlaneTest
class EnvironmentRdsIT {

  private static MotoServer moto;
  private static RdsClient rds;
  private static OperatorConfig config;

  @BeforeAll
  static void start(TestNamespace ns) {
    moto = MotoServer.start();
    rds = RdsProvisioner.client(moto.settings());
    config = OperatorConfig.defaults().toBuilder()
        .watchNamespaces(Set.of(ns.name()))
        .httpPort(0)
        .leaderElection(false)
        .registry("registry.test.invalid/slipway")
        .databaseMode(DatabaseMode.DEDICATED)
        .aws(MotoServer.REGION, moto.endpoint().toString(), MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)
        .build();
  }

  @AfterAll
  static void stop() {
    if (rds != null) {
      rds.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  static Project project(TestNamespace ns, String name, List<EnvironmentTemplate> mapping, DeletionPolicy policy) {
    Project p = Environments.project(ns.name(), name, "https://git.invalid/acme/" + name + ".git", mapping);
    DatabaseSpec db = new DatabaseSpec();
    db.setMode(DatabaseMode.DEDICATED);
    db.setDeletionPolicy(policy);
    p.getSpec().setDatabase(db);
    return p;
  }

  static List<DBInstance> instances(String identifier) {
    return rds.describeDBInstances().dbInstances().stream().filter(i -> i.dbInstanceIdentifier().equals(identifier)).toList();
  }

  static Map<String, String> tags(DBInstance i) {
    return rds.listTagsForResource(r -> r.resourceName(i.dbInstanceArn())).tagList().stream()
        .collect(Collectors.toMap(Tag::key, Tag::value));
  }

  @Test
  void oneTaggedInstancePerEnvironmentAndEachDeletionPolicy(KubernetesClient client, TestNamespace ns, LocalControlPlane cp) {
    String n = ns.name();
    try (RunningOperator operator = RunningOperator.start(config, cp)) {
      EnvironmentTemplate live = entry("live", null, false);
      live.setPromoteFrom("test");
      client.resource(project(ns, "orders", List.of(entry("test", "develop", true), live), null)).create();
      client.resource(project(ns, "keeper", List.of(entry("test", "develop", true)), DeletionPolicy.Retain)).create();

      for (String env : List.of("orders-test", "orders-live", "keeper-test")) {
        Environments.await(client, n, env, Duration.ofSeconds(60), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
      }
      Environment test = Environments.get(client, n, "orders-test");
      String testId = RdsProvisioner.identifier(n, "orders", "test");
      String liveId = RdsProvisioner.identifier(n, "orders", "live");
      String keeperId = RdsProvisioner.identifier(n, "keeper", "test");
      assertThat(instances(testId)).singleElement().satisfies(i -> {
        assertThat(i.storageEncrypted()).isTrue();
        assertThat(i.publiclyAccessible()).isFalse();
        assertThat(tags(i)).containsEntry(RdsProvisioner.TAG_OWNER_UID, test.getMetadata().getUid())
            .containsEntry(RdsProvisioner.TAG_PROJECT, "orders").containsEntry(RdsProvisioner.TAG_ENVIRONMENT, "test");
      });
      assertThat(instances(liveId)).singleElement().satisfies(i -> assertThat(i.deletionProtection()).isTrue());
      assertThat(test.getStatus().getDatabase().getIdentifier()).isEqualTo(testId);
      assertThat(test.getStatus().getDatabase().getDeletionPolicy()).isEqualTo(DeletionPolicy.Delete);
      assertThat(Environments.get(client, n, "orders-live").getStatus().getDatabase().getDeletionPolicy()).isEqualTo(DeletionPolicy.Snapshot);

      // The Secret is what Django's dj-database-url reads: postgres://user:password@host:port/name?sslmode=require
      var secret = client.secrets().inNamespace(n).withName("orders-test-database").get();
      URI url = URI.create(new String(Base64.getDecoder().decode(secret.getData().get("DATABASE_URL")), StandardCharsets.UTF_8));
      String password = new String(Base64.getDecoder().decode(secret.getData().get("password")), StandardCharsets.UTF_8);
      assertThat(url.getScheme()).isEqualTo("postgres");
      assertThat(url.getUserInfo()).isEqualTo("slipway:" + password);
      assertThat(url.getHost()).isNotBlank();
      assertThat(url.getPort()).isPositive();
      assertThat(url.getPath()).isEqualTo("/orders");
      assertThat(url.getQuery()).isEqualTo("sslmode=require");
      assertThat(secret.getData()).containsKeys("host", "port", "name", "user", "password");
      assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(client.resources(Environment.class).inNamespace(n).list()))
          .doesNotContain(password);
      // The run-wide watch knows this password; each class's teardown checks statuses, Events and logs for it.
      await().atMost(Duration.ofSeconds(10)).until(() -> cp.secretWatch().leaks(client, n).isEmpty() && cp.secretWatch().passwordsSeen() > 0);

      // Deleting the project: test's instance is deleted, live's leaves a final snapshot (its
      // deletion protection lifted by the operator), and nothing of the project stays in Kubernetes.
      client.resources(Project.class).inNamespace(n).withName("orders").delete();
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        assertThat(client.resources(Environment.class).inNamespace(n).withLabel(Labels.PROJECT, "orders").list().getItems()).isEmpty();
        assertThat(client.secrets().inNamespace(n).withLabel(Labels.PROJECT, "orders").list().getItems()).isEmpty();
      });
      assertThat(instances(testId)).isEmpty();
      assertThat(instances(liveId)).isEmpty();
      // The final snapshot is named after the deletion, and said in an Event.
      assertThat(rds.describeDBSnapshots().dbSnapshots()).extracting(s -> s.dbSnapshotIdentifier())
          .anyMatch(id -> id.startsWith(liveId + "-final-"))
          .noneMatch(id -> id.startsWith(testId));
      String snapshot = rds.describeDBSnapshots().dbSnapshots().stream().map(s -> s.dbSnapshotIdentifier())
          .filter(id -> id.startsWith(liveId + "-final-")).findFirst().orElseThrow();
      assertThat(client.v1().events().inNamespace(n).list().getItems())
          .anyMatch(e -> "FinalSnapshot".equals(e.getReason()) && "orders-live".equals(e.getInvolvedObject().getName())
              && e.getMessage().contains(snapshot));

      // The same project again, deleted again: a second final snapshot, no DBSnapshotAlreadyExists, no finalizer left.
      MotoServer.forgetAutomatedSnapshots(rds, liveId);
      MotoServer.forgetAutomatedSnapshots(rds, testId);
      client.resource(project(ns, "orders", List.of(entry("test", "develop", true), live), null)).create();
      Environments.await(client, n, "orders-live", Duration.ofSeconds(60), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
      // (deletion times have one-second resolution; make sure this one is another second)
      await().pollDelay(Duration.ofMillis(1100)).atMost(Duration.ofSeconds(5)).until(() -> true);
      client.resources(Project.class).inNamespace(n).withName("orders").delete();
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        assertThat(client.resources(Environment.class).inNamespace(n).withLabel(Labels.PROJECT, "orders").list().getItems()).isEmpty();
        assertThat(instances(liveId)).isEmpty();
      });
      assertThat(rds.describeDBSnapshots().dbSnapshots()).filteredOn(s -> s.dbSnapshotIdentifier().startsWith(liveId + "-final-"))
          .hasSize(2);
      assertThat(client.v1().events().inNamespace(n).list().getItems())
          .noneMatch(e -> "DeletionBlocked".equals(e.getReason()) && e.getInvolvedObject().getName().startsWith("orders-"));

      // Retain: the instance stays, no longer tagged as Slipway's; its credentials stay too.
      client.resources(Project.class).inNamespace(n).withName("keeper").delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> Environments.get(client, n, "keeper-test") == null);
      assertThat(instances(keeperId)).singleElement().satisfies(i ->
          assertThat(tags(i)).doesNotContainKey(RdsProvisioner.TAG_OWNER_UID));
      assertThat(client.secrets().inNamespace(n).withName("keeper-test-database").get()).isNotNull();
    }
  }

  @Test
  void localStageRunsPostgresInTheCluster(KubernetesClient client, TestNamespace ns, LocalControlPlane cp) {
    String n = ns.name();
    try (RunningOperator operator = RunningOperator.start(config, cp)) {
      client.resource(project(ns, "notes", List.of(entry("local", "develop", true)), null)).create();
      Environment starting = Environments.await(client, n, "notes-local", Duration.ofSeconds(30),
          conditionIs(ConditionTypes.DATABASE_READY, "False", "Starting"));
      assertThat(starting.getStatus().getPhase()).isIn(Phase.Provisioning, Phase.Failed);
      var sts = client.apps().statefulSets().inNamespace(n).withName("notes-local-postgres").get();
      assertThat(sts.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).startsWith("docker.io/library/postgres:16@sha256:");
      assertThat(sts.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
          .anyMatch(v -> v.getName().equals("POSTGRES_PASSWORD") && "notes-local-database".equals(v.getValueFrom().getSecretKeyRef().getName()));
      assertThat(sts.getSpec().getVolumeClaimTemplates()).singleElement();
      assertThat(client.services().inNamespace(n).withName("notes-local-postgres").get()).isNotNull();
      assertThat(instances(RdsProvisioner.identifier(n, "notes", "local"))).as("Local never uses RDS").isEmpty();

      // Its pod runs: the database is ready and the Secret points at the in-cluster Service.
      new dev.slipway.testing.FakeKubelet(client).runPods(n, sts.getSpec().getSelector().getMatchLabels());
      Environments.await(client, n, "notes-local", Duration.ofSeconds(30), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
      var secret = client.secrets().inNamespace(n).withName("notes-local-database").get();
      String url = new String(Base64.getDecoder().decode(secret.getData().get("DATABASE_URL")), StandardCharsets.UTF_8);
      assertThat(url).startsWith("postgres://app:").endsWith("@notes-local-postgres." + n + ".svc:5432/app");
    }
  }

  @Test
  void adoptsItsOwnInstanceAfterACrashAndRefusesAForeignOne(KubernetesClient client, TestNamespace ns, LocalControlPlane cp) {
    String n = ns.name();
    String id = RdsProvisioner.identifier(n, "crash", "test");
    try (RunningOperator operator = RunningOperator.start(config, cp)) {
      client.resource(project(ns, "crash", List.of(entry("test", "develop", true)), null)).create();
      Environments.await(client, n, "crash-test", Duration.ofSeconds(60), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
    }
    // As if the operator had died right after CreateDBInstance: the instance and the Secret exist, no status does.
    Environments.retryOnConflict(() -> client.resources(Environment.class).inNamespace(n).withName("crash-test")
        .editStatus(e -> {
          e.setStatus(new EnvironmentStatus());
          return e;
        }));
    assertThat(Environments.get(client, n, "crash-test").getStatus().getDatabase()).isNull();

    // A foreign instance under the identifier another environment would use.
    String foreignId = RdsProvisioner.identifier(n, "foreign", "test");
    rds.createDBInstance(r -> r.dbInstanceIdentifier(foreignId).engine("postgres").dbInstanceClass("db.t4g.micro")
        .allocatedStorage(20).masterUsername("someone").masterUserPassword("their-password-123")
        .tags(Tag.builder().key(RdsProvisioner.TAG_OWNER_UID).value("someone-else").build()));

    try (RunningOperator restarted = RunningOperator.start(config, cp)) {
      Environment adopted = Environments.await(client, n, "crash-test", Duration.ofSeconds(60),
          conditionIs(ConditionTypes.DATABASE_READY, "True", null));
      assertThat(adopted.getStatus().getDatabase().getIdentifier()).isEqualTo(id);
      assertThat(instances(id)).hasSize(1);

      // The credentials Secret is lost: a new password is stored first, the instance is given it
      // (ModifyDBInstance; shown in RdsProvisionerIT), and only then is it marked applied.
      String lost = new String(Base64.getDecoder().decode(
          client.secrets().inNamespace(n).withName("crash-test-database").get().getData().get("password")), StandardCharsets.UTF_8);
      client.secrets().inNamespace(n).withName("crash-test-database").delete();
      // (Secrets are not watched: the next look finds it gone; a refresh asks for that look now.)
      Environments.annotate(client, n, "crash-test", dev.slipway.Annotations.REFRESH, "secret-lost");
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        var secret = client.secrets().inNamespace(n).withName("crash-test-database").get();
        assertThat(secret).isNotNull();
        assertThat(secret.getMetadata().getAnnotations()).containsEntry(dev.slipway.database.CredentialsSecret.PASSWORD_STATE, "applied");
        assertThat(secret.getData()).containsKeys("DATABASE_URL", "password");
        String url = new String(Base64.getDecoder().decode(secret.getData().get("DATABASE_URL")), StandardCharsets.UTF_8);
        String password = new String(Base64.getDecoder().decode(secret.getData().get("password")), StandardCharsets.UTF_8);
        assertThat(password).isNotEqualTo(lost);
        assertThat(url).contains(":" + password + "@");
      });
      Environments.await(client, n, "crash-test", Duration.ofSeconds(60), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
      assertThat(instances(id)).as("recovered, not re-created").hasSize(1);

      client.resource(project(ns, "foreign", List.of(entry("test", "develop", true)), null)).create();
      Environment refused = Environments.await(client, n, "foreign-test", Duration.ofSeconds(60),
          conditionIs(ConditionTypes.DATABASE_READY, "False", "ForeignInstance"));
      assertThat(refused.getStatus().getPhase()).isEqualTo(Phase.Failed);
      assertThat(instances(foreignId)).singleElement().satisfies(i -> {
        assertThat(tags(i)).containsEntry(RdsProvisioner.TAG_OWNER_UID, "someone-else");
        assertThat(i.masterUsername()).isEqualTo("someone");
      });
    }
  }

  /**
   * The operator's bounds (here the defaults: small db.t4g/db.m7g classes, 100 GiB): a Project
   * asking for a larger class or more storage gets DatabaseReady=False naming the field and the
   * bound, and no instance; once it asks for what is allowed, the instance is created.
   */
  @Test
  void aClassOrStorageBeyondTheOperatorsBoundsIsRefusedBeforeRdsIsAsked(KubernetesClient client, TestNamespace ns, LocalControlPlane cp) {
    String n = ns.name();
    String classId = RdsProvisioner.identifier(n, "pricey", "test");
    String storageId = RdsProvisioner.identifier(n, "roomy", "test");
    try (RunningOperator operator = RunningOperator.start(config, cp)) {
      Project pricey = project(ns, "pricey", List.of(entry("test", "develop", true)), null);
      pricey.getSpec().getDatabase().setInstanceClass("db.r7g.16xlarge");
      client.resource(pricey).create();
      Project roomy = project(ns, "roomy", List.of(entry("test", "develop", true)), null);
      roomy.getSpec().getDatabase().setStorageGiB(5000);
      client.resource(roomy).create();

      Environment refusedClass = Environments.await(client, n, "pricey-test", Duration.ofSeconds(60),
          conditionIs(ConditionTypes.DATABASE_READY, "False", "InstanceClassNotAllowed"));
      assertThat(Environments.condition(refusedClass, ConditionTypes.DATABASE_READY).orElseThrow().getMessage())
          .contains("database.instanceClass db.r7g.16xlarge").contains("db.t4g.micro").contains("nothing was asked of RDS");
      Environment refusedStorage = Environments.await(client, n, "roomy-test", Duration.ofSeconds(60),
          conditionIs(ConditionTypes.DATABASE_READY, "False", "StorageTooLarge"));
      assertThat(Environments.condition(refusedStorage, ConditionTypes.DATABASE_READY).orElseThrow().getMessage())
          .contains("database.storageGiB 5000").contains("at most 100 GiB");
      assertThat(instances(classId)).isEmpty();
      assertThat(instances(storageId)).isEmpty();

      // within the bounds: created as asked
      client.resources(Project.class).inNamespace(n).withName("pricey")
          .edit(p -> {
            p.getSpec().getDatabase().setInstanceClass("db.m7g.large");
            return p;
          });
      Environments.await(client, n, "pricey-test", Duration.ofSeconds(60), conditionIs(ConditionTypes.DATABASE_READY, "True", null));
      assertThat(instances(classId)).singleElement().satisfies(i -> assertThat(i.dbInstanceClass()).isEqualTo("db.m7g.large"));
      assertThat(instances(storageId)).isEmpty();
    }
  }
}
