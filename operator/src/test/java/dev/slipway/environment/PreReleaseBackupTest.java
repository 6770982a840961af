package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Backup;
import dev.slipway.api.v1alpha1.BackupSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.deploy.Release;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PreReleaseBackupTest {

  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  private static final Release RELEASE = new Release(COMMIT, "registry.example/shop@sha256:" + "a".repeat(64), null);

  @Test
  void theBackupThisEnvironmentTookForThisReleaseIsItsOwn() {
    Backup own = backup("shop-live", "env-uid", COMMIT, "2026-12-01T09:58:00Z");
    assertThat(PreReleaseBackup.notOwn(own, live(), RELEASE, "2026-12-01T09:58:00Z", NOW)).isEmpty();
    assertThat(PreReleaseBackup.notOwn(own, live(), RELEASE, null, NOW)).as("taken in this release's first reconcile").isEmpty();
    assertThat(PreReleaseBackup.notOwn(own, live(), RELEASE, "2026-12-01T09:59:00Z", NOW)).as("clocks drift a little").isEmpty();
  }

  @Test
  void aBackupOfThatNameLeftByAnEarlierReleaseAnEarlierEnvironmentOrAPersonIsNot() {
    assertThat(PreReleaseBackup.notOwn(backup("shop-live", "env-uid", COMMIT, "2026-10-01T09:58:00Z"), live(), RELEASE, null, NOW))
        .hasValueSatisfying(why -> assertThat(why).contains("before this release was decided"));
    assertThat(PreReleaseBackup.notOwn(backup("shop-live", "old-uid", COMMIT, "2026-12-01T09:59:00Z"), live(), RELEASE, null, NOW))
        .hasValueSatisfying(why -> assertThat(why).contains("not made by this Environment"));
    assertThat(PreReleaseBackup.notOwn(backup("shop-live", null, COMMIT, "2026-12-01T09:59:00Z"), live(), RELEASE, null, NOW)).isPresent();
    assertThat(PreReleaseBackup.notOwn(backup("shop-test", "env-uid", COMMIT, "2026-12-01T09:59:00Z"), live(), RELEASE, null, NOW))
        .hasValueSatisfying(why -> assertThat(why).contains("it is of shop-test"));
    assertThat(PreReleaseBackup.notOwn(backup("shop-live", "env-uid", "f".repeat(40), "2026-12-01T09:59:00Z"), live(), RELEASE, null, NOW))
        .hasValueSatisfying(why -> assertThat(why).contains("precedes the release of ffff"));
  }

  private static Environment live() {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName("shop-live").withNamespace("team-a").withUid("env-uid").build());
    EnvironmentSpec spec = new EnvironmentSpec();
    spec.setProject("shop");
    spec.setEnvironment("live");
    spec.setStage(Stage.LIVE);
    e.setSpec(spec);
    return e;
  }

  private static Backup backup(String environment, String environmentUid, String commit, String created) {
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment("shop", "live"));
    labels.put(PreReleaseBackup.RELEASE_LABEL, commit);
    if (environmentUid != null) {
      labels.put(Labels.ENVIRONMENT_UID, environmentUid);
    }
    Backup b = new Backup();
    b.setMetadata(new ObjectMetaBuilder().withName("shop-live-pre-0123456789ab").withNamespace("team-a").withLabels(labels)
        .withCreationTimestamp(created).build());
    b.setSpec(new BackupSpec());
    b.getSpec().setEnvironment(environment);
    return b;
  }
}
