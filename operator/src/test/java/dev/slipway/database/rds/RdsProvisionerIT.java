package dev.slipway.database.rds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.database.DatabaseRequest;
import dev.slipway.database.DeletionState;
import dev.slipway.database.ProvisionState;
import dev.slipway.database.ProvisionState.Phase;
import dev.slipway.testing.MotoServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DBSnapshot;
import software.amazon.awssdk.services.rds.model.Tag;

/** {@link RdsProvisioner} through the real AWS SDK against moto's RDS. */
class RdsProvisionerIT {

  private static final String PASSWORD = "Pw-7f3c9a1e-never-shown";
  private static final java.time.Instant DELETED_AT = java.time.Instant.parse("2026-11-30T12:00:00Z");

  private static MotoServer moto;
  private static RdsClient rds;

  /** Every message any call returned: none may contain the password. */
  private final List<String> messages = new ArrayList<>();

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.start();
    rds = RdsProvisioner.client(moto.settings());
  }

  @AfterAll
  static void stopMoto() {
    if (rds != null) {
      rds.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @BeforeEach
  void reset() {
    moto.reset();
  }

  @AfterEach
  void passwordNeverShown() {
    assertThat(messages).isNotEmpty().allSatisfy(m -> assertThat(m).doesNotContain(PASSWORD));
  }

  private static DatabaseRequest request(String environment, Stage stage, String ownerUid) {
    return new DatabaseRequest("team-a", "shop", environment, ownerUid, stage, "16", null, null, PASSWORD);
  }

  private static DatabaseRequest deletedAt(DatabaseRequest r, java.time.Instant at) {
    return new DatabaseRequest(r.namespace(), r.project(), r.environment(), r.ownerUid(), r.stage(), r.version(), r.instanceClass(),
        r.storageGiB(), r.password(), r.passwordPending(), at);
  }

  private static RdsProvisioner provisioner() {
    return new RdsProvisioner(RdsProvisioner.client(moto.settings()), moto.settings());
  }

  private ProvisionState ensure(RdsProvisioner p, DatabaseRequest r) {
    ProvisionState s = p.ensure(r);
    messages.add(s.message());
    return s;
  }

  /** As the coordinator asks: with the time the Environment was deleted (DELETED_AT unless the request has one). */
  private DeletionState delete(RdsProvisioner p, DatabaseRequest r, DeletionPolicy policy) {
    DatabaseRequest deleting = r.deletionTime() != null ? r : deletedAt(r, DELETED_AT);
    DeletionState s = p.delete(deleting, policy);
    messages.add(s.message());
    return s;
  }

  /** Calls ensure until Ready (moto makes instances available at once). */
  private ProvisionState ensureReady(RdsProvisioner p, DatabaseRequest r) {
    ProvisionState s = ensure(p, r);
    for (int i = 0; i < 10 && s.phase() == Phase.Provisioning; i++) {
      s = ensure(p, r);
    }
    assertThat(s.phase()).as(s.toString()).isEqualTo(Phase.Ready);
    return s;
  }

  /** Calls delete until done, returning every state seen. */
  private List<DeletionState> deleteUntilDone(RdsProvisioner p, DatabaseRequest r, DeletionPolicy policy) {
    List<DeletionState> states = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      DeletionState s = delete(p, r, policy);
      states.add(s);
      if (s.done()) {
        return states;
      }
      assertThat(s.reason()).as(s.toString()).isEqualTo("Deleting");
    }
    throw new AssertionError("delete never finished: " + states);
  }

  private static void forgetAutomatedSnapshots(String id) {
    MotoServer.forgetAutomatedSnapshots(rds, id);
  }

  private static List<DBInstance> instances() {
    return rds.describeDBInstances().dbInstances();
  }

  private static DBInstance instance(String id) {
    return rds.describeDBInstances(b -> b.dbInstanceIdentifier(id)).dbInstances().get(0);
  }

  private static Map<String, String> tags(String id) {
    return rds.listTagsForResource(b -> b.resourceName(instance(id).dbInstanceArn())).tagList().stream()
        .collect(Collectors.toMap(Tag::key, Tag::value));
  }

  private static List<DBSnapshot> manualSnapshots() {
    return rds.describeDBSnapshots(b -> b.snapshotType("manual")).dbSnapshots();
  }

  @Test
  void ensureCreatesOneTaggedEncryptedPrivateInstanceAndAdoptsIt() {
    RdsProvisioner p = provisioner();
    DatabaseRequest r = request("test", Stage.TEST, "uid-1");
    String id = RdsProvisioner.identifier("team-a", "shop", "test");

    ProvisionState first = ensure(p, r);
    assertThat(first.identifier()).isEqualTo(id);
    assertThat(first.phase()).isIn(Phase.Provisioning, Phase.Ready);
    if (first.phase() == Phase.Provisioning) {
      assertThat(first.reason()).isEqualTo("Creating");
    }

    ProvisionState ready = ensureReady(p, r);
    assertThat(ready.reason()).isEqualTo("Available");
    assertThat(ready.identifier()).isEqualTo(id);
    assertThat(ready.endpoint()).isNotNull();
    assertThat(ready.endpoint().host()).isNotBlank();
    assertThat(ready.endpoint().port()).isPositive();
    assertThat(ready.endpoint().database()).isEqualTo("shop");
    assertThat(ready.endpoint().username()).isEqualTo("slipway");
    assertThat(ready.endpoint().requireTls()).isTrue();

    assertThat(instances()).hasSize(1);
    DBInstance created = instance(id);
    assertThat(created.engine()).isEqualTo("postgres");
    assertThat(created.storageEncrypted()).isTrue();
    assertThat(created.publiclyAccessible()).isFalse();
    assertThat(created.deletionProtection()).isFalse();
    assertThat(created.backupRetentionPeriod()).isEqualTo(1);
    assertThat(created.masterUsername()).isEqualTo("slipway");
    assertThat(created.dbInstanceClass()).isEqualTo("db.t4g.micro");
    assertThat(created.allocatedStorage()).isEqualTo(20);
    assertThat(tags(id)).containsAllEntriesOf(Map.of(
        "slipway.dev/owner-uid", "uid-1",
        "slipway.dev/namespace", "team-a",
        "slipway.dev/project", "shop",
        "slipway.dev/environment", "test",
        "slipway.dev/managed-by", "slipway"));

    // Again: adopted, still one.
    assertThat(ensure(p, r).phase()).isEqualTo(Phase.Ready);
    assertThat(instances()).hasSize(1);

    // A "crash": a fresh provisioner (and client) finds and adopts the same instance.
    ProvisionState afterCrash = ensure(provisioner(), r);
    assertThat(afterCrash.phase()).isEqualTo(Phase.Ready);
    assertThat(afterCrash.endpoint()).isEqualTo(ready.endpoint());
    assertThat(instances()).hasSize(1);

    // Another environment gets its own instance.
    ensureReady(p, request("live", Stage.LIVE, "uid-2"));
    assertThat(instances()).hasSize(2);
  }

  @Test
  void aForeignInstanceWithTheSameIdentifierIsRefusedAndUntouched() {
    String id = RdsProvisioner.identifier("team-a", "shop", "test");
    rds.createDBInstance(b -> b.dbInstanceIdentifier(id).engine("postgres").dbInstanceClass("db.t4g.micro")
        .allocatedStorage(20).masterUsername("someone").masterUserPassword("their-password-123")
        .tags(Tag.builder().key("slipway.dev/owner-uid").value("uid-other").build(),
            Tag.builder().key("team").value("data").build()));
    Map<String, String> tagsBefore = tags(id);
    String statusBefore = instance(id).dbInstanceStatus();

    RdsProvisioner p = provisioner();
    DatabaseRequest r = request("test", Stage.TEST, "uid-1");
    ProvisionState s = ensure(p, r);
    assertThat(s.phase()).isEqualTo(Phase.Refused);
    assertThat(s.reason()).isEqualTo("ForeignInstance");
    assertThat(s.message()).contains(id);
    assertThat(s.endpoint()).isNull();

    for (DeletionPolicy policy : DeletionPolicy.values()) {
      DeletionState d = delete(p, r, policy);
      assertThat(d.done()).as(policy.name()).isFalse();
      assertThat(d.reason()).as(policy.name()).isEqualTo("ForeignInstance");
      assertThat(d.message()).contains(id);
    }

    assertThat(instances()).hasSize(1);
    assertThat(tags(id)).isEqualTo(tagsBefore);
    assertThat(instance(id).dbInstanceStatus()).isEqualTo(statusBefore);
    assertThat(manualSnapshots()).isEmpty();
  }

  @Test
  void anUntaggedInstanceWithTheSameIdentifierIsRefused() {
    String id = RdsProvisioner.identifier("team-a", "shop", "test");
    rds.createDBInstance(b -> b.dbInstanceIdentifier(id).engine("postgres").dbInstanceClass("db.t4g.micro")
        .allocatedStorage(20).masterUsername("someone").masterUserPassword("their-password-123"));
    ProvisionState s = ensure(provisioner(), request("test", Stage.TEST, "uid-1"));
    assertThat(s.phase()).isEqualTo(Phase.Refused);
    assertThat(s.reason()).isEqualTo("ForeignInstance");
    assertThat(tags(id)).doesNotContainKey("slipway.dev/owner-uid");
  }

  @Test
  void snapshotPolicyLeavesTheDeterministicFinalSnapshot() {
    RdsProvisioner p = provisioner();
    DatabaseRequest r = request("test", Stage.TEST, "uid-1");
    String id = RdsProvisioner.identifier("team-a", "shop", "test");
    ensureReady(p, r);

    List<DeletionState> states = deleteUntilDone(p, r, DeletionPolicy.Snapshot);
    assertThat(states.get(0).reason()).isEqualTo("Deleting");
    String snapshot = RdsProvisioner.finalSnapshotIdentifier(id, DELETED_AT);
    assertThat(states.get(0).message()).contains(snapshot);
    assertThat(states.get(0).finalSnapshot()).isEqualTo(snapshot);
    assertThat(states.get(states.size() - 1).reason()).isEqualTo("Deleted");

    assertThat(instances()).isEmpty();
    assertThat(manualSnapshots()).extracting(DBSnapshot::dbSnapshotIdentifier).containsExactly(snapshot);
    assertThat(manualSnapshots().get(0).dbInstanceIdentifier()).isEqualTo(id);

    // Done stays done.
    DeletionState again = delete(p, r, DeletionPolicy.Snapshot);
    assertThat(again.done()).isTrue();
    assertThat(again.reason()).isEqualTo("Deleted");
  }

  @Test
  void deletePolicyLeavesNoSnapshot() {
    RdsProvisioner p = provisioner();
    DatabaseRequest r = request("test", Stage.TEST, "uid-1");
    ensureReady(p, r);

    List<DeletionState> states = deleteUntilDone(p, r, DeletionPolicy.Delete);
    assertThat(states.get(states.size() - 1).reason()).isEqualTo("Deleted");
    assertThat(instances()).isEmpty();
    assertThat(manualSnapshots()).isEmpty();
  }

  @Test
  void retainPolicyKeepsTheInstanceAndGivesUpOwnership() {
    RdsProvisioner p = provisioner();
    DatabaseRequest r = request("test", Stage.TEST, "uid-1");
    String id = RdsProvisioner.identifier("team-a", "shop", "test");
    ensureReady(p, r);

    DeletionState s = delete(p, r, DeletionPolicy.Retain);
    assertThat(s.done()).isTrue();
    assertThat(s.reason()).isEqualTo("Retained");
    assertThat(instances()).hasSize(1);
    assertThat(instance(id).dbInstanceStatus()).isEqualTo("available");
    assertThat(tags(id)).doesNotContainKeys("slipway.dev/owner-uid", "slipway.dev/managed-by")
        .containsEntry("slipway.dev/project", "shop");

    // Retain again (a retried finalizer): still done, still there.
    DeletionState again = delete(p, r, DeletionPolicy.Retain);
    assertThat(again.done()).isTrue();
    assertThat(again.reason()).isEqualTo("Retained");
    assertThat(instances()).hasSize(1);

    // It is no longer ours: a new environment with the same name does not adopt it.
    assertThat(ensure(p, request("test", Stage.TEST, "uid-new")).phase()).isEqualTo(Phase.Refused);
  }

  @Test
  void aLiveInstanceIsProtectedAndTheProvisionerLiftsItsOwnProtectionToDelete() {
    RdsProvisioner p = provisioner();
    DatabaseRequest r = request("live", Stage.LIVE, "uid-live");
    String id = RdsProvisioner.identifier("team-a", "shop", "live");
    ensureReady(p, r);
    DBInstance live = instance(id);
    assertThat(live.deletionProtection()).isTrue();
    assertThat(live.backupRetentionPeriod()).isEqualTo(7);

    // Protection holds against a plain delete.
    assertThat(instances()).hasSize(1);
    try {
      rds.deleteDBInstance(b -> b.dbInstanceIdentifier(id).skipFinalSnapshot(true));
      throw new AssertionError("RDS deleted a protected instance");
    } catch (software.amazon.awssdk.services.rds.model.RdsException expected) {
      assertThat(instances()).hasSize(1);
    }

    List<DeletionState> states = deleteUntilDone(p, r, DeletionPolicy.Snapshot);
    assertThat(states.get(states.size() - 1).reason()).isEqualTo("Deleted");
    assertThat(instances()).isEmpty();
    assertThat(manualSnapshots()).extracting(DBSnapshot::dbSnapshotIdentifier).containsExactly(id + "-final-20261130-120000");
  }

  @Test
  void whenAwsRefusesDeletionTheReasonSaysExactlyWhy() {
    RdsProvisioner p = provisioner();
    DatabaseRequest r = request("test", Stage.TEST, "uid-1");
    String id = RdsProvisioner.identifier("team-a", "shop", "test");
    ensureReady(p, r);
    // The final snapshot name is already taken: RDS refuses the delete.
    rds.createDBSnapshot(b -> b.dbInstanceIdentifier(id).dbSnapshotIdentifier(RdsProvisioner.finalSnapshotIdentifier(id, DELETED_AT)));

    DeletionState s = delete(p, r, DeletionPolicy.Snapshot);
    assertThat(s.done()).isFalse();
    assertThat(s.reason()).isEqualTo("DeletionRefused");
    assertThat(s.message()).contains(id).contains("DBSnapshotAlreadyExists");
    assertThat(instances()).hasSize(1);
  }

  @Test
  void anEnvironmentMadeAgainAndDeletedAgainGetsAFinalSnapshotOfItsOwn() {
    RdsProvisioner p = provisioner();
    String id = RdsProvisioner.identifier("team-a", "shop", "live");
    java.time.Instant first = java.time.Instant.parse("2026-11-01T08:00:00Z");
    java.time.Instant second = java.time.Instant.parse("2026-11-02T09:30:15Z");

    DatabaseRequest once = request("live", Stage.LIVE, "uid-first");
    ensureReady(p, once);
    List<DeletionState> firstDeletion = deleteUntilDone(p, deletedAt(once, first), DeletionPolicy.Snapshot);
    assertThat(firstDeletion.get(firstDeletion.size() - 1).reason()).isEqualTo("Deleted");

    // The same environment again (a new object, so a new uid), deleted again: no DBSnapshotAlreadyExists.
    forgetAutomatedSnapshots(id);
    DatabaseRequest again = request("live", Stage.LIVE, "uid-second");
    ensureReady(p, again);
    List<DeletionState> secondDeletion = deleteUntilDone(p, deletedAt(again, second), DeletionPolicy.Snapshot);
    assertThat(secondDeletion).allSatisfy(s -> assertThat(s.reason()).isIn("Deleting", "Deleted"));
    assertThat(secondDeletion.get(0).finalSnapshot()).isEqualTo(id + "-final-20261102-093015");
    assertThat(instances()).isEmpty();
    assertThat(manualSnapshots()).extracting(DBSnapshot::dbSnapshotIdentifier)
        .containsExactlyInAnyOrder(id + "-final-20261101-080000", id + "-final-20261102-093015");
  }

  @Test
  void aPasswordStoredAgainIsGivenToTheExistingInstance() {
    // Every ModifyDBInstance request the provisioner sends, as the SDK marshals it for moto.
    List<software.amazon.awssdk.services.rds.model.ModifyDbInstanceRequest> modifies = new java.util.concurrent.CopyOnWriteArrayList<>();
    RdsSettings settings = moto.settings();
    RdsClient recording = RdsClient.builder()
        .region(software.amazon.awssdk.regions.Region.of(settings.region()))
        .endpointOverride(settings.endpointOverride())
        .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
            software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey())))
        .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
        .overrideConfiguration(c -> c.addExecutionInterceptor(new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
          @Override
          public void afterExecution(software.amazon.awssdk.core.interceptor.Context.AfterExecution context,
              software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
            if (context.request() instanceof software.amazon.awssdk.services.rds.model.ModifyDbInstanceRequest m) {
              modifies.add(m);
            }
          }
        }))
        .build();
    try (recording) {
      RdsProvisioner p = new RdsProvisioner(recording, settings);
      DatabaseRequest created = request("test", Stage.TEST, "uid-1");
      ensureReady(p, created);
      // A settled password: nothing to change.
      ensure(p, created);
      assertThat(modifies).isEmpty();

      // The credentials Secret was lost and made again with a new, pending password.
      String replacement = "Pw-replacement-0b5e";
      DatabaseRequest pending = new DatabaseRequest("team-a", "shop", "test", "uid-1", Stage.TEST, "16", null, null, replacement, true, null);
      ProvisionState s = p.ensure(pending);
      assertThat(s.reason()).isEqualTo("ResettingPassword");
      assertThat(s.passwordApplied()).isTrue();
      assertThat(s.message()).doesNotContain(replacement);
      assertThat(modifies).singleElement().satisfies(m -> {
        assertThat(m.dbInstanceIdentifier()).isEqualTo(RdsProvisioner.identifier("team-a", "shop", "test"));
        assertThat(m.masterUserPassword()).isEqualTo(replacement);
        assertThat(m.applyImmediately()).isTrue();
      });
      // Once settled (the Secret says applied), the instance is only looked at again.
      DatabaseRequest settled = new DatabaseRequest("team-a", "shop", "test", "uid-1", Stage.TEST, "16", null, null, replacement);
      assertThat(ensureReady(p, settled).ready()).isTrue();
      assertThat(modifies).hasSize(1);
      assertThat(instances()).hasSize(1);
    }
  }

  @Test
  void unreachableAwsIsAnAwsErrorWithoutThePassword() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    RdsSettings s = moto.settings();
    RdsSettings nowhere = new RdsSettings(s.region(), URI.create("http://127.0.0.1:" + port), s.accessKeyId(), s.secretAccessKey(),
        null, List.of(), null, null, s.defaultInstanceClass(), s.defaultStorageGiB(), s.backupRetentionDaysLive(), s.backupRetentionDaysOther());
    try (RdsClient client = RdsProvisioner.client(nowhere)) {
      RdsProvisioner p = new RdsProvisioner(client, nowhere);
      ProvisionState state = ensure(p, request("test", Stage.TEST, "uid-1"));
      assertThat(state.phase()).isEqualTo(Phase.Failed);
      assertThat(state.reason()).isEqualTo("AwsError");
      DeletionState d = delete(p, request("test", Stage.TEST, "uid-1"), DeletionPolicy.Delete);
      assertThat(d.done()).isFalse();
      assertThat(d.reason()).isEqualTo("AwsError");
    }
  }
}
