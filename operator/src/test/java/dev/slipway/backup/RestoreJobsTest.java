package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.ComputeResources;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.ProjectResources;
import dev.slipway.api.v1alpha1.ResourceAmounts;
import dev.slipway.api.v1alpha1.Restore;
import dev.slipway.api.v1alpha1.RestoreSource;
import dev.slipway.api.v1alpha1.RestoreSpec;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
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
    Job job = RestoreJobs.restore(restore(), target(null), "registry.example/shop@sha256:" + "b".repeat(64), "shop-test-database", transfer,
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
  void theRestoreJobIsSizedByTheProjectsBackupResourcesAndItsDumpVolumeByItsDiskLimit() {
    var declared = new ProjectResources();
    declared.setBackup(new ComputeResources(new ResourceAmounts(null, null, "30Gi"), new ResourceAmounts(null, null, "40Gi")));
    BackupStore.Transfer transfer = new BackupStore.Transfer(URI.create("http://store.example/b/k"), Map.of());
    var pod = RestoreJobs.restore(restore(), target(declared), "registry.example/shop@sha256:" + "b".repeat(64), "shop-test-database",
        transfer, OperatorConfig.defaults()).getSpec().getTemplate().getSpec();
    for (var c : List.of(pod.getInitContainers().get(0), pod.getContainers().get(0))) {
      assertThat(c.getResources().getRequests()).containsEntry("ephemeral-storage", new Quantity("30Gi"))
          .containsEntry("cpu", new Quantity("100m")).containsEntry("memory", new Quantity("128Mi"));
      assertThat(c.getResources().getLimits()).containsEntry("ephemeral-storage", new Quantity("40Gi"))
          .containsEntry("cpu", new Quantity("1")).containsEntry("memory", new Quantity("1Gi"));
    }
    assertThat(pod.getVolumes()).singleElement().satisfies(v -> assertThat(v.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("40Gi")));
  }

  @Test
  void releaseAndSanitizeRunWithTheWebPodsImageAndSettings() {
    Deployment web = new DeploymentBuilder()
        .withNewMetadata().withName("shop-test").withNamespace("team-a").endMetadata()
        .withNewSpec().withNewTemplate().withNewSpec()
        .withNewSecurityContext().withRunAsNonRoot(true).endSecurityContext()
        .addNewContainer().withName("web").withImage("registry.example/shop@sha256:" + "c".repeat(64))
        .withNewResources().addToRequests("ephemeral-storage", new Quantity("300Mi")).addToLimits("ephemeral-storage", new Quantity("2Gi"))
        .endResources()
        .withEnv(new EnvVarBuilder().withName("DATABASE_URL").withNewValueFrom().withNewSecretKeyRef("DATABASE_URL", "shop-test-database", false)
            .endValueFrom().build())
        .endContainer()
        .endSpec().endTemplate().endSpec().build();
    Job job = RestoreJobs.command(restore(), RestoreJobs.SANITIZE, web, List.of("python", "manage.py", "anonymise"), OperatorConfig.defaults());
    var c = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("registry.example/shop@sha256:" + "c".repeat(64));
    assertThat(c.getArgs()).containsExactly("python", "manage.py", "anonymise");
    assertThat(c.getEnv()).extracting(e -> e.getName()).containsExactly("DATABASE_URL");
    assertThat(c.getResources().getLimits()).as("sized as the web pods").containsEntry("ephemeral-storage", new Quantity("2Gi"));
    assertThat(job.getSpec().getTemplate().getSpec().getVolumes()).isNullOrEmpty();
    assertThat(job.getMetadata().getName()).isEqualTo("copy-live-0123abcd-sanitize");
    assertThat(job.getMetadata().getLabels()).containsEntry("slipway.dev/component", "restore").containsEntry("slipway.dev/restore", "copy-live");
  }

  private static Environment target(ProjectResources resources) {
    Environment e = new Environment();
    e.setMetadata(new ObjectMetaBuilder().withName("shop-test").withNamespace("team-a").build());
    e.setSpec(new EnvironmentSpec());
    e.getSpec().setProject("shop");
    e.getSpec().setEnvironment("test");
    e.getSpec().setResources(resources);
    return e;
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
