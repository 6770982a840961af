package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DumpJobTest {

  private static final String URL = "http://store.example:9000/bucket/key?partNumber=1&X-Amz-Signature=abcdef0123";
  private static final String URL2 = "http://store.example:9000/bucket/key?partNumber=2&X-Amz-Signature=456789abcd";
  private static final BackupStore.Upload TRANSFER = new BackupStore.Upload("upload-1", List.of(URI.create(URL), URI.create(URL2)),
      Map.of("x-amz-checksum-mode", "none"), java.time.Instant.parse("2026-01-01T10:00:00Z"), java.time.Instant.parse("2026-01-01T11:00:00Z"));

  @Test
  void theDatabasePasswordAndTheUrlReachThePodOnlyBySecretReference() {
    Job job = DumpJob.desired(backup("nightly"), environment(), "registry.example/team/shop@sha256:" + "a".repeat(64), "shop-test-database",
        TRANSFER, OperatorConfig.defaults());
    String json = Serialization.asJson(job);
    assertThat(json).doesNotContain("X-Amz-Signature").doesNotContain("store.example");

    var pod = job.getSpec().getTemplate().getSpec();
    var dump = pod.getInitContainers().get(0);
    assertThat(dump.getCommand()).containsExactly("pg_dump");
    assertThat(dump.getArgs()).contains("--format=custom", "--file=/backup/database.dump");
    assertThat(dump.getImage()).isEqualTo(OperatorConfig.defaults().backupPostgresImage());
    EnvVar password = dump.getEnv().stream().filter(e -> e.getName().equals("PGPASSWORD")).findFirst().orElseThrow();
    assertThat(password.getValue()).isNull();
    assertThat(password.getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-test-database");
    assertThat(password.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");
    assertThat(dump.getSecurityContext().getRunAsUser()).isEqualTo(999L);

    var upload = pod.getContainers().get(0);
    assertThat(upload.getImage()).startsWith("registry.example/team/shop@sha256:");
    // The part URLs come from the transfer Secret, mounted read-only (too many for one variable).
    assertThat(upload.getVolumeMounts()).allSatisfy(m -> assertThat(m.getReadOnly()).isTrue())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/transfer"));
    assertThat(pod.getVolumes()).filteredOn(v -> v.getSecret() != null).singleElement()
        .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo(DumpJob.transferSecretName(backup("nightly"))));
    assertThat(upload.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("PART_SIZE");
      assertThat(Long.parseLong(e.getValue()) * Transfers.PARTS).as("100 GiB in all").isEqualTo(100L << 30);
    });

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getKind()).isEqualTo("Backup"));
    assertThat(job.getMetadata().getLabels()).containsEntry("slipway.dev/component", "backup").containsEntry("slipway.dev/backup", "nightly");
  }

  @Test
  void theDumpGetsThePlatformsBackupResourcesAndItsVolumeCannotOutgrowThePod() {
    var pod = DumpJob.desired(backup("nightly"), environment(), "registry.example/team/shop@sha256:" + "a".repeat(64), "shop-test-database",
        TRANSFER, OperatorConfig.defaults()).getSpec().getTemplate().getSpec();
    for (var c : List.of(pod.getInitContainers().get(0), pod.getContainers().get(0))) {
      assertThat(c.getResources().getRequests()).containsOnlyKeys("cpu", "memory", "ephemeral-storage")
          .containsEntry("ephemeral-storage", new Quantity("1Gi"));
      assertThat(c.getResources().getLimits()).containsOnlyKeys("cpu", "memory", "ephemeral-storage")
          .containsEntry("ephemeral-storage", new Quantity("10Gi"));
    }
    assertThat(pod.getVolumes()).filteredOn(v -> v.getEmptyDir() != null).singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("10Gi")));
  }

  @Test
  void theTransferSecretHoldsThePartUrlsAndIsEmptiedOnceSpent() {
    var secret = DumpJob.transferSecret(backup("nightly"), TRANSFER);
    assertThat(new String(Base64.getDecoder().decode(secret.getData().get("TRANSFER_URLS")), StandardCharsets.UTF_8))
        .isEqualTo(URL + "\n" + URL2);
    assertThat(secret.getMetadata().getAnnotations()).as("which upload, signed and expiring when: nothing secret")
        .containsEntry("slipway.dev/upload-id", "upload-1").containsEntry("slipway.dev/urls-signed", "2026-01-01T10:00:00Z")
        .containsEntry("slipway.dev/urls-expire", "2026-01-01T11:00:00Z");
    assertThat(DumpJob.spentTransferSecret(backup("nightly")).getData()).isNullOrEmpty();
    assertThat(TRANSFER.toString()).doesNotContain("X-Amz-Signature");
  }

  @Test
  void namesFitAndKeysAreTheBackupsOwn() {
    Backup longName = backup("a-very-long-backup-name-that-goes-on-and-on-and-on-for-ever.and-ever");
    assertThat(DumpJob.name(longName)).hasSizeLessThanOrEqualTo(58).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    assertThat(DumpJob.transferSecretName(longName)).hasSizeLessThanOrEqualTo(253);
    assertThat(DumpJob.objectKey(backup("nightly"))).isEqualTo("team-a/shop-test/nightly-0123abcd.dump");
  }

  @Test
  void partUrlsAreSignedAgainAtHalfTheirLifeUnlessTheyOutliveTheJob() {
    java.time.Instant signed = java.time.Instant.parse("2026-01-01T10:00:00Z");
    java.time.Instant session = signed.plus(java.time.Duration.ofHours(1));
    java.time.Instant deadline = signed.plus(java.time.Duration.ofHours(2));
    assertThat(BackupReconciler.resignIn(signed, session, deadline, signed)).isEqualTo(java.time.Duration.ofMinutes(30));
    assertThat(BackupReconciler.resignIn(signed, session, deadline, signed.plusSeconds(1800))).isZero();
    assertThat(BackupReconciler.resignIn(signed, session, deadline, signed.plusSeconds(3000))).isZero();
    assertThat(BackupReconciler.resignIn(signed, deadline.plusSeconds(600), deadline, signed)).as("static credentials: no need").isNull();
    assertThat(BackupReconciler.resignIn(signed, signed.plusSeconds(6), deadline, signed)).as("never more often than every 5 s")
        .isEqualTo(java.time.Duration.ofSeconds(5));
  }

  @Test
  void sizesReadAsPeopleWriteThem() {
    assertThat(BackupReconciler.human(980)).isEqualTo("980 B");
    assertThat(BackupReconciler.human(1536)).isEqualTo("1.5 KiB");
    assertThat(BackupReconciler.human(13_002_342)).isEqualTo("12.4 MiB");
  }

  private static Backup backup(String name) {
    Backup b = new Backup();
    b.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team-a").withUid("0123abcd-4567-89ab-cdef-0123456789ab").build());
    b.setSpec(new BackupSpec());
    b.getSpec().setEnvironment("shop-test");
    return b;
  }

  private static Environment environment() {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName("shop-test").withNamespace("team-a").build());
    e.setSpec(new EnvironmentSpec());
    e.getSpec().setProject("shop");
    e.getSpec().setEnvironment("test");
    return e;
  }
}
