package dev.slipway.database.rds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.database.DatabaseRequest;
import dev.slipway.database.DeletionState;
import dev.slipway.database.ProvisionState;
import dev.slipway.database.ProvisionState.Phase;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.rds.model.CreateDbInstanceRequest;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DeleteDbInstanceRequest;
import software.amazon.awssdk.services.rds.model.Endpoint;
import software.amazon.awssdk.services.rds.model.InvalidDbInstanceStateException;
import software.amazon.awssdk.services.rds.model.Tag;

class RdsProvisionerRequestsTest {

  private static final java.time.Instant DELETED_AT = java.time.Instant.parse("2026-11-30T23:59:01Z");

  private static final String PASSWORD = "s3cr3t-Pa55word-xyz";

  private static DatabaseRequest request(Stage stage) {
    return new DatabaseRequest("team-a", "shop", "test", "uid-1234", stage, "16", null, null, PASSWORD);
  }

  private static RdsSettings settings() {
    return RdsSettings.of("eu-central-1");
  }

  // -------------------------------------------------------------------------------------------
  // identifiers

  @Test
  void identifierIsReadableDeterministicAndEndsInAHash() {
    String id = RdsProvisioner.identifier("team-a", "shop", "test");
    assertThat(id).matches("team-a-shop-test-[0-9a-f]{8}");
    assertThat(RdsProvisioner.identifier("team-a", "shop", "test")).isEqualTo(id);
    assertThat(RdsProvisioner.validInstanceIdentifier(id)).isTrue();
  }

  @Test
  void identifiersFollowRdsRulesForAwkwardInputs() {
    String longName = "a".repeat(63);
    List<String[]> triples = List.of(
        new String[] {"team-a", "shop", "test"},
        new String[] {"1team", "shop", "live"},
        new String[] {"Team_A", "Shop.Web", "Te--st"},
        new String[] {"-", "-", "-"},
        new String[] {"", "", ""},
        new String[] {longName, longName, longName},
        new String[] {"ns", "p".repeat(52), "x"},
        new String[] {"ns", "p".repeat(51) + "-", "x"},
        new String[] {"9", "9", "9"});
    for (String[] t : triples) {
      String id = RdsProvisioner.identifier(t[0], t[1], t[2]);
      assertThat(id).as("identifier of %s/%s/%s", t[0], t[1], t[2])
          .hasSizeLessThanOrEqualTo(63)
          .matches("[a-z][a-z0-9-]*")
          .doesNotContain("--")
          .doesNotEndWith("-")
          .matches(".*-[0-9a-f]{8}");
      assertThat(RdsProvisioner.validInstanceIdentifier(id)).isTrue();
      assertThat(RdsProvisioner.validSnapshotIdentifier(RdsProvisioner.finalSnapshotIdentifier(id, DELETED_AT))).isTrue();
    }
  }

  @Test
  void differentTriplesNeverCollideEvenWhenTheReadablePartIsTheSame() {
    String longProject = "p".repeat(60);
    // The same readable part after sanitising or truncation: only the hash tells them apart.
    assertThat(RdsProvisioner.identifier("a-b", "c", "d")).isNotEqualTo(RdsProvisioner.identifier("a", "b-c", "d"));
    assertThat(RdsProvisioner.identifier("ns", longProject + "1", "test"))
        .isNotEqualTo(RdsProvisioner.identifier("ns", longProject + "2", "test"));
    assertThat(RdsProvisioner.identifier("ns", longProject, "test")).isNotEqualTo(RdsProvisioner.identifier("ns", longProject, "live"));
    Set<String> ids = new HashSet<>();
    for (int n = 0; n < 50; n++) {
      for (String env : List.of("test", "live", "qa", "staging")) {
        ids.add(RdsProvisioner.identifier("ns-" + n, longProject, env));
      }
    }
    assertThat(ids).hasSize(200);
  }

