package dev.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.DatabaseMode;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import dev.slipway.database.CredentialsSecret;
import dev.slipway.database.shared.SharedPostgresProvisioner;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.testing.git.GitHttpServer;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * GitOps with Flux, for real: source-controller and kustomize-controller built from their Go
 * modules ({@link FluxControllers}) apply Projects from a Git repository served over smart HTTP
 * on the node's address; Slipway builds them with Kaniko, migrates a shared Postgres database and
 * serves them through the ingress. A plain {@code wait: true} Kustomization turns Ready only once
 * every Environment is Ready (the Kustomization reads the Project with kstatus: Reconciling,
 * Stalled, observedGeneration); a commit changing the env rolls out before it turns Ready again; a
 * build that fails makes it fail early, naming the Project that is Stalled; a commit removing the
 * Project prunes it, and the database's deletion policy (Retain) is honoured. In a quiet minute
 * neither Flux nor Slipway writes the Project or its Environments (audit log). Before any of
 * that, with no operator running, Kustomizations with and without the shipped healthCheckExprs
 * (helm/slipway/extras/flux-kustomization.yaml) stay not Ready. Every wait is bounded.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeFluxIT {

  private static final String BASE_DOMAIN = "apps.test";
  private static final Duration NO_OPERATOR_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration CONVERGE = Duration.ofMinutes(15);
  private static final String KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/v1";
  private static final String SOURCE_API = "source.toolkit.fluxcd.io/v1";

  private static RealNode node;
  private static KubernetesClient client;
  private static FluxControllers flux;
  private static LocalPostgres postgres;
  private static GitHttpServer git;
  private static GitRemote gitops;
  private static GitRemote site;
  private static String siteCommit;
  private static RunningOperator operator;
  private static AuditLog audit;
  private static String n;
  private static String unwatched;

  @BeforeAll
  static void start() throws Exception {
    node = RealNode.get();
    client = node.client();
    audit = new AuditLog(node.stateDir().resolve("audit.log"));
    String id = UUID.randomUUID().toString().substring(0, 6);
    n = "gitops-" + id;
    unwatched = "gitops-unwatched-" + id;
    for (String ns : List.of(n, unwatched)) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    await("the default ServiceAccount in " + n, Duration.ofSeconds(30),
        () -> client.serviceAccounts().inNamespace(n).withName("default").get() != null);
    flux = FluxControllers.start(node);
    postgres = LocalPostgres.start(node.nodeIp(), node.podCidr());
    client.resource(postgres.adminSecret("shared-db", n)).create();

    git = GitHttpServer.anonymous(node.nodeIp());
    // The application: a tiny web server on the OS image, and one that does not build.
    site = new GitRemote("site");
    siteCommit = site.commit("develop", Map.of(
        "Dockerfile", "FROM " + node.osBaseImage() + "\nCOPY server.py /app/server.py\nUSER 10001:10001\n"
            + "CMD [\"python3\", \"/app/server.py\"]\n",
        "server.py", SERVER), "a page that says GREETING");
    site.commit("broken", Map.of("Dockerfile", "FROM " + node.gitImage() + "\nRUN echo 'the build breaks here' && exit 3\n"),
        "a Dockerfile that fails");
    gitops = new GitRemote("gitops");
    gitops.commit("main", Map.of(
        "projects/marker.yaml", configMap("projects-marker", n),
        "early-plain/unseen.yaml", project("unseen", unwatched, List.of("test"), "develop", "never reconciled"),
        "early-exprs/early.yaml", project("early", n, List.of("test"), "develop", "early")), "the repository, with no operator running");
    client.resource(yaml("""
        apiVersion: %s
        kind: GitRepository
        metadata: {name: gitops, namespace: flux-system}
        spec:
          interval: 5s
          url: %s
          ref: {branch: main}
        """.formatted(SOURCE_API, git.url(gitops)))).serverSideApply();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      for (String name : List.of("projects", "early-exprs", "early-plain")) {
        kustomization(name).delete();
      }
      FluxControllers.object(client, SOURCE_API, "GitRepository", "gitops").delete();
    }
    if (flux != null) {
      flux.close();
    }
    if (operator != null) {
      operator.close();
    }
    if (client != null && n != null) {
      client.namespaces().withName(n).delete();
      client.namespaces().withName(unwatched).delete();
    }
    for (AutoCloseable c : new AutoCloseable[] {git, gitops, site, postgres}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  // --- before any status exists -----------------------------------------------------------------

  /**
   * No operator: the Projects never get a status of Slipway's, and both Kustomizations (plain
   * {@code wait: true}, and the shipped healthCheckExprs) fail their health check at the timeout
   * instead of turning Ready, naming the Project as in progress.
   */
  @Test
  @Order(1)
  void withNoOperatorRunningAWaitingKustomizationStaysNotReady() throws Exception {
    client.resource(kustomizationYaml("early-plain", "./early-plain", NO_OPERATOR_TIMEOUT, false)).serverSideApply();
    client.resource(kustomizationYaml("early-exprs", "./early-exprs", NO_OPERATOR_TIMEOUT, true)).serverSideApply();
    Instant applied = Instant.now();
    Map<String, Condition> failed = new LinkedHashMap<>();
    await("both Kustomizations to fail their health check", Duration.ofMinutes(2), () -> {
      for (String k : List.of("early-plain", "early-exprs")) {
        Optional<Condition> ready = kustomizationCondition(k, "Ready");
        assertThat(ready.map(Condition::getStatus).orElse("Unknown")).as(k + " with no operator running").isNotEqualTo("True");
        ready.filter(c -> "False".equals(c.getStatus()) && "HealthCheckFailed".equals(c.getReason())).ifPresent(c -> failed.put(k, c));
      }
      return failed.size() == 2;
    });
    Project unseen = client.resources(Project.class).inNamespace(unwatched).withName("unseen").get();
    Project early = client.resources(Project.class).inNamespace(n).withName("early").get();
    for (Project p : List.of(unseen, early)) {
      assertThat(p.getMetadata().getGeneration()).isEqualTo(1L);
      assertThat(p.getStatus().getObservedGeneration()).as("the CRD's status default: nobody observed it").isZero();
      assertThat(p.getStatus().getConditions()).isEmpty();
    }
    assertThat(failed.get("early-plain").getMessage()).contains("timeout waiting for")
        .contains("Project/" + unwatched + "/unseen status: 'InProgress'");
    assertThat(failed.get("early-exprs").getMessage()).contains("timeout waiting for")
        .contains("Project/" + n + "/early status: 'InProgress'");
    for (var e : failed.entrySet()) {
      System.out.printf("[flux] no operator: Kustomization %s (%s) Ready=False %s %ds after it was applied: %s%n", e.getKey(),
          e.getKey().equals("early-plain") ? "wait: true" : "wait: true + healthCheckExprs", e.getValue().getReason(),
          Duration.between(applied, Instant.now()).toSeconds(), e.getValue().getMessage());
    }
    System.out.println("[flux] no operator: Projects read status " + Serialization.asJson(unseen.getStatus()) + " at generation 1");
    kustomization("early-plain").delete(); // prunes the Project nobody watches
  }

  // --- with Slipway -------------------------------------------------------------------------------

  /**
   * A commit adds a Project: Flux applies it, Slipway builds, migrates and serves it, and the
   * Kustomization (plain wait: true) turns Ready only after both Environments are Ready. The
   * Kustomization with healthCheckExprs turns Ready too once the early Project is.
   */
  @Test
  @Order(2)
  void aCommitAddingAProjectIsServedAndTheKustomizationWaitsForEveryEnvironment() throws Exception {
    operator = RunningOperator.start(operatorConfig(), node);
    client.resource(kustomizationYaml("projects", "./projects", CONVERGE, false)).serverSideApply();
    await("the Kustomization projects to apply the marker", Duration.ofMinutes(2), () -> readyRevision("projects") != null);

    String commit = gitops.commit("main", Map.of("projects/shop.yaml", project("shop", n, List.of("test", "live"), "develop", "hello")),
        "add the shop Project");
    Timeline t = awaitKustomizationAfterEnvironments("projects", commit, "shop", List.of("shop-test", "shop-live"), "hello");
    t.print("add the Project");
    for (String env : List.of("shop-test", "shop-live")) {
      assertThat(node.ingressGet(env + "." + BASE_DOMAIN, "/", Duration.ofSeconds(5)).body()).isEqualTo("hello from " + env.substring(5) + "\n");
    }
    try (Connection c = postgres.connect(SharedPostgresProvisioner.databaseName(n, "shop", "test"), postgres.adminUser(),
        postgres.adminPassword())) {
      assertThat(c.isValid(5)).as("shop-test's database exists on the shared server").isTrue();
    }
    await("the Kustomization early-exprs (healthCheckExprs) to turn Ready once early is", Duration.ofMinutes(10),
        () -> readyRevision("early-exprs") != null);
    System.out.println("[flux] healthCheckExprs: Kustomization early-exprs Ready once Project early is: "
        + projectCondition("early", ConditionTypes.READY).map(Condition::getMessage).orElse("?"));
  }

  /** A commit changes the Project's env: rolled out to both Environments before the Kustomization turns Ready again. */
  @Test
  @Order(3)
  void aCommitChangingTheEnvIsRolledOutBeforeTheKustomizationIsReady() throws Exception {
    String commit = gitops.commit("main", Map.of("projects/shop.yaml", project("shop", n, List.of("test", "live"), "develop", "hello again")),
        "change GREETING");
    Timeline t = awaitKustomizationAfterEnvironments("projects", commit, "shop", List.of("shop-test", "shop-live"), "hello again");
    t.print("change the env");
    for (String env : List.of("shop-test", "shop-live")) {
      assertThat(node.ingressGet(env + "." + BASE_DOMAIN, "/", Duration.ofSeconds(5)).body()).isEqualTo("hello again from " + env.substring(5) + "\n");
    }
  }

  /** A quiet minute: Flux re-applies (dry runs) every few seconds and Slipway polls, and nobody writes the Project or its Environments. */
  @Test
  @Order(4)
  void inAQuietMinuteNeitherFluxNorSlipwayWritesTheProject() throws Exception {
    String head = gitops.head("main");
    await("everything to have converged: the Kustomization Ready at " + head.substring(0, 7) + ", shop Ready, nothing reconciling",
        CONVERGE, () -> head.equals(readyRevision("projects"))
            && projectCondition("shop", ConditionTypes.READY).filter(c -> "True".equals(c.getStatus())).isPresent()
            && projectCondition("shop", ConditionTypes.RECONCILING).isEmpty()
            && client.apps().deployments().inNamespace(n).list().getItems().stream().filter(d -> d.getMetadata().getName().startsWith("shop-"))
                .allMatch(d -> d.getStatus() != null && d.getStatus().getUpdatedReplicas() != null
                    && d.getStatus().getReplicas().equals(d.getStatus().getUpdatedReplicas())));
    Thread.sleep(5_000); // the last rollout's Events and pod churn settle
    long mark = audit.mark();
    Thread.sleep(60_000);
    Map<String, List<AuditLog.Request>> writes = new TreeMap<>();
    writes.put("projects/shop", audit.writesTo(mark, "projects", n, "shop"));
    for (String env : List.of("shop-test", "shop-live")) {
      writes.put("environments/" + env, audit.writesTo(mark, "environments", n, env));
    }
    for (var e : writes.entrySet()) {
      Map<String, Long> byManager = e.getValue().stream().filter(r -> !r.dryRun())
          .collect(Collectors.groupingBy(r -> r.user() + " (" + r.fieldManager() + ")", TreeMap::new, Collectors.counting()));
      Map<String, Long> dryRuns = e.getValue().stream().filter(AuditLog.Request::dryRun)
          .collect(Collectors.groupingBy(r -> r.user() + " (" + r.fieldManager() + ")", TreeMap::new, Collectors.counting()));
      System.out.printf("[flux] quiet minute: writes on %s by manager: %s (dry-run diffs, which change nothing: %s)%n", e.getKey(),
          byManager.isEmpty() ? "0" : byManager, dryRuns.isEmpty() ? "none" : dryRuns);
    }
    long fluxDiffs = writes.get("projects/shop").stream().filter(r -> r.dryRun() && r.user().equals(FluxControllers.user(FluxControllers.KUSTOMIZE))).count();
    assertThat(fluxDiffs).as("Flux checked the Project for drift during the minute").isPositive();
    writes.values().forEach(list -> assertThat(list.stream().filter(r -> !r.dryRun()).toList()).as("writes in a quiet minute").isEmpty());
  }

  /** A Project whose build fails: Stalled with the build's message, and the Kustomization fails early (not at its timeout). */
  @Test
  @Order(5)
  void aFailingBuildMakesTheKustomizationFailNamingTheStalledProject() throws Exception {
    String commit = gitops.commit("main", Map.of("projects/broken.yaml", project("broken", n, List.of("test"), "broken", "never")),
        "add a Project whose build fails");
    Instant committed = Instant.now();
    Instant[] stalledAt = new Instant[1];
    Condition[] failed = new Condition[1];
    await("the Kustomization to fail its health check on the stalled Project", CONVERGE, () -> {
      if (stalledAt[0] == null && projectCondition("broken", ConditionTypes.STALLED).filter(c -> "True".equals(c.getStatus())).isPresent()) {
        stalledAt[0] = Instant.now();
      }
      GenericKubernetesResource k = kustomization("projects").get();
      Optional<Condition> ready = kustomizationCondition("projects", "Ready");
      if (commitOf(k, "lastAttemptedRevision").equals(commit) && ready.filter(c -> "False".equals(c.getStatus())
          && "HealthCheckFailed".equals(c.getReason())).isPresent()) {
        failed[0] = ready.get();
        return true;
      }
      return false;
    });
    Condition stalled = projectCondition("broken", ConditionTypes.STALLED).orElseThrow();
    assertThat(stalled.getReason()).isEqualTo("BuildFailed");
    assertThat(stalled.getMessage()).startsWith("test: build of " + site.head("broken").substring(0, 7) + " failed").contains("the build breaks here");
    assertThat(failed[0].getMessage()).contains("failed early due to stalled resources").contains("Project/" + n + "/broken status: 'Failed'");
    assertThat(stalledAt[0]).as("Stalled was seen before the Kustomization failed").isNotNull();
    System.out.printf("[flux] failing build: Project broken Stalled %ds after the commit (%s: %s); Kustomization Ready=False %s %ds after"
            + " the commit: %s%n", Duration.between(committed, stalledAt[0]).toSeconds(), stalled.getReason(), oneLine(stalled.getMessage()),
        failed[0].getReason(), Duration.between(committed, Instant.now()).toSeconds(), failed[0].getMessage());
  }

  /** A commit removes both Projects: pruned; their Environments and pods go; the Retain policy keeps the database and its Secret. */
  @Test
  @Order(6)
  void aCommitRemovingTheProjectPrunesItAndHonoursItsDeletionPolicy() throws Exception {
    Map<String, String> removal = new HashMap<>();
    removal.put("projects/shop.yaml", null);
    removal.put("projects/broken.yaml", null);
    String commit = gitops.commit("main", removal, "remove the Projects");
    Instant committed = Instant.now();
    await("the Kustomization to apply the removal", CONVERGE, () -> commit.equals(readyRevision("projects")));
    Duration applied = Duration.between(committed, Instant.now());
    await("shop and broken and their Environments to be gone", Duration.ofMinutes(3), () ->
        client.resources(Project.class).inNamespace(n).withName("shop").get() == null
            && client.resources(Project.class).inNamespace(n).withName("broken").get() == null
            && client.resources(Environment.class).inNamespace(n).list().getItems().stream()
                .noneMatch(e -> e.getMetadata().getName().startsWith("shop-") || e.getMetadata().getName().startsWith("broken-")));
    Duration gone = Duration.between(committed, Instant.now());
    await("shop's Deployments to be gone", Duration.ofMinutes(2), () -> client.apps().deployments().inNamespace(n).list().getItems().stream()
        .noneMatch(d -> d.getMetadata().getName().startsWith("shop-")));
    try (Connection c = postgres.connect("postgres", postgres.adminUser(), postgres.adminPassword());
        PreparedStatement s = c.prepareStatement("SELECT count(*) FROM pg_database WHERE datname = ?")) {
      for (String env : List.of("test", "live")) {
        s.setString(1, SharedPostgresProvisioner.databaseName(n, "shop", env));
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          assertThat(rs.getInt(1)).as("deletionPolicy Retain keeps shop-" + env + "'s database").isEqualTo(1);
        }
      }
    }
    for (String env : List.of("shop-test", "shop-live")) {
      Environment deleted = new Environment();
      deleted.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(env).withNamespace(n).build());
      assertThat(client.secrets().inNamespace(n).withName(CredentialsSecret.name(deleted)).get())
          .as("Retain keeps " + env + "'s credentials Secret").isNotNull();
    }
    System.out.printf("[flux] removal: Kustomization applied the removal %ds after the commit; Projects and Environments gone %ds after it;"
        + " both databases and credentials Secrets kept (deletionPolicy Retain)%n", applied.toSeconds(), gone.toSeconds());
  }

  // --- what the test watches ----------------------------------------------------------------------

  /** When each thing first happened after a commit. */
  private record Timeline(Instant committed, Instant projectObserved, Map<String, Instant> environmentsReady, Instant kustomizationReady) {
    void print(String what) {
      Instant lastEnvironment = environmentsReady.values().stream().max(Instant::compareTo).orElseThrow();
      System.out.printf("[flux] %s: Project observed +%.1fs, %s, Kustomization Ready +%.1fs after the commit: %.1fs after the last"
              + " Environment was Ready%n", what, seconds(projectObserved), environmentsReady.entrySet().stream()
              .map(e -> e.getKey() + " Ready +" + String.format("%.1fs", seconds(e.getValue()))).collect(Collectors.joining(", ")),
          seconds(kustomizationReady), Duration.between(lastEnvironment, kustomizationReady).toMillis() / 1000.0);
    }

    private double seconds(Instant at) {
      return Duration.between(committed, at).toMillis() / 1000.0;
    }
  }

  /**
   * Polls (every 250 ms) the Kustomization, the Project and its Environments until the
   * Kustomization is Ready at {@code commit}; fails at once if it is Ready at that commit while an
   * Environment is not Ready at its current generation or does not run {@code greeting} yet.
   */
  private static Timeline awaitKustomizationAfterEnvironments(String kustomizationName, String commit, String projectName,
      List<String> environments, String greeting) throws InterruptedException {
    Instant committed = Instant.now();
    Instant projectObserved = null;
    Map<String, Instant> ready = new LinkedHashMap<>();
    Instant deadline = committed.plus(CONVERGE);
    while (Instant.now().isBefore(deadline)) {
      Project project = client.resources(Project.class).inNamespace(n).withName(projectName).get();
      if (projectObserved == null && project != null && project.getStatus() != null
          && project.getMetadata().getGeneration().equals(project.getStatus().getObservedGeneration())
          && !project.getStatus().getConditions().isEmpty() && appliedSpecHas(project, greeting)) {
        projectObserved = Instant.now();
      }
      List<String> notReady = new ArrayList<>();
      for (String name : environments) {
        Environment e = client.resources(Environment.class).inNamespace(n).withName(name).get();
        boolean isReady = e != null && e.getStatus() != null && e.getMetadata().getGeneration().equals(e.getStatus().getObservedGeneration())
            && Conditions.isTrue(e.getStatus().getConditions(), ConditionTypes.READY) && runs(e, greeting);
        if (isReady) {
          ready.putIfAbsent(name, Instant.now());
        } else {
          ready.remove(name);
          notReady.add(name + " " + (e == null ? "missing" : e.getStatus() == null ? "no status" : e.getStatus().getPhase()
              + " " + e.getStatus().getConditions().stream().map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason()).toList()));
        }
      }
      if (commit.equals(readyRevision(kustomizationName))) {
        assertThat(notReady).as("the Kustomization is Ready at " + commit.substring(0, 7) + " while these are not (Project status: "
            + (project == null ? "none" : Serialization.asJson(project.getStatus())) + ")").isEmpty();
        assertThat(projectObserved).isNotNull();
        return new Timeline(committed, projectObserved, ready, Instant.now());
      }
      Thread.sleep(250);
    }
    throw new AssertionError("the Kustomization " + kustomizationName + " was not Ready at " + commit + " within " + CONVERGE
        + "; its conditions: " + kustomization(kustomizationName).get().getAdditionalProperties().get("status")
        + "\nProject: " + Serialization.asJson(client.resources(Project.class).inNamespace(n).withName(projectName).get()));
  }

  /** Whether the Project's spec is the one with this greeting (Flux has applied the commit). */
  private static boolean appliedSpecHas(Project project, String greeting) {
    return project.getSpec().getEnv() != null && project.getSpec().getEnv().stream().anyMatch(v -> greeting.equals(v.getValue()));
  }

  /** Whether the Environment's Deployment runs with this greeting (every pod updated: Ready says so). */
  private static boolean runs(Environment e, String greeting) {
    var d = client.apps().deployments().inNamespace(n).withName(e.getMetadata().getName()).get();
    return d != null && d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .anyMatch(v -> "GREETING".equals(v.getName()) && greeting.equals(v.getValue()));
  }

  /** The commit the Kustomization is Ready at (Ready=True for its current spec), or null. */
  private static String readyRevision(String name) {
    GenericKubernetesResource k = kustomization(name).get();
    if (k == null) {
      return null;
    }
    Optional<Condition> ready = kustomizationCondition(name, "Ready");
    Object observed = status(k).get("observedGeneration");
    boolean current = observed != null && ((Number) observed).longValue() == k.getMetadata().getGeneration();
    return current && ready.filter(c -> "True".equals(c.getStatus())).isPresent() ? commitOf(k, "lastAppliedRevision") : null;
  }

  /** "main@sha1:<commit>" as the commit. */
  private static String commitOf(GenericKubernetesResource k, String field) {
    Object revision = k == null ? null : status(k).get(field);
    return revision == null ? "" : revision.toString().substring(revision.toString().lastIndexOf(':') + 1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource k) {
    Object s = k.getAdditionalProperties().get("status");
    return s == null ? Map.of() : (Map<String, Object>) s;
  }

  private static Optional<Condition> kustomizationCondition(String name, String type) {
    GenericKubernetesResource k = kustomization(name).get();
    if (k == null || status(k).get("conditions") == null) {
      return Optional.empty();
    }
    List<Condition> conditions = Serialization.jsonMapper().convertValue(status(k).get("conditions"),
        new com.fasterxml.jackson.core.type.TypeReference<List<Condition>>() {});
    return Conditions.find(conditions, type);
  }

  private static Optional<Condition> projectCondition(String project, String type) {
    Project p = client.resources(Project.class).inNamespace(n).withName(project).get();
    return p == null || p.getStatus() == null ? Optional.empty() : Conditions.find(p.getStatus().getConditions(), type);
  }

  private static io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> kustomization(String name) {
    return FluxControllers.object(client, KUSTOMIZE_API, "Kustomization", name);
  }

  // --- what the repositories hold -------------------------------------------------------------------

  /** Answers every path (the probes' /healthz and /livez too) with GREETING and the environment's name. */
  private static final String SERVER = """
      import http.server, os
      body = ("%s from %s\\n" % (os.environ.get("GREETING", ""), os.environ.get("SLIPWAY_ENVIRONMENT", ""))).encode()
      class Page(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              self.send_response(200)
              self.send_header("Content-Type", "text/plain")
              self.send_header("Content-Length", str(len(body)))
              self.end_headers()
              self.wfile.write(body)
          def log_message(self, *args):
              pass
      http.server.ThreadingHTTPServer(("", int(os.environ.get("SLIPWAY_PORT", "8000"))), Page).serve_forever()
      """;

  /**
   * A Project as a team writes it in its GitOps repository: the shared database with deletionPolicy
   * Retain, a release command, GREETING; test builds {@code branch}, live is promoted from test.
   */
  private static String project(String name, String namespace, List<String> environments, String branch, String greeting) {
    StringBuilder envs = new StringBuilder();
    for (String env : environments) {
      envs.append(env.equals("test")
          ? "  - {name: test, branch: " + branch + ", autoDeploy: true}\n"
          : "  - {name: " + env + ", promoteFrom: test, autoDeploy: true, replicas: 1}\n");
    }
    return """
        apiVersion: slipway.dev/v1alpha1
        kind: Project
        metadata:
          name: %s
          namespace: %s
        spec:
          source:
            url: %s
          database:
            mode: shared
            deletionPolicy: Retain
          release:
            command: [python3, -c, "print('release')"]
          env:
          - {name: GREETING, value: "%s"}
          environments:
        %s""".formatted(name, namespace, git.url(site), greeting, envs);
  }

  private static String configMap(String name, String namespace) {
    return """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: %s, namespace: %s}
        data: {note: "keeps the directory in Git when it holds no Project"}
        """.formatted(name, namespace);
  }

  /**
   * A Kustomization of the repository's {@code path}: {@code wait: true}, pruning, short intervals
   * (so it re-applies, as a drift check, several times a minute); with {@code exprs}, the
   * healthCheckExprs from helm/slipway/extras/flux-kustomization.yaml, as shipped.
   */
  @SuppressWarnings("unchecked")
  private static GenericKubernetesResource kustomizationYaml(String name, String path, Duration timeout, boolean exprs) throws IOException {
    GenericKubernetesResource k = yaml("""
        apiVersion: %s
        kind: Kustomization
        metadata: {name: %s, namespace: flux-system}
        spec:
          interval: 10s
          retryInterval: 10s
          timeout: %ds
          path: %s
          prune: true
          wait: true
          sourceRef: {kind: GitRepository, name: gitops}
        """.formatted(KUSTOMIZE_API, name, timeout.toSeconds(), path));
    if (exprs) {
      GenericKubernetesResource shipped = yaml(Files.readString(node.repoRootPath().resolve("helm/slipway/extras/flux-kustomization.yaml")));
      Object healthCheckExprs = ((Map<String, Object>) shipped.getAdditionalProperties().get("spec")).get("healthCheckExprs");
      assertThat(healthCheckExprs).as("the shipped snippet's healthCheckExprs").isNotNull();
      ((Map<String, Object>) k.getAdditionalProperties().get("spec")).put("healthCheckExprs", healthCheckExprs);
    }
    return k;
  }

  private static GenericKubernetesResource yaml(String text) {
    return Serialization.unmarshal(text, GenericKubernetesResource.class);
  }

  private static OperatorConfig operatorConfig() {
    return OperatorConfig.defaults().toBuilder()
        .watchNamespaces(Set.of(n))
        .httpPort(0)
        .leaderElection(false)
        .leaseNamespace(n)
        .registry(node.registryFromPods() + "/slipway")
        .registryInsecure(true)
        .kanikoImage(node.kanikoImage())
        .gitImage(node.gitImage())
        .runtimeImage(node.osBaseImage())
        .baseDomain(BASE_DOMAIN)
        .ingressClass(node.ingressClass())
        .databaseMode(DatabaseMode.SHARED)
        .sharedDatabaseSecret("shared-db")
        .rolloutDeadline(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(5))
        .build();
  }

  /** A multi-line message (a build's log tail) on one line, its end kept. */
  private static String oneLine(String message) {
    String line = message.replaceAll("\\s*\\n\\s*", " | ");
    return line.length() <= 300 ? line : line.substring(0, 80) + " … " + line.substring(line.length() - 200);
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what);
  }
}
