package dev.slipway.database;

import dev.slipway.Labels;
import dev.slipway.OwnerReferences;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.config.OperatorConfig;
import dev.slipway.resources.PodResources;
import dev.slipway.resources.Workload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Stage local: Postgres runs in the environment's namespace as a one-replica StatefulSet (the
 * official image, pinned) with its own volume and a Service. Applied only when what it should be
 * differs from what is there, so an unchanged environment costs reads, not writes.
 */
public final class LocalDatabase {

  static final String HASH = "slipway.dev/spec-hash";
  public static final String USER = "app";
  public static final String DATABASE = "app";

  private final KubernetesClient client;
  private final OperatorConfig config;

  public LocalDatabase(KubernetesClient client, OperatorConfig config) {
    this.client = client;
    this.config = config;
  }

  public static String name(Environment environment) {
    return environment.getMetadata().getName() + "-postgres";
  }

  public ProvisionState ensure(Environment environment) {
    String name = name(environment);
    apply(service(environment));
    apply(statefulSet(environment, config));
    StatefulSet sts = client.apps().statefulSets().inNamespace(environment.getMetadata().getNamespace()).withName(name).get();
    int ready = sts == null || sts.getStatus() == null || sts.getStatus().getReadyReplicas() == null ? 0 : sts.getStatus().getReadyReplicas();
    DatabaseEndpoint endpoint = new DatabaseEndpoint(name + "." + environment.getMetadata().getNamespace() + ".svc", 5432, DATABASE, USER, false);
    if (ready >= 1) {
      return new ProvisionState(ProvisionState.Phase.Ready, "Available", "Postgres runs in StatefulSet " + name, name, endpoint);
    }
    return new ProvisionState(ProvisionState.Phase.Provisioning, "Starting", "waiting for StatefulSet " + name + " to be ready", name, endpoint);
  }

  public static StatefulSet statefulSet(Environment environment, OperatorConfig config) {
    String name = name(environment);
    Map<String, String> selector = selector(environment);
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment(environment.getSpec().getProject(), environment.getSpec().getEnvironment()));
    labels.putAll(selector);
    String secret = CredentialsSecret.name(environment);
    StatefulSet sts = new StatefulSetBuilder()
        .withNewMetadata().withName(name).withNamespace(environment.getMetadata().getNamespace()).withLabels(labels).endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withServiceName(name)
        .withNewSelector().withMatchLabels(selector).endSelector()
        // The volume goes with the environment: Local data is for development.
        .withNewPersistentVolumeClaimRetentionPolicy().withWhenDeleted("Delete").withWhenScaled("Retain").endPersistentVolumeClaimRetentionPolicy()
        .withNewTemplate()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withNewSecurityContext()
        .withRunAsNonRoot(true).withRunAsUser(999L).withRunAsGroup(999L).withFsGroup(999L)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName("postgres")
        .withImage(config.localPostgresImage())
        .addNewPort().withName("postgres").withContainerPort(5432).endPort()
        .addNewEnv().withName("POSTGRES_USER").withValue(USER).endEnv()
        .addNewEnv().withName("POSTGRES_DB").withValue(DATABASE).endEnv()
        .addNewEnv().withName("PGDATA").withValue("/var/lib/postgresql/data/pgdata").endEnv()
        .addNewEnv().withName("POSTGRES_PASSWORD").withNewValueFrom().withNewSecretKeyRef("password", secret, false).endValueFrom().endEnv()
        .addNewVolumeMount().withName("data").withMountPath("/var/lib/postgresql/data").endVolumeMount()
        .addNewVolumeMount().withName("run").withMountPath("/var/run/postgresql").endVolumeMount()
        .withNewReadinessProbe().withNewExec().withCommand("pg_isready", "-U", USER, "-d", DATABASE).endExec()
        .withPeriodSeconds(5).endReadinessProbe()
        .withResources(PodResources.requirements(Workload.LOCAL_DATABASE, config))
        .withNewSecurityContext().withAllowPrivilegeEscalation(false).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
        .endContainer()
        // The socket and the lock file: a few bytes.
        .addNewVolume().withName("run").withNewEmptyDir().withSizeLimit(new Quantity("16Mi")).endEmptyDir().endVolume()
        .endSpec()
        .endTemplate()
        .addNewVolumeClaimTemplate()
        .withNewMetadata().withName("data").endMetadata()
        .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources().endSpec()
        .endVolumeClaimTemplate()
        .endSpec()
        .build();
    return OwnerReferences.controlledBy(sts, environment);
  }

  public static Service service(Environment environment) {
    String name = name(environment);
    Map<String, String> labels = new LinkedHashMap<>(Labels.forEnvironment(environment.getSpec().getProject(), environment.getSpec().getEnvironment()));
    labels.putAll(selector(environment));
    Service s = new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(environment.getMetadata().getNamespace()).withLabels(labels).endMetadata()
        .withNewSpec().withSelector(selector(environment))
        .addNewPort().withName("postgres").withPort(5432).withTargetPort(new IntOrString("postgres")).endPort()
        .endSpec()
        .build();
    return OwnerReferences.controlledBy(s, environment);
  }

  private static Map<String, String> selector(Environment environment) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(Labels.PROJECT, environment.getSpec().getProject());
    m.put(Labels.ENVIRONMENT, environment.getSpec().getEnvironment());
    m.put(Labels.COMPONENT, "database");
    return m;
  }

  /** Server-side apply, skipped when the object carries the hash of exactly this desired state. */
  private void apply(HasMetadata desired) {
    String hash = hash(desired);
    desired.getMetadata().setAnnotations(new LinkedHashMap<>(Map.of(HASH, hash)));
    HasMetadata existing = client.resource(desired).get();
    if (existing != null && existing.getMetadata().getAnnotations() != null
        && Objects.equals(hash, existing.getMetadata().getAnnotations().get(HASH))) {
      return;
    }
    client.resource(desired).forceConflicts().serverSideApply();
  }

  static String hash(HasMetadata o) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(Serialization.asJson(o).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