  @Test
  void identifierValidation() {
    assertThat(RdsProvisioner.validInstanceIdentifier("a")).isTrue();
    assertThat(RdsProvisioner.validInstanceIdentifier("a-1")).isTrue();
    assertThat(RdsProvisioner.validInstanceIdentifier("1a")).isFalse();
    assertThat(RdsProvisioner.validInstanceIdentifier("a--b")).isFalse();
    assertThat(RdsProvisioner.validInstanceIdentifier("a-")).isFalse();
    assertThat(RdsProvisioner.validInstanceIdentifier("A")).isFalse();
    assertThat(RdsProvisioner.validInstanceIdentifier("a_b")).isFalse();
    assertThat(RdsProvisioner.validInstanceIdentifier("")).isFalse();
    assertThat(RdsProvisioner.validInstanceIdentifier(null)).isFalse();
    assertThat(RdsProvisioner.validInstanceIdentifier("a".repeat(63))).isTrue();
    assertThat(RdsProvisioner.validInstanceIdentifier("a".repeat(64))).isFalse();
    assertThat(RdsProvisioner.validSnapshotIdentifier("a".repeat(255))).isTrue();
    assertThat(RdsProvisioner.validSnapshotIdentifier("a".repeat(256))).isFalse();
  }

  @Test
  void finalSnapshotIdentifierIsNamedAfterTheDeletionAndValid() {
    String id = RdsProvisioner.identifier("team-a", "shop", "live");
    assertThat(RdsProvisioner.finalSnapshotIdentifier(id, DELETED_AT)).isEqualTo(id + "-final-20261130-235901");
    // the same deletion names the same snapshot on every retry; another deletion another one
    assertThat(RdsProvisioner.finalSnapshotIdentifier(id, DELETED_AT)).isEqualTo(RdsProvisioner.finalSnapshotIdentifier(id, DELETED_AT));
    assertThat(RdsProvisioner.finalSnapshotIdentifier(id, DELETED_AT.plusSeconds(1)))
        .isNotEqualTo(RdsProvisioner.finalSnapshotIdentifier(id, DELETED_AT));
    assertThat(RdsProvisioner.validSnapshotIdentifier(RdsProvisioner.finalSnapshotIdentifier(id, DELETED_AT))).isTrue();
    assertThatThrownBy(() -> RdsProvisioner.finalSnapshotIdentifier("bad--id", DELETED_AT)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RdsProvisioner.finalSnapshotIdentifier("1bad", DELETED_AT)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void databaseNameIsTheProjectWithUnderscores() {
    assertThat(RdsProvisioner.dbName("shop")).isEqualTo("shop");
    assertThat(RdsProvisioner.dbName("my-shop-2")).isEqualTo("my_shop_2");
    assertThat(RdsProvisioner.dbName("2shop")).isEqualTo("db_2shop");
    assertThat(RdsProvisioner.dbName("x".repeat(80))).hasSize(63);
  }

  // -------------------------------------------------------------------------------------------
  // CreateDBInstance

  @Test
  void createRequestForTestStage() {
    CreateDbInstanceRequest r = RdsProvisioner.createRequest(
        new DatabaseRequest("team-a", "my-shop", "test", "uid-1", Stage.TEST, "16", null, null, PASSWORD), settings());
    assertThat(r.dbInstanceIdentifier()).isEqualTo(RdsProvisioner.identifier("team-a", "my-shop", "test"));
    assertThat(r.engine()).isEqualTo("postgres");
    assertThat(r.engineVersion()).isEqualTo("16");
    assertThat(r.dbInstanceClass()).isEqualTo("db.t4g.micro");
    assertThat(r.allocatedStorage()).isEqualTo(20);
    assertThat(r.dbName()).isEqualTo("my_shop");
    assertThat(r.masterUsername()).isEqualTo("slipway");
    assertThat(r.masterUserPassword()).isEqualTo(PASSWORD);
    assertThat(r.storageEncrypted()).isTrue();
    assertThat(r.publiclyAccessible()).isFalse();
    assertThat(r.copyTagsToSnapshot()).isTrue();
    assertThat(r.backupRetentionPeriod()).isEqualTo(1);
    assertThat(r.deletionProtection()).isFalse();
    assertThat(r.dbSubnetGroupName()).isNull();
    assertThat(r.hasVpcSecurityGroupIds()).isFalse();
    assertThat(r.dbParameterGroupName()).isNull();
    assertThat(r.kmsKeyId()).isNull();
    assertThat(tags(r.tags())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "slipway.dev/owner-uid", "uid-1",
        "slipway.dev/namespace", "team-a",
        "slipway.dev/project", "my-shop",
        "slipway.dev/environment", "test",
        "slipway.dev/managed-by", "slipway"));
    // The SDK's own toString hides the password.
    assertThat(r.toString()).doesNotContain(PASSWORD);
  }

  @Test
  void createRequestForLiveStageWithEverythingConfigured() {
    RdsSettings s = new RdsSettings("eu-central-1", URI.create("https://rds.example"), "AKIA", "secret",
        "slipway-db", List.of("sg-1", "sg-2"), "pg16-slipway", "arn:aws:kms:eu-central-1:1:key/abc", "db.t4g.small", 30, 14, 2);
    CreateDbInstanceRequest r = RdsProvisioner.createRequest(
        new DatabaseRequest("team-a", "shop", "live", "uid-2", Stage.LIVE, "17", "db.m7g.large", 100, PASSWORD), s);
    assertThat(r.dbInstanceClass()).isEqualTo("db.m7g.large");
    assertThat(r.allocatedStorage()).isEqualTo(100);
    assertThat(r.backupRetentionPeriod()).isEqualTo(14);
    assertThat(r.deletionProtection()).isTrue();
    assertThat(r.dbSubnetGroupName()).isEqualTo("slipway-db");
    assertThat(r.vpcSecurityGroupIds()).containsExactly("sg-1", "sg-2");
    assertThat(r.dbParameterGroupName()).isEqualTo("pg16-slipway");
    assertThat(r.kmsKeyId()).isEqualTo("arn:aws:kms:eu-central-1:1:key/abc");
    assertThat(r.storageEncrypted()).isTrue();

    CreateDbInstanceRequest defaults = RdsProvisioner.createRequest(
        new DatabaseRequest("team-a", "shop", "qa", "uid-3", Stage.LOCAL, "17", " ", 0, PASSWORD), s);
    assertThat(defaults.dbInstanceClass()).isEqualTo("db.t4g.small");
    assertThat(defaults.allocatedStorage()).isEqualTo(30);
    assertThat(defaults.backupRetentionPeriod()).isEqualTo(2);
    assertThat(defaults.deletionProtection()).isFalse();
  }

  @Test
  void settingsHideTheSecretKey() {
    RdsSettings s = new RdsSettings("eu-central-1", null, "AKIAEXAMPLE", "wJalrXUtnFEMI-very-secret", null, null, null, null, null, 0, 7, 1);
    assertThat(s.toString()).contains("AKIAEXAMPLE").doesNotContain("wJalrXUtnFEMI-very-secret");
    assertThat(s.securityGroupIds()).isEmpty();
    assertThat(s.defaultInstanceClass()).isEqualTo("db.t4g.micro");
    assertThat(s.defaultStorageGiB()).isEqualTo(20);
  }

  // -------------------------------------------------------------------------------------------
  // DeleteDBInstance

  @Test
  void snapshotPolicyAlwaysNamesTheFinalSnapshot() {
    String id = RdsProvisioner.identifier("team-a", "shop", "live");
    DeleteDbInstanceRequest r = RdsProvisioner.deleteRequest(id, DeletionPolicy.Snapshot, DELETED_AT);
    assertThat(r.dbInstanceIdentifier()).isEqualTo(id);
    assertThat(r.skipFinalSnapshot()).isFalse();
    assertThat(r.finalDBSnapshotIdentifier()).isEqualTo(id + "-final-20261130-235901");
    assertThat(RdsProvisioner.validSnapshotIdentifier(r.finalDBSnapshotIdentifier())).isTrue();
    assertThat(r.deleteAutomatedBackups()).isFalse();
  }

  @Test
  void deletePolicySkipsTheFinalSnapshotAndNamesNone() {
    String id = RdsProvisioner.identifier("team-a", "shop", "test");
    DeleteDbInstanceRequest r = RdsProvisioner.deleteRequest(id, DeletionPolicy.Delete, DELETED_AT);
    assertThat(r.skipFinalSnapshot()).isTrue();
    assertThat(r.finalDBSnapshotIdentifier()).isNull();
    assertThat(r.deleteAutomatedBackups()).isFalse();
  }

  @Test
  void everyDeletingPolicyIsConsistentAboutTheFinalSnapshot() {
    for (DeletionPolicy policy : DeletionPolicy.values()) {
      if (policy == DeletionPolicy.Retain) {
        assertThatThrownBy(() -> RdsProvisioner.deleteRequest("a-b", policy, DELETED_AT)).isInstanceOf(IllegalArgumentException.class);
        continue;
      }
      DeleteDbInstanceRequest r = RdsProvisioner.deleteRequest(RdsProvisioner.identifier("n", "p", "e"), policy, DELETED_AT);
      if (r.skipFinalSnapshot()) {
        assertThat(r.finalDBSnapshotIdentifier()).as(policy.name()).isNull();
      } else {
        assertThat(r.finalDBSnapshotIdentifier()).as(policy.name()).isNotBlank();
        assertThat(RdsProvisioner.validSnapshotIdentifier(r.finalDBSnapshotIdentifier())).isTrue();
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // DBInstanceStatus → ProvisionState

  @Test
  void availableIsReadyWithTheEndpoint() {
    ProvisionState s = RdsProvisioner.stateOf("id-1", instance("available", true), "shop");
    assertThat(s.phase()).isEqualTo(Phase.Ready);
    assertThat(s.ready()).isTrue();
    assertThat(s.reason()).isEqualTo("Available");
    assertThat(s.identifier()).isEqualTo("id-1");
    assertThat(s.endpoint().host()).isEqualTo("id-1.abc.eu-central-1.rds.amazonaws.com");
    assertThat(s.endpoint().port()).isEqualTo(5432);
    assertThat(s.endpoint().database()).isEqualTo("shop_db");
    assertThat(s.endpoint().username()).isEqualTo("slipway");
    assertThat(s.endpoint().requireTls()).isTrue();
  }

  @Test
  void availableWithoutEndpointOrDbNameIsHandled() {
    assertThat(RdsProvisioner.stateOf("id-1", instance("available", false), "shop").phase()).isEqualTo(Phase.Provisioning);
    DBInstance noName = instance("available", true).toBuilder().dbName(null).build();
    assertThat(RdsProvisioner.stateOf("id-1", noName, "shop").endpoint().database()).isEqualTo("shop");
  }

  @ParameterizedTest
  @CsvSource({
      "creating, Provisioning, Creating",
      "backing-up, Provisioning, BackingUp",
      "modifying, Provisioning, Modifying",
      "configuring-enhanced-monitoring, Provisioning, ConfiguringEnhancedMonitoring",
      "configuring-iam-database-auth, Provisioning, ConfiguringIamDatabaseAuth",
      "configuring-log-exports, Provisioning, ConfiguringLogExports",
      "upgrading, Provisioning, Upgrading",
      "rebooting, Provisioning, Rebooting",
      "renaming, Provisioning, Renaming",
      "resetting-master-credentials, Provisioning, ResettingMasterCredentials",
      "starting, Provisioning, Starting",
      "maintenance, Provisioning, Maintenance",
      "storage-initialization, Provisioning, StorageInitialization",
      "moving-to-vpc, Provisioning, MovingToVpc",
      "storage-full, Failed, StorageFull",
      "incompatible-parameters, Failed, IncompatibleParameters",
      "incompatible-network, Failed, IncompatibleNetwork",
      "incompatible-option-group, Failed, IncompatibleOptionGroup",
      "incompatible-restore, Failed, IncompatibleRestore",
      "incompatible-credentials, Failed, IncompatibleCredentials",
      "inaccessible-encryption-credentials, Failed, InaccessibleEncryptionCredentials",
      "insufficient-capacity, Failed, InsufficientCapacity",
      "restore-error, Failed, RestoreError",
      "failed, Failed, Failed",
      "deleting, Failed, Deleting",
      "stopped, Failed, Stopped",
      "stopping, Failed, Stopped",
      "available, Ready, Available",
      "storage-optimization, Ready, Available",
      "some-future-state, Provisioning, SomeFutureState",
  })
  void everyStatusMaps(String status, Phase phase, String reason) {
    ProvisionState s = RdsProvisioner.stateOf("id-1", instance(status, true), "shop");
    assertThat(s.phase()).as(status).isEqualTo(phase);
    assertThat(s.reason()).as(status).isEqualTo(reason);
    assertThat(s.identifier()).isEqualTo("id-1");
    assertThat(s.message()).contains("id-1");
    assertThat(s.endpoint() != null).as(status + " has an endpoint").isEqualTo(phase == Phase.Ready);
  }

  @Test
  void missingStatusIsNotReady() {
    ProvisionState s = RdsProvisioner.stateOf("id-1", DBInstance.builder().dbInstanceIdentifier("id-1").build(), "shop");
    assertThat(s.phase()).isEqualTo(Phase.Provisioning);
    assertThat(s.reason()).isEqualTo("Unknown");
  }

  // -------------------------------------------------------------------------------------------
  // messages

  @Test
  void awsErrorsKeepCodeAndMessageButNeverThePassword() {
    InvalidDbInstanceStateException e = (InvalidDbInstanceStateException) InvalidDbInstanceStateException.builder()
        .statusCode(400)
        .awsErrorDetails(AwsErrorDetails.builder()
            .errorCode("InvalidDBInstanceState")
            .errorMessage("Instance is not available; password " + PASSWORD + " echoed")
            .build())
        .build();
    String m = RdsProvisioner.safeMessage(e, PASSWORD);
    assertThat(m).startsWith("InvalidDBInstanceState: Instance is not available").contains("***").doesNotContain(PASSWORD);
    String client = RdsProvisioner.safeMessage(SdkClientException.create("connect failed with " + PASSWORD), PASSWORD);
    assertThat(client).contains("SdkClientException").doesNotContain(PASSWORD);
    assertThat(RdsProvisioner.scrub("abc", null)).isEqualTo("abc");
    assertThat(RdsProvisioner.scrub("abc", "")).isEqualTo("abc");
  }

  @Test
  void ownerTagsNameTheOwner() {
    assertThat(tags(RdsProvisioner.ownerTags(request(Stage.TEST))))
        .containsEntry("slipway.dev/owner-uid", "uid-1234")
        .containsEntry("slipway.dev/managed-by", "slipway")
        .hasSize(5);
  }

  private static DBInstance instance(String status, boolean endpoint) {
    DBInstance.Builder b = DBInstance.builder().dbInstanceIdentifier("id-1").dbInstanceStatus(status).dbName("shop_db");
    if (endpoint) {
      b.endpoint(Endpoint.builder().address("id-1.abc.eu-central-1.rds.amazonaws.com").port(5432).build());
    }
    return b.build();
  }

  private static Map<String, String> tags(List<Tag> tags) {
    return tags.stream().collect(Collectors.toMap(Tag::key, Tag::value));
  }

  // -------------------------------------------------------------------------------------------
  // Deletion protection: RDS may refuse a delete right after the protection was lifted

  @Test
  void aDeleteRefusedRightAfterLiftingProtectionIsRetriedNotReportedAsBlocked() {
    String id = RdsProvisioner.identifier("team-a", "shop", "live");
    java.util.concurrent.atomic.AtomicBoolean protectedNow = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicInteger deletes = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean refuseDelete = new java.util.concurrent.atomic.AtomicBoolean(true);
    software.amazon.awssdk.services.rds.RdsClient rds = fakeRds((method, request) -> switch (method) {
      case "describeDBInstances" -> software.amazon.awssdk.services.rds.model.DescribeDbInstancesResponse.builder()
          .dbInstances(software.amazon.awssdk.services.rds.model.DBInstance.builder().dbInstanceIdentifier(id)
              .dbInstanceArn("arn:aws:rds:eu-central-1:1:db:" + id).dbInstanceStatus(protectedNow.get() ? "available" : "modifying")
              .deletionProtection(protectedNow.get())
              .tagList(Tag.builder().key(RdsProvisioner.TAG_OWNER_UID).value("uid-live").build()).build())
          .build();
      case "modifyDBInstance" -> software.amazon.awssdk.services.rds.model.ModifyDbInstanceResponse.builder().build();
      case "deleteDBInstance" -> {
        deletes.incrementAndGet();
        if (refuseDelete.get()) {
          throw (software.amazon.awssdk.services.rds.model.RdsException) software.amazon.awssdk.services.rds.model.RdsException.builder()
              .statusCode(400).awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                  .errorCode("InvalidParameterCombination").errorMessage("Cannot delete protected DB Instance, please disable deletion protection and try again.")
                  .build()).build();
        }
        yield software.amazon.awssdk.services.rds.model.DeleteDbInstanceResponse.builder().build();
      }
      default -> throw new UnsupportedOperationException(method);
    });
    RdsProvisioner p = new RdsProvisioner(rds, settings());
    DatabaseRequest r = new DatabaseRequest("team-a", "shop", "live", "uid-live", Stage.LIVE, "16", null, null, "pw", false, DELETED_AT);

    DeletionState first = p.delete(r, DeletionPolicy.Snapshot);
    assertThat(first.done()).isFalse();
    assertThat(first.reason()).as(first.toString()).isEqualTo("Deleting");
    assertThat(first.message()).contains("lifted the deletion protection");
    assertThat(first.finalSnapshot()).isEqualTo(id + "-final-20261130-235901");

    // RDS has applied it by the next look: the delete goes through, with the same snapshot name.
    protectedNow.set(false);
    refuseDelete.set(false);
    DeletionState second = p.delete(r, DeletionPolicy.Snapshot);
    assertThat(second.reason()).isEqualTo("Deleting");
    assertThat(second.finalSnapshot()).isEqualTo(first.finalSnapshot());
    assertThat(deletes).hasValue(2);
  }

  @Test
  void aDeleteRefusedForAnotherReasonIsStillARefusal() {
    String id = RdsProvisioner.identifier("team-a", "shop", "test");
    software.amazon.awssdk.services.rds.RdsClient rds = fakeRds((method, request) -> switch (method) {
      case "describeDBInstances" -> software.amazon.awssdk.services.rds.model.DescribeDbInstancesResponse.builder()
          .dbInstances(software.amazon.awssdk.services.rds.model.DBInstance.builder().dbInstanceIdentifier(id)
              .dbInstanceArn("arn:aws:rds:eu-central-1:1:db:" + id).dbInstanceStatus("available").deletionProtection(false)
              .tagList(Tag.builder().key(RdsProvisioner.TAG_OWNER_UID).value("uid-test").build()).build())
          .build();
      case "deleteDBInstance" -> throw (software.amazon.awssdk.services.rds.model.RdsException)
          software.amazon.awssdk.services.rds.model.RdsException.builder().statusCode(400)
              .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                  .errorCode("InvalidDBInstanceState").errorMessage("Instance is not available").build()).build();
      default -> throw new UnsupportedOperationException(method);
    });
    DeletionState s = new RdsProvisioner(rds, settings())
        .delete(new DatabaseRequest("team-a", "shop", "test", "uid-test", Stage.TEST, "16", null, null, "pw", false, DELETED_AT),
            DeletionPolicy.Delete);
    assertThat(s.reason()).isEqualTo("DeletionRefused");
    assertThat(s.message()).contains("InvalidDBInstanceState");
  }

  // -------------------------------------------------------------------------------------------
  // Operator-side bounds: refused before any AWS call

  @Test
  void aClassOrStorageOutsideTheOperatorsBoundsIsRefusedBeforeAnyAwsCall() {
    List<String> calls = new java.util.ArrayList<>();
    software.amazon.awssdk.services.rds.RdsClient rds = fakeRds((method, request) -> {
      calls.add(method);
      throw SdkClientException.create("no AWS in this test: " + method);
    });
    RdsSettings bounded = new RdsSettings("eu-central-1", null, null, null, null, List.of(), null, null, "db.t4g.micro", 20, 7, 1,
        new InstanceBounds(List.of("db.t4g.*", "db.m7g.large"), 200));
    RdsProvisioner p = new RdsProvisioner(rds, bounded);

    ProvisionState huge = p.ensure(new DatabaseRequest("team-a", "shop", "live", "uid-1", Stage.LIVE, "16", "db.r7g.16xlarge", null, PASSWORD));
    assertThat(huge.phase()).isEqualTo(Phase.Failed);
    assertThat(huge.reason()).isEqualTo("InstanceClassNotAllowed");
    assertThat(huge.message()).contains("database.instanceClass db.r7g.16xlarge").contains("db.t4g.*, db.m7g.large")
        .doesNotContain(PASSWORD);
    ProvisionState big = p.ensure(new DatabaseRequest("team-a", "shop", "live", "uid-1", Stage.LIVE, "16", "db.t4g.large", 65536, PASSWORD));
    assertThat(big.reason()).isEqualTo("StorageTooLarge");
    assertThat(big.message()).contains("database.storageGiB 65536").contains("at most 200 GiB");
    assertThat(calls).as("AWS calls").isEmpty();

    // within the bounds (a family entry, the maximum itself, the defaults): RDS is asked
    for (DatabaseRequest ok : List.of(
        new DatabaseRequest("team-a", "shop", "live", "uid-1", Stage.LIVE, "16", "db.t4g.2xlarge", 200, PASSWORD),
        new DatabaseRequest("team-a", "shop", "live", "uid-1", Stage.LIVE, "16", "db.m7g.large", null, PASSWORD),
        request(Stage.TEST))) {
      calls.clear();
      ProvisionState asked = p.ensure(ok);
      assertThat(calls).as("AWS calls for %s", ok).contains("describeDBInstances");
      assertThat(asked.reason()).isEqualTo("AwsError");
    }
  }

  @Test
  void boundsReadClassesFamiliesAndAnyAndTheDefaultsMustFit() {
    assertThat(InstanceBounds.DEFAULTS.allows("db.t4g.micro")).isTrue();
    assertThat(InstanceBounds.DEFAULTS.allows("db.m7g.xlarge")).isTrue();
    assertThat(InstanceBounds.DEFAULTS.allows("db.m7g.2xlarge")).isFalse();
    assertThat(InstanceBounds.DEFAULTS.allows("db.r7g.16xlarge")).isFalse();
    assertThat(InstanceBounds.DEFAULTS.maxStorageGiB()).isEqualTo(100);
    InstanceBounds family = new InstanceBounds(List.of(" DB.T4G.* "), 20);
    assertThat(family.allows("db.t4g.xlarge")).isTrue();
    assertThat(family.allows("db.t4gx.large")).as("a family is its own prefix and a dot").isFalse();
    assertThat(new InstanceBounds(List.of("*"), 65536).allows("db.x2iedn.32xlarge")).isTrue();
    assertThatThrownBy(() -> new InstanceBounds(List.of(), 100)).hasMessageContaining("use * for any");
    assertThatThrownBy(() -> new InstanceBounds(List.of("t4g.micro"), 100)).hasMessageContaining("'t4g.micro'");
    assertThatThrownBy(() -> new InstanceBounds(List.of("*"), 10)).hasMessageContaining("between 20 and 65536");
    assertThatThrownBy(() -> new RdsSettings("eu-central-1", null, null, null, null, List.of(), null, null, "db.r6g.large", 20, 7, 1,
        InstanceBounds.DEFAULTS)).hasMessageContaining("db.r6g.large");
    assertThatThrownBy(() -> new RdsSettings("eu-central-1", null, null, null, null, List.of(), null, null, "db.t4g.micro", 500, 7, 1,
        InstanceBounds.DEFAULTS)).hasMessageContaining("500 GiB");
  }

  /** A stand-in RDS API for pure logic: answers by operation name; the SDK's default overloads delegate as usual. */
  private static software.amazon.awssdk.services.rds.RdsClient fakeRds(java.util.function.BiFunction<String, Object, Object> answer) {
    Class<software.amazon.awssdk.services.rds.RdsClient> type = software.amazon.awssdk.services.rds.RdsClient.class;
    return type.cast(java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> {
          if (method.isDefault() && args != null && args.length == 1 && args[0] instanceof java.util.function.Consumer) {
            return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
          }
          if (method.getName().equals("close")) {
            return null;
          }
          return answer.apply(method.getName(), args == null ? null : args[0]);
        }));
  }
}
