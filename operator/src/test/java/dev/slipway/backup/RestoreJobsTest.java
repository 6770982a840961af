package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestoreSource;
import dev.slipway.api.v1alpha1.RestoreSpec;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RestoreJobsTest {

  @Test
  void theRestoreLoadsInOneTransactionAsTheEnvironmentsRoleAndTheUrlStaysInItsSecret() {
    BackupStore.Transfer transfer = new BackupStore.Transfer(URI.create("http://store.example/b/k?X-Amz-Signature=feed"), Map.of());
    Job job = RestoreJobs.restore(restore(), "registry.example/shop@sha256:" + "b".repeat(64), "shop-test-database", transfer,
        OperatorConfig.defaults());
    assertThat(Serialization.asJson(job)).doesNotContain("X-Amz-Signature");
    var pod = job.getSpec().getTemplate().getSpec();
    var download = pod.getInitContainers().get(0);
    assertThat(download.getImage()).startsWith("registry.example/shop@");
    assertThat(download.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("TRANSFER_URL");
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(RestoreJobs.transferSecretName(restore()));
    });
    var load = pod.getContainers().get(0);
    assertThat(load.getCommand()).containsExactly("pg_restore");
    assertThat(load.getArgs()).contains("--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
        "--dbname=$(PGDATABASE)");
    assertThat(load.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("PGPASSWORD");
      assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-test-database");
    });
    assertThat(load.getSecurityContext().getRunAsUser()).isEqualTo(999L);
    assertThat(job.getMetadata().getName()).isEqualTo("copy-live-0123abcd-restore");
  }

  @Test
  void releaseAndSanitizeRunWithTheWebPodsImageAndSettings() {
    Deployment web = new DeploymentBuilder()
        .withNewMetadata().withName("shop-test").withNamespace("team-a").endMetadata()
        .withNewSpec().withNewTemplate().withNewSpec()
        .withNewSecurityContext().withRunAsNonRoot(true).endSecurityContext()
        .addNewContainer().withName("web").withImage("registry.example/shop@sha256:" + "c".repeat(64))
        .withEnv(new EnvVarBuilder().withName("DATABASE_URL").withNewValueFrom().withNewSecretKeyRef("DATABASE_URL", "shop-test-database", false)
            .endValueFrom().build())
        .endContainer()
        .endSpec().endTemplate().endSpec().build();
    Job job = RestoreJobs.command(restore(), RestoreJobs.SANITIZE, web, List.of("python", "manage.py", "anonymise"), OperatorConfig.defaults());
    var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("registry.example/shop@sha256:" + "c".repeat(64));
    assertThat(c.getArgs()).containsExactly("python", "manage.py", "anonymise");
    assertThat(c.getEnv()).extracting(e -> e.getName()).containsExactly("DATABASE_URL");
    assertThat(job.getMetadata().getName()).isEqualTo("copy-live-0123abcd-sanitize");
    assertThat(job.getMetadata().getLabels()).containsEntry("slipway.dev/component", "restore").containsEntry("slipway.dev/restore", "copy-live");
  }

  private static Restore restore() {
    Restore r = new Restore();
    r.setMetadata(new ObjectMetaBuilder().withName("copy-live").withNamespace("team-a").withUid("0123abcd-4567-89ab-cdef-0123456789ab").build());
    r.setSpec(new RestoreSpec());
    r.getSpec().setEnvironment("shop-test");
    r.getSpec().setFrom(new RestoreSource());
    r.getSpec().getFrom().setEnvironment("shop-live");
    return r;
  }
}
