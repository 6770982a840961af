package dev.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.tools.jib.api.JibContainer;
import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Phase;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.LeaseSettings;
import dev.slipway.database.shared.SharedPostgresProvisioner;
import dev.slipway.git.SourceCredentialsPolicy;
import dev.slipway.image.OperatorImage;
import dev.slipway.testing.git.GitHttpServer;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator as a platform team runs it, on the real node: its own image (jib, on the jlinked
 * base image built here) in two pods that {@code helm install} made from {@code helm/slipway}, in
 * a namespace that enforces Pod Security {@code restricted}; the chart's package index filled by
 * upload; a shared Postgres; Git over https behind the project's test CA. Then the golden path's
 * essentials driven by this in-cluster operator, every pod it made checked against
 * {@code restricted}, {@code helm upgrade} to another digest while the sites run (no application
 * pod restarts, no write but the Lease's), the leader killed (the other replica takes over), and
 * {@code helm uninstall} (what stays, what goes). The README's "Installing on a real cluster" is
 * these steps.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeHelmIT {

  private static final String RELEASE = "slipway";
  private static final String SYSTEM = "slipway-system";
  private static final String TEAM = "team-a";
  private static final String BASE_DOMAIN = "apps.example.com";
  private static final String OPERATOR_USER = "system:serviceaccount:" + SYSTEM + ":" + RELEASE;
  private static final Duration BUILD = Duration.ofMinutes(8);
  private static final Duration ROLLOUT = Duration.ofMinutes(4);

  private static RealNode node;
  private static KubernetesClient client;
  private static Helm helm;
  private static LocalPostgres postgres;
  private static GitHttpServer git;
  private static GitRemote remote;
  private static String repository;
  private static String firstDigest;
  private static String secondDigest;
  private static Path values;
  private static boolean installed;

  @BeforeAll
  static void start() throws Exception {
    node = RealNode.get();
    client = node.client();
    node.platform(); // the runtime image, the package index image and the wheels builds need
    helm = Helm.on(node);
    repository = node.registryFromHost() + "/slipway/operator";
    Instant began = Instant.now();
    firstDigest = operatorImage("helm-1", "1");
    System.out.printf("helm: operator image %s@%s on %s, built and pushed with jib in %.1f s%n", repository, firstDigest,
        node.operatorBaseImage(), Duration.between(began, Instant.now()).toMillis() / 1000.0);

    // The namespaces, as the README has the platform team make them.
    kubectl("create", "namespace", SYSTEM);
    kubectl("label", "namespace", SYSTEM, "pod-security.kubernetes.io/enforce=restricted",
        "pod-security.kubernetes.io/warn=restricted", "pod-security.kubernetes.io/audit=restricted");
    kubectl("create", "namespace", TEAM);
    kubectl("label", "namespace", TEAM, "pod-security.kubernetes.io/enforce=baseline",
        "pod-security.kubernetes.io/warn=restricted", "pod-security.kubernetes.io/audit=restricted");
    await().atMost(Duration.ofSeconds(30)).until(() -> client.serviceAccounts().inNamespace(TEAM).withName("default").get() != null);

    postgres = LocalPostgres.start(node.nodeIp(), node.podCidr());
    client.resource(postgres.adminSecret("shared-db", SYSTEM)).create();
    kubectl("-n", SYSTEM, "create", "configmap", "git-ca", "--from-file=ca.crt=" + node.testCaCertificate());
    String uploadPassword = UUID.randomUUID().toString();
    kubectl("-n", SYSTEM, "create", "secret", "generic", "slipway-package-index-uploaders",
        "--from-literal=htpasswd=uploader:" + run("openssl", "passwd", "-6", uploadPassword).trim());
    Files.writeString(node.stateDir().resolve("helm-upload-password"), uploadPassword);

    git = GitHttpServer.https("builder", "git-password-" + UUID.randomUUID(), node.nodeIp(), node.testCaCertificate(), node.testCaKey());
    remote = new GitRemote("shop");
    values = helm.valuesFile("values.yaml", valuesYaml(firstDigest));
  }

  @AfterAll
  static void stop() {
    try {
      if (installed) {
        helm.run("uninstall", RELEASE, "-n", SYSTEM, "--wait");
      }
      // No operator runs now: let the Environments and the namespaces go without it.
      for (Environment e : client.resources(Environment.class).inNamespace(TEAM).list().getItems()) {
        client.resource(e).edit(x -> {
          x.getMetadata().setFinalizers(List.of());
          return x;
        });
      }
      client.namespaces().withName(TEAM).delete();
      client.namespaces().withName(SYSTEM).delete();
    } catch (RuntimeException e) {
      System.out.println("helm: cleanup: " + e);
    }
    for (AutoCloseable c : new AutoCloseable[] {git, remote, postgres}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  // --- install -------------------------------------------------------------------------------

  @Test
  @Order(1)
  void helmInstallRunsTwoNonRootReplicasUnderRestrictedOneLeadingAndTheirMetricsThroughTheService() throws Exception {
    System.out.println("helm: values.yaml\n" + Files.readString(values));
    Instant began = Instant.now();
    helm.ok("install", RELEASE, "helm/slipway", "-n", SYSTEM, "-f", values.toString(), "--wait", "--timeout", "5m");
    installed = true;
    Duration install = Duration.between(began, Instant.now());

    Deployment operator = client.apps().deployments().inNamespace(SYSTEM).withName(RELEASE).get();
    assertThat(operator.getStatus().getReadyReplicas()).isEqualTo(2);
    List<Pod> pods = operatorPods();
    assertThat(pods).hasSize(2);
    for (Pod pod : pods) {
      Container c = pod.getSpec().getContainers().get(0);
      assertThat(c.getImage()).isEqualTo(repository + "@" + firstDigest);
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(javaProcess(pod.getMetadata().getName()).uid()).as("the JVM's uid on this machine").isEqualTo(65532);
    }
    String leader = leaseHolder();
    assertThat(pods).extracting(p -> p.getMetadata().getName()).contains(leader);
    for (Pod pod : pods) {
      StartUp s = startUp(pod);
      System.out.printf("helm: pod %s%s: image pulled in %s, JVM started in %d ms, pod created -> Ready %d s, RSS %d MiB, "
          + "heap at most %d MiB, non-heap committed %d MiB, memory limit %s%n",
          pod.getMetadata().getName(), pod.getMetadata().getName().equals(leader) ? " (leader)" : "", s.pull(), s.jvmMillis(),
          s.toReady().toSeconds(), javaProcess(pod.getMetadata().getName()).rssKib() / 1024, s.heapMaxMib(),
          nonHeapCommittedMib(pod), pod.getSpec().getContainers().get(0).getResources().getLimits().get("memory"));
    }
    System.out.printf("helm: helm install --wait took %.1f s; the Lease is held by %s%n", install.toMillis() / 1000.0, leader);

    // Prometheus scrapes the Service's endpoints: both replicas answer, the leader with reconcile metrics.
    EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace(SYSTEM)
        .withLabel("kubernetes.io/service-name", RELEASE + "-metrics").list().getItems().get(0);
    assertThat(slice.getEndpoints()).hasSize(2).allMatch(e -> Boolean.TRUE.equals(e.getConditions().getReady()));
    for (var endpoint : slice.getEndpoints()) {
      String metrics = get("http://" + endpoint.getAddresses().get(0) + ":" + slice.getPorts().get(0).getPort() + "/metrics");
      assertThat(metrics).contains("jvm_memory_used_bytes");
      String name = endpoint.getTargetRef().getName();
      System.out.printf("helm: /metrics of %s through the Service's endpoints: %d lines%s%n", name, metrics.split("\n").length,
          name.equals(leader) ? ", reconcile metrics among them" : "");
    }
    String clusterIp = client.services().inNamespace(SYSTEM).withName(RELEASE + "-metrics").get().getSpec().getClusterIP();
    assertThat(get("http://" + clusterIp + ":8080/metrics")).contains("jvm_memory_used_bytes");

    // The chart's package index: filled by upload, as the chart's README has it.
    String uploaded = uploadWheels();
    System.out.println("helm: package index: " + uploaded.replace('\n', ' '));
  }

  // --- the golden path's essentials ----------------------------------------------------------

  @Test
  @Order(2)
  void aProjectIsBuiltMigratedAndServedAndLiveDeployedByTheInClusterOperator() throws Exception {
    String commit = remote.commit("develop", node.boilerplate("minimal"), "the minimal boilerplate");
    client.resource(new SecretBuilder().withNewMetadata().withName("shop-git").withNamespace(TEAM)
        .addToLabels(SourceCredentialsPolicy.LABEL, "true").endMetadata()
        .addToStringData("username", git.username()).addToStringData("password", git.password()).build()).create();
    Path project = helm.valuesFile("shop.yaml", projectYaml());
    System.out.println("helm: kubectl apply -f shop.yaml\n" + Files.readString(project));
    kubectl("apply", "-f", project.toString());

    Environment test = Environments.await(client, TEAM, "shop-test", BUILD.plus(ROLLOUT), e -> phase(e) == Phase.Ready || phase(e) == Phase.Failed);
    assertThat(test.getStatus().getPhase()).as(describe(test)).isEqualTo(Phase.Ready);
    String digest = node.registryDigest("slipway/" + TEAM + "/shop", commit).orElseThrow();
    assertThat(test.getStatus().getImage()).isEqualTo(node.registryFromPods() + "/slipway/" + TEAM + "/shop@" + digest);
    String database = SharedPostgresProvisioner.databaseName(TEAM, "shop", "test");
    try (Connection c = postgres.connect(database, postgres.adminUser(), postgres.adminPassword()); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM django_migrations WHERE app = 'pages'")) {
      rs.next();
      assertThat(rs.getInt(1)).as("the release Job migrated shop-test's database").isPositive();
    }
    assertThat(node.ingressGetOk("shop-test." + BASE_DOMAIN, "/", Duration.ofSeconds(60)).body()).contains("It works.");

    Environments.annotate(client, TEAM, "shop-live", Annotations.DEPLOY, "release-1");
    Environment live = Environments.await(client, TEAM, "shop-live", ROLLOUT, e -> phase(e) == Phase.Ready);
    assertThat(live.getStatus().getImage()).isEqualTo(test.getStatus().getImage());
    assertThat(node.ingressGetOk("shop-live." + BASE_DOMAIN, "/", Duration.ofSeconds(60)).body()).contains("It works.");
    System.out.println("helm: the in-cluster operator built " + commit.substring(0, 12) + " with Kaniko, migrated and served it: digest "
        + digest + " (the registry's) on shop-test and, after one deploy, on shop-live, both through the ingress");
  }

  @Test
  @Order(3)
  void everyPodTheOperatorMadePassesRestrictedExceptKanikosBuildContainerWhichPassesBaseline() {
    String scratch = "psa-restricted-" + UUID.randomUUID().toString().substring(0, 6);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(scratch)
        .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> client.serviceAccounts().inNamespace(scratch).withName("default").get() != null);
      Map<String, String> verdicts = new TreeMap<>();
      for (Pod pod : client.pods().inNamespace(TEAM).list().getItems()) {
        String component = Optional.ofNullable(pod.getMetadata().getLabels()).map(l -> l.get("slipway.dev/component")).orElse("?");
        verdicts.merge(component, admittedUnderRestricted(pod, scratch), (a, b) -> a.equals(b) ? a : a + "; " + b);
      }
      System.out.println("helm: the operator's pods in " + TEAM + " against Pod Security restricted: " + verdicts);
      assertThat(verdicts).containsKeys("build", "migrate", "web");
      verdicts.forEach((component, verdict) -> {
        if (component.equals("build")) {
          assertThat(verdict).as("Kaniko runs as root").contains("runAsNonRoot");
        } else {
          assertThat(verdict).as(component).isEqualTo("admitted");
        }
      });
    } finally {
      client.namespaces().withName(scratch).delete();
    }
  }

  // --- upgrade, failover, uninstall ----------------------------------------------------------

  @Test
  @Order(4)
  void helmUpgradeToAnotherDigestRestartsNoApplicationPodAndTheOperatorWritesOnlyItsLease() throws Exception {
    secondDigest = operatorImage("helm-2", "2");
    assertThat(secondDigest).isNotEqualTo(firstDigest);
    Map<String, String> sitePods = sitePods();
    AuditLog audit = new AuditLog(node.auditLog());
    long mark = audit.mark();
    String before = leaseHolder();
    Instant began = Instant.now();
    helm.ok("upgrade", RELEASE, "helm/slipway", "-n", SYSTEM, "-f", values.toString(), "--set", "image.digest=" + secondDigest,
        "--wait", "--timeout", "5m");
    Duration upgrade = Duration.between(began, Instant.now());
    await().atMost(Duration.ofMinutes(2)).until(() -> operatorPods().stream().map(Pod::getMetadata).map(m -> m.getName())
        .toList().contains(leaseHolder()));
    String after = leaseHolder();
    assertThat(operatorPods()).hasSize(2)
        .allMatch(p -> p.getSpec().getContainers().get(0).getImage().equals(repository + "@" + secondDigest));
    Thread.sleep(30_000); // the new leader has reconciled everything again by now
    List<AuditLog.Write> writes = audit.writesSince(mark, OPERATOR_USER);
    Map<String, Long> byResource = writes.stream().collect(Collectors.groupingBy(
        w -> w.resource() + (w.subresource() == null ? "" : "/" + w.subresource()), TreeMap::new, Collectors.counting()));
    System.out.printf("helm: helm upgrade to %s took %.1f s; the Lease went from %s to %s; the operator's writes meanwhile "
        + "(and 30 s after): %s%n", secondDigest, upgrade.toMillis() / 1000.0, before, after, byResource);
    // A SelfSubjectRulesReview (each replica's start-up check of its own RBAC) is a create that
    // stores nothing: the API server answers it and keeps no object.
    assertThat(writes).as("writes of the operator besides its Lease")
        .allMatch(w -> w.resource().equals("leases") || w.resource().equals("selfsubjectrulesreviews"));
    assertThat(sitePods()).as("the sites' pods (name -> uid:restarts) are the same").isEqualTo(sitePods);
    for (Pod pod : operatorPods()) {
      StartUp s = startUp(pod);
      System.out.printf("helm: upgraded pod %s: image pulled in %s, JVM started in %d ms, created -> Ready %d s%n",
          pod.getMetadata().getName(), s.pull(), s.jvmMillis(), s.toReady().toSeconds());
    }
  }

  @Test
  @Order(5)
  void killingTheLeaderHandsTheLeaseToAnotherProcessWithinTheLeaseWhichKeepsReconciling() throws Exception {
    String killedHolder = leaseHolderIdentity();
    String leader = LeaseSettings.replicaOf(killedHolder);
    JavaProcess jvm = javaProcess(leader);
    Instant killed = Instant.now();
    run("kill", "-KILL", Long.toString(jvm.pid()));
    // The standby and the killed pod's restarted container both wait for the Lease to run out
    // (the holder identity is new for each process); whichever asks first after that leads.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      String holder = leaseHolderIdentity();
      return holder != null && !holder.equals(killedHolder);
    });
    Duration failover = Duration.between(killed, Instant.now());
    String newLeader = leaseHolder();
    System.out.printf("helm: SIGKILL to the leader %s's JVM: %s (%s) holds the Lease %.1f s later (lease 15 s, retry 2 s)%n",
        leader, newLeader, newLeader.equals(leader) ? "its restarted container" : "the standby", failover.toMillis() / 1000.0);
    assertThat(failover).as("the Lease runs out before anyone else may take it").isGreaterThan(Duration.ofSeconds(10));
    assertThat(failover).isLessThan(Duration.ofSeconds(15 + 5 + 5));

    // The new leader reconciles: live gets a second replica.
    Project shop = client.resources(Project.class).inNamespace(TEAM).withName("shop").get();
    client.resource(shop).edit(p -> {
      p.getSpec().getEnvironments().stream().filter(e -> e.getName().equals("live")).forEach(e -> e.setReplicas(2));
      return p;
    });
    await().atMost(ROLLOUT).until(() -> {
      Deployment d = client.apps().deployments().inNamespace(TEAM).withName("shop-live").get();
      return d.getSpec().getReplicas() == 2 && Integer.valueOf(2).equals(d.getStatus().getReadyReplicas());
    });
    Environments.await(client, TEAM, "shop-live", ROLLOUT, e -> phase(e) == Phase.Ready);
    await().atMost(Duration.ofMinutes(2)).until(() -> client.pods().inNamespace(SYSTEM).withName(leader).get()
        .getStatus().getContainerStatuses().stream().allMatch(c -> Boolean.TRUE.equals(c.getReady()) && c.getRestartCount() == 1));
    assertThat(operatorPods()).extracting(p -> p.getMetadata().getName()).contains(leaseHolder());
    System.out.println("helm: " + newLeader + " scaled shop-live to 2; " + leader + " came back (restart 1)");
  }

  @Test
  @Order(6)
  void helmUninstallRemovesTheOperatorAndKeepsTheCrdsProjectsRunningSitesAndTheIndexVolume() throws Exception {
    helm.ok("uninstall", RELEASE, "-n", SYSTEM, "--wait");
    installed = false;
    Map<String, Boolean> kept = new LinkedHashMap<>();
    kept.put("CRD projects.slipway.dev", crd("projects.slipway.dev"));
    kept.put("CRD environments.slipway.dev", crd("environments.slipway.dev"));
    kept.put("Project team-a/shop", client.resources(Project.class).inNamespace(TEAM).withName("shop").get() != null);
    kept.put("Environments shop-test, shop-live", client.resources(Environment.class).inNamespace(TEAM).list().getItems().size() == 2);
    kept.put("Deployment shop-live (2 ready)", Integer.valueOf(2).equals(
        client.apps().deployments().inNamespace(TEAM).withName("shop-live").get().getStatus().getReadyReplicas()));
    kept.put("shop-live's page through the ingress",
        node.ingressGetOk("shop-live." + BASE_DOMAIN, "/", Duration.ofSeconds(30)).body().contains("It works."));
    kept.put("PVC slipway-package-index (helm.sh/resource-policy: keep)",
        client.persistentVolumeClaims().inNamespace(SYSTEM).withName(RELEASE + "-package-index").get() != null);
    kept.put("Lease slipway-operator (the operator's, not the chart's)",
        client.resources(Lease.class).inNamespace(SYSTEM).withName("slipway-operator").get() != null);
    Map<String, Boolean> gone = new LinkedHashMap<>();
    gone.put("Deployment slipway", client.apps().deployments().inNamespace(SYSTEM).withName(RELEASE).get() == null);
    gone.put("operator pods", operatorPods().isEmpty());
    gone.put("Service slipway-metrics", client.services().inNamespace(SYSTEM).withName(RELEASE + "-metrics").get() == null);
    gone.put("ServiceAccount slipway", client.serviceAccounts().inNamespace(SYSTEM).withName(RELEASE).get() == null);
    gone.put("Role slipway in team-a", client.rbac().roles().inNamespace(TEAM).withName(RELEASE).get() == null);
    gone.put("Role slipway-leader-election", client.rbac().roles().inNamespace(SYSTEM).withName(RELEASE + "-leader-election").get() == null);
    gone.put("package index Deployment and Service",
        client.apps().deployments().inNamespace(SYSTEM).withName(RELEASE + "-package-index").get() == null
            && client.services().inNamespace(SYSTEM).withName(RELEASE + "-package-index").get() == null);
    System.out.println("helm: after helm uninstall, kept: " + kept + "; gone: " + gone);
    assertThat(kept).allSatisfy((what, yes) -> assertThat(yes).as(what).isTrue());
    assertThat(gone).allSatisfy((what, yes) -> assertThat(yes).as(what).isTrue());
    assertThat(Environments.get(client, TEAM, "shop-live").getMetadata().getFinalizers())
        .as("Environments keep their finalizer: delete Projects before uninstalling to remove sites and databases").isNotEmpty();
  }

  // --- helpers -------------------------------------------------------------------------------

  private static String valuesYaml(String digest) {
    return String.join("\n",
        "image:",
        "  repository: " + repository,
        "  digest: " + digest,
        "replicaCount: 2",
        "watchNamespaces: [" + TEAM + "]",
        "registry:",
        "  url: " + node.registryFromPods() + "/slipway",
        "  insecure: true",
        "build:",
        "  kanikoImage: " + node.kanikoImage(),
        "  gitImage: " + node.gitImage(),
        "  runtimeImage: " + node.runtimeImage(),
        "source:",
        "  caConfigMap: git-ca",
        "  pollInterval: 10s",
        "database:",
        "  mode: shared",
        "  shared:",
        "    secretName: shared-db",
        "  localPostgresImage: " + node.postgresImage(),
        "ingress:",
        "  baseDomain: " + BASE_DOMAIN,
        "  className: " + node.ingressClass(),
        "packageIndex:",
        "  enabled: true",
        "  image:",
        "    repository: " + node.packageIndexImage().substring(0, node.packageIndexImage().indexOf('@')),
        "    digest: " + node.packageIndexImage().substring(node.packageIndexImage().indexOf('@') + 1),
        "  uploadCredentialsSecret: slipway-package-index-uploaders",
        "");
  }

  private static String projectYaml() {
    return String.join("\n",
        "apiVersion: slipway.dev/v1alpha1",
        "kind: Project",
        "metadata:",
        "  name: shop",
        "  namespace: " + TEAM,
        "spec:",
        "  source:",
        "    url: " + git.url(remote),
        "    credentialsSecret: shop-git",
        "  boilerplate: minimal",
        "  database:",
        "    mode: shared",
        "  environments:",
        "  - name: test",
        "    branch: develop",
        "    autoDeploy: true",
        "  - name: live",
        "    promoteFrom: test",
        "");
  }

  /** The operator image on the node's base, pushed to the node's registry; its digest. */
  private static String operatorImage(String tag, String revision) throws Exception {
    JibContainer built = OperatorImage.build(node.repoRootPath().resolve("operator/target/slipway-operator.jar"),
        node.operatorBaseImage(), repository + ":" + tag, null, true, Map.of("org.opencontainers.image.revision", revision));
    return built.getDigest().toString();
  }

  /** Every file of the platform's index, uploaded into the chart's through a port-forward to its Service. */
  private static String uploadWheels() throws Exception {
    await().atMost(Duration.ofMinutes(2)).until(() -> {
      var d = client.apps().deployments().inNamespace(SYSTEM).withName(RELEASE + "-package-index").get();
      return d != null && Integer.valueOf(1).equals(d.getStatus().getReadyReplicas());
    });
    Path files = node.stateDir().resolve("platform-state/platform/index-data");
    List<String> command = new ArrayList<>(List.of("python3", node.repoRootPath().resolve("e2e/node/package-index/upload.py").toString()));
    try (LocalPortForward forward = client.services().inNamespace(SYSTEM).withName(RELEASE + "-package-index").portForward(8080)) {
      command.addAll(List.of("--url", "http://127.0.0.1:" + forward.getLocalPort() + "/", "--user", "uploader",
          "--password-file", node.stateDir().resolve("helm-upload-password").toString()));
      try (Stream<Path> list = Files.list(files)) {
        list.sorted().forEach(f -> command.add(f.toString()));
      }
      return run(command.toArray(String[]::new));
    }
  }

  private static List<Pod> operatorPods() {
    return client.pods().inNamespace(SYSTEM).withLabel("app.kubernetes.io/instance", RELEASE)
        .withLabel("app.kubernetes.io/component", "operator").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** The replica (pod) holding the Lease. */
  private static String leaseHolder() {
    return LeaseSettings.replicaOf(leaseHolderIdentity());
  }

  /** The Lease's holder: the pod and the process in it. */
  private static String leaseHolderIdentity() {
    Lease lease = client.resources(Lease.class).inNamespace(SYSTEM).withName("slipway-operator").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** The web pods of the sites: name -> uid and restarts. */
  private static Map<String, String> sitePods() {
    Map<String, String> pods = new TreeMap<>();
    for (Pod p : client.pods().inNamespace(TEAM).withLabel("slipway.dev/component", "web").list().getItems()) {
      int restarts = p.getStatus().getContainerStatuses().stream().mapToInt(ContainerStatus::getRestartCount).sum();
      pods.put(p.getMetadata().getName(), p.getMetadata().getUid() + ":" + restarts);
    }
    assertThat(pods).isNotEmpty();
    return pods;
  }

  /** What a copy of the pod gets from Pod Security admission in a namespace enforcing restricted. */
  private static String admittedUnderRestricted(Pod pod, String namespace) {
    Pod copy = new PodBuilder().withNewMetadata().withGenerateName("psa-").withNamespace(namespace).endMetadata()
        .withSpec(pod.getSpec()).build();
    copy.getSpec().setNodeName(null);
    try {
      client.pods().inNamespace(namespace).resource(copy).dryRun().create();
      return "admitted";
    } catch (KubernetesClientException e) {
      String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
      return message.substring(message.indexOf("violates") >= 0 ? message.indexOf("violates") : 0);
    }
  }

  private record StartUp(String pull, long jvmMillis, Duration toReady, long heapMaxMib) {}

  private static final Pattern STARTED = Pattern.compile("started in (\\d+) ms, heap at most (\\d+) MiB");
  private static final Pattern PULLED = Pattern.compile("Successfully pulled image \"[^\"]+\" in ([0-9.]+m?s)");

  /** From the pod's Events, its log and its Ready condition. */
  private static StartUp startUp(Pod pod) {
    String name = pod.getMetadata().getName();
    String pull = client.v1().events().inNamespace(SYSTEM).withField("involvedObject.name", name).list().getItems().stream()
        .map(Event::getMessage).map(PULLED::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst()
        .orElse("(already present)");
    String log = client.pods().inNamespace(SYSTEM).withName(name).getLog();
    Matcher started = STARTED.matcher(log);
    assertThat(started.find()).as("the operator's log says how long it took to start:\n" + log).isTrue();
    Pod current = client.pods().inNamespace(SYSTEM).withName(name).get();
    Instant created = Instant.parse(current.getMetadata().getCreationTimestamp());
    Instant ready = current.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready"))
        .map(PodCondition::getLastTransitionTime).map(Instant::parse).findFirst().orElseThrow();
    return new StartUp(pull, Long.parseLong(started.group(1)), Duration.between(created, ready), Long.parseLong(started.group(2)));
  }

  /** Sum of jvm_memory_committed_bytes{area="nonheap"} on the pod's /metrics, in MiB. */
  private static long nonHeapCommittedMib(Pod pod) throws IOException, InterruptedException {
    String metrics = get("http://" + pod.getStatus().getPodIP() + ":8080/metrics");
    double bytes = metrics.lines().filter(l -> l.startsWith("jvm_memory_committed_bytes{") && l.contains("area=\"nonheap\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    return (long) (bytes / (1 << 20));
  }

  private record JavaProcess(long pid, int uid, long rssKib) {}

  /** The operator's JVM on this machine (the node's containers are processes here), by its POD_NAME. */
  private static JavaProcess javaProcess(String podName) throws IOException {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs.filter(p -> p.getFileName().toString().matches("\\d+"))::iterator) {
        try {
          String cmdline = Files.readString(proc.resolve("cmdline"), StandardCharsets.ISO_8859_1);
          if (!cmdline.contains("/app/slipway-operator.jar")
              || !Files.readString(proc.resolve("environ"), StandardCharsets.ISO_8859_1).contains("\0POD_NAME=" + podName + "\0")) {
            continue;
          }
          String status = Files.readString(proc.resolve("status"));
          return new JavaProcess(Long.parseLong(proc.getFileName().toString()), Integer.parseInt(field(status, "Uid").split("\\s+")[0]),
              Long.parseLong(field(status, "VmRSS").split("\\s+")[0]));
        } catch (IOException gone) {
          // the process ended while we looked
        }
      }
    }
    throw new AssertionError("no JVM of pod " + podName + " on this machine");
  }

  private static String field(String status, String name) {
    return status.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow().substring(name.length() + 1).trim();
  }

  private static boolean crd(String name) {
    return client.apiextensions().v1().customResourceDefinitions().withName(name).get() != null;
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
        .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.body();
  }

  private static void kubectl(String... args) {
    LocalControlPlane.CommandResult r = node.kubectl(args);
    assertThat(r.exitCode()).as("kubectl " + String.join(" ", args) + ":\n" + r.output()).isZero();
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", command) + ":\n" + out).isZero();
    return out;
  }

  private static Phase phase(Environment e) {
    return e == null || e.getStatus() == null ? null : e.getStatus().getPhase();
  }

  private static String describe(Environment e) {
    return e.getMetadata().getName() + " " + phase(e) + " " + (e.getStatus() == null ? "no status" : e.getStatus().getConditions());
  }
}
