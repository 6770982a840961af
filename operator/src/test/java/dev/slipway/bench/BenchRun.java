package dev.slipway.bench;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.testing.LocalPostgres;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One benchmark size: N Projects (2 Environments each) through the whole pipeline on a fresh
 * cluster, then the push storm, the deploy storm, single changes, two restarts of a converged
 * operator, and the floor. Returns every figure as a map (written as JSON).
 */
final class BenchRun {

  static final String DEPLOY = "slipway.dev/deploy";
  static final int RECONCILE_THREADS = 50; // SLIPWAY_RECONCILE_THREADS' default
  static final Duration RESYNC_WINDOW = Duration.ofSeconds(75); // SLIPWAY_POLL_INTERVAL's default is 60 s

  private final int n;
  private final Path root;
  private final Path bin;
  private final Path kwok;
  private final Path jar;
  private final Path dir;
  private final int changes;
  private final int sharedSlice;
  private final int restarts;
  private final Map<String, Object> out = new LinkedHashMap<>();
  private final List<String> problems = new ArrayList<>();

  BenchRun(int n, Path root, Path bin, Path kwok, Path jar, Path dir, int changes, int sharedSlice, int restarts) {
    this.restarts = restarts;
    this.n = n;
    this.root = root;
    this.bin = bin;
    this.kwok = kwok;
    this.jar = jar;
    this.dir = dir;
    this.changes = changes;
    this.sharedSlice = sharedSlice;
  }

  private static void log(String fmt, Object... args) {
    System.out.printf("[bench %s] %s%n", Instant.now().toString().substring(11, 19), String.format(fmt, args));
  }

  private Duration timeout(int items) {
    return Duration.ofSeconds(120 + items);
  }

  Map<String, Object> run() throws Exception {
    Files.createDirectories(dir);
    int namespaces = Math.max(2, Math.min(10, n / 20));
    int shared = Math.min(sharedSlice, Math.max(1, n / 5));
    int envs = 2 * n;
    out.put("projects", n);
    out.put("environments", envs);
    out.put("namespaces", namespaces);
    out.put("sharedDatabaseProjects", shared);
    log("N=%d: %d Projects, %d Environments in %d namespaces, %d with a shared database", n, n, envs, namespaces, shared);

    long clusterStart = System.nanoTime();
    try (Cluster cluster = Cluster.start(root, bin, kwok, dir);
         GitDaemon daemon = new GitDaemon();
         LocalPostgres postgres = LocalPostgres.start()) {
      log("cluster up in %d s (control plane, kube-scheduler, kwok with %d fake nodes)", (System.nanoTime() - clusterStart) / 1_000_000_000,
          Cluster.NODES);
      KubernetesClient c = cluster.client;
      for (String ns : namespaceNames(namespaces)) {
        c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
      }
      c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(OperatorProcess.NAMESPACE).endMetadata().build()).create();
      c.secrets().inNamespace(OperatorProcess.NAMESPACE).resource(postgres.adminSecret(OperatorProcess.SHARED_DB_SECRET, OperatorProcess.NAMESPACE))
          .create();

      // --- Git: one bare repository per project, served by git daemon on loopback ------------------------
      List<GitRemote> remotes = new ArrayList<>();
      Map<String, String> firstCommit = new ConcurrentHashMap<>();
      Map<String, String> url = new HashMap<>();
      for (int i = 0; i < n; i++) {
        GitRemote r = new GitRemote(project(i));
        String sha = r.commit("develop", Map.of("Dockerfile", "FROM scratch\nCOPY app.txt /\n", "app.txt", "1\n"), "first");
        firstCommit.put(key(i, namespaces), sha);
        url.put(project(i), daemon.url(r));
        remotes.add(r);
      }

      OperatorProcess operator = OperatorProcess.start(jar, cluster.operatorKubeconfig, dir, "operator-1");
      try (Tracker tracker = new Tracker(c)) {
        operator.awaitReady(Duration.ofMinutes(3));
        log("operator ready (pid %d, leader), heap %s after a full GC with nothing to do", operator.pid(),
            mib(Procs.heapAfterFullGc(operator.pid())));
        out.put("heapIdleBytes", Procs.heapAfterFullGc(operator.pid()));
        ExecutorService pool = Executors.newFixedThreadPool(RECONCILE_THREADS);

        // --- apply: every Project at once; each live Environment gets its first deploy request as soon as it appears
        Map<String, Boolean> requested = new ConcurrentHashMap<>();
        tracker.onAdd(e -> {
          if ("live".equals(Tracker.stage(e)) && requested.putIfAbsent(Tracker.key(e), true) == null) {
            pool.submit(() -> requestDeploy(c, e, "first"));
          }
        });
        Tracker.Goal apply = tracker.begin(envs, e -> true,
            e -> Tracker.readyOn(e, firstCommit.get(e.getMetadata().getNamespace() + "/" + e.getSpec().getProject())));
        double cpuStart = Procs.cpuSeconds(operator.pid());
        Instant applyStart = Instant.now();
        List<Future<?>> creates = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int p = i;
          creates.add(pool.submit(() -> c.resource(projectYaml(p, url.get(project(p)), p < shared)).inNamespace(ns(p, namespaces)).create()));
        }
        for (Future<?> f : creates) {
          f.get();
        }
        log("applied %d Projects in %d ms", n, Duration.between(applyStart, Instant.now()).toMillis());
        boolean applied = tracker.await(apply, timeout(envs), progress(tracker, apply, "apply"));
        Instant applyEnd = Instant.now();
        tracker.onAdd(e -> {});
        recordPhase("apply", apply, applied, envs);
        if (!applied) {
          problems.add("apply: only " + apply.reachedAtMs.size() + " of " + envs + " Environments Ready");
          dumpNotReady(tracker, apply);
        }
        out.put("loadAverageAfterApply", loadAverage());
        out.put("cpuSecondsApply", Procs.cpuSeconds(operator.pid()) - cpuStart);
        out.put("heapAfterApplyBytes", Procs.heapAfterFullGc(operator.pid()));
        out.put("rssAfterApplyBytes", Procs.rssBytes(operator.pid()));
        // let status writes that follow Ready settle before sampling templates and counting
        Thread.sleep(3000);

        // --- push storm: a new commit on every project's develop, announced by the webhook --------------------
        Map<String, String> secondCommit = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
          secondCommit.put(key(i, namespaces), remotes.get(i).commit("develop", Map.of("app.txt", "2\n"), "second"));
        }
        Tracker.Goal push = tracker.begin(n, e -> "test".equals(Tracker.stage(e)),
            e -> Tracker.readyOn(e, secondCommit.get(e.getMetadata().getNamespace() + "/" + e.getSpec().getProject())));
        Instant pushStart = Instant.now();
        List<Future<Integer>> hooks = new ArrayList<>();
        ExecutorService hookPool = Executors.newFixedThreadPool(20);
        OperatorProcess first = operator;
        for (int i = 0; i < n; i++) {
          int p = i;
          hooks.add(hookPool.submit(() -> first.announcePush(ns(p, namespaces), project(p))));
        }
        int accepted = 0;
        for (Future<Integer> f : hooks) {
          accepted += f.get() == 202 ? 1 : 0;
        }
        hookPool.shutdown();
        out.put("webhooksAccepted", accepted);
        boolean pushed = tracker.await(push, timeout(n), progress(tracker, push, "push storm"));
        Instant pushEnd = Instant.now();
        recordPhase("pushStorm", push, pushed, n);
        if (!pushed) {
          problems.add("push storm: only " + push.reachedAtMs.size() + " of " + n + " test Environments rolled out");
          dumpNotReady(tracker, push);
        }

        // --- deploy storm: a deploy request on every live Environment ----------------------------------------
        Tracker.Goal deploy = tracker.begin(n, e -> "live".equals(Tracker.stage(e)),
            e -> Tracker.readyOn(e, secondCommit.get(e.getMetadata().getNamespace() + "/" + e.getSpec().getProject())));
        Instant deployStart = Instant.now();
        List<Future<?>> requests = new ArrayList<>();
        for (Environment e : tracker.all()) {
          if ("live".equals(Tracker.stage(e))) {
            requests.add(pool.submit(() -> requestDeploy(c, e, "storm")));
          }
        }
        for (Future<?> f : requests) {
          f.get();
        }
        boolean deployed = tracker.await(deploy, timeout(n), progress(tracker, deploy, "deploy storm"));
        Instant deployEnd = Instant.now();
        recordPhase("deployStorm", deploy, deployed, n);
        if (!deployed) {
          problems.add("deploy storm: only " + deploy.reachedAtMs.size() + " of " + n + " live Environments rolled out");
          dumpNotReady(tracker, deploy);
        }
        Thread.sleep(3000);
        out.put("heapBytes", Procs.heapAfterFullGc(operator.pid()));
        out.put("rssBytes", Procs.rssBytes(operator.pid()));
        log("heap after full GC %s, RSS %s", mib((long) out.get("heapBytes")), mib((long) out.get("rssBytes")));

        // --- change -> Deployment updated, one change at a time -------------------------------------------------
        Instant changesStart = Instant.now();
        changes(c, namespaces, shared);
        Instant changesEnd = Instant.now();
        out.put("cpuSecondsTotal", Procs.cpuSeconds(operator.pid()) - cpuStart);
        String metrics = operator.metrics();
        Files.writeString(dir.resolve("operator-1.metrics.txt"), metrics);
        out.put("operatorMetrics", Metrics.summary(metrics));

        // --- samples of what the operator wrote, for the floor -------------------------------------------------
        Audit audit = Audit.read(cluster.auditLog);
        List<Audit.Request> applyRequests = audit.between(applyStart, applyEnd);
        List<Audit.Request> applyWrites = Audit.writesWithoutLease(applyRequests);
        out.put("requestsPerEnvironmentApply", perEnvironment(Audit.byVerbAndResource(applyRequests), envs));
        out.put("writesApply", Audit.byVerbAndResource(applyWrites));
        out.put("writesPerEnvironmentApply", round2((double) applyWrites.size() / envs));
        out.put("writesPushStorm", Audit.byVerbAndResource(Audit.writesWithoutLease(audit.between(pushStart, pushEnd))));
        out.put("writesDeployStorm", Audit.byVerbAndResource(Audit.writesWithoutLease(audit.between(deployStart, deployEnd))));
        out.put("requestsPerEnvironmentAll", perEnvironment(Audit.byVerbAndResource(audit.between(applyStart, changesEnd)), envs));
        Map<String, GenericKubernetesResource> templates = new HashMap<>();
        Map<String, Map<String, Object>> statusTemplates = new HashMap<>();
        sampleObjects(c, applyWrites, namespaces, templates, statusTemplates);

        // --- forced resyncs (two by default) of the converged system: the operator restarted, every resource reconciled again
        awaitQuiet(operator, cluster.auditLog, 0, Duration.ZERO); // the last change's rollout finishes first
        List<Map<String, Object>> resyncs = new ArrayList<>();
        for (int r = 2; r <= 1 + restarts; r++) {
          Map<String, String> before = statuses(tracker);
          Instant mark = Instant.now();
          operator.close();
          operator = OperatorProcess.start(jar, cluster.operatorKubeconfig, dir, "operator-" + r);
          operator.awaitReady(Duration.ofMinutes(3));
          // a whole Git poll interval (60 s by default) and more: the pollers' first round is part of a resync
          long reconciles = awaitQuiet(operator, cluster.auditLog, n + envs, RESYNC_WINDOW);
          Instant end = Instant.now();
          Files.writeString(dir.resolve("operator-" + r + ".metrics.txt"), operator.metrics());
          List<Audit.Request> during = Audit.read(cluster.auditLog).between(mark, end);
          List<Audit.Request> writes = Audit.writesWithoutLease(during);
          Map<String, Object> resync = new LinkedHashMap<>();
          resync.put("reconciles", reconciles);
          resync.put("writes", writes.size());
          resync.put("writesByVerbAndResource", Audit.byVerbAndResource(writes));
          resync.put("leaseWrites", during.stream().filter(Audit.Request::isWrite).filter(Audit.Request::isLease).count());
          resync.put("requests", Audit.byVerbAndResource(during));
          resyncs.add(resync);
          log("resync %d (operator restarted): %d reconciles, %d writes besides the Lease %s", r - 1, reconciles, writes.size(),
              writes.isEmpty() ? "" : Audit.byVerbAndResource(writes));
          if (!writes.isEmpty()) {
            writes.stream().limit(10).forEach(w -> log("  resync write: %s %s %s/%s", w.verb(), w.resource(), w.namespace(), w.name()));
            List<String> diffs = statusDiffs(before, statuses(tracker));
            resync.put("statusChanges", diffs.stream().limit(20).toList());
            diffs.stream().limit(5).forEach(d -> log("  status changed: %s", d));
          }
        }
        out.put("resyncs", resyncs);
        out.put("heapAfterRestartBytes", Procs.heapAfterFullGc(operator.pid()));
        operator.close();
        pool.shutdownNow();

        // --- the floor --------------------------------------------------------------------------------------------
        log("floor: %d writes of %d kinds by a bare client with %d threads", applyWrites.size(),
            Audit.byVerbAndResource(applyWrites).size(), RECONCILE_THREADS);
        Floor.Result floor = new Floor(c, templates, statusTemplates, RECONCILE_THREADS, namespaces).run(applyWrites, envs);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("totalMs", floor.totalMs());
        f.put("p50Ms", percentile(floor.unitDoneMs(), 50));
        f.put("p99Ms", percentile(floor.unitDoneMs(), 99));
        f.put("writes", floor.written().values().stream().mapToInt(Integer::intValue).sum());
        f.put("writtenByVerbAndResource", floor.written());
        f.put("failures", floor.failures());
        f.put("curveMs", floor.unitDoneMs());
        out.put("floor", f);
        long applyTotal = ((Number) ((Map<?, ?>) out.get("apply")).get("totalMs")).longValue();
        out.put("floorRatio", round2((double) applyTotal / Math.max(1, floor.totalMs())));
        int floorWrites = (int) f.get("writes");
        if (floorWrites != applyWrites.size() || floor.failures() > 0) {
          problems.add("floor wrote " + floorWrites + " of the operator's " + applyWrites.size() + " writes (" + floor.failures() + " failed)");
        }
        log("floor: %d writes in %d ms; operator %d ms: ratio %.2f", floorWrites, floor.totalMs(), applyTotal,
            (double) out.get("floorRatio"));
      } finally {
        operator.close();
        remotes.forEach(GitRemote::close);
      }
    }
    out.put("loadAverageAtEnd", loadAverage());
    out.put("operatorJfr", dir.resolve("operator-1.jfr").toString());
    out.put("problems", problems);
    return out;
  }

  // ------------------------------------------------------------------------------------------------------------

  private static List<String> namespaceNames(int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add("bench-" + i);
    }
    return names;
  }

  static String project(int i) {
    return String.format("p%04d", i);
  }

  static String ns(int i, int namespaces) {
    return "bench-" + (i % namespaces);
  }

  private static String key(int i, int namespaces) {
    return ns(i, namespaces) + "/" + project(i);
  }

  private static GenericKubernetesResource projectYaml(int i, String url, boolean shared) {
    return Serialization.unmarshal("""
        apiVersion: slipway.dev/v1alpha1
        kind: Project
        metadata: {name: %s}
        spec:
          source: {url: "%s"}
          database: {mode: %s}
          environments:
          - {name: test, branch: develop, autoDeploy: true}
          - {name: live, promoteFrom: test}
        """.formatted(project(i), url, shared ? "shared" : "none"), GenericKubernetesResource.class);
  }

  private static void requestDeploy(KubernetesClient c, Environment e, String value) {
    c.resources(Environment.class).inNamespace(e.getMetadata().getNamespace()).withName(e.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\"" + DEPLOY + "\":\"" + value + "\"}}}");
  }

  private Runnable progress(Tracker tracker, Tracker.Goal g, String phase) {
    long[] last = {0};
    return () -> {
      long now = System.nanoTime();
      if (now - last[0] > 10_000_000_000L) {
        last[0] = now;
        Map<String, Integer> phases = new java.util.TreeMap<>();
        for (Environment e : tracker.all()) {
          if (g.relevant.test(e)) {
            phases.merge(e.getStatus() == null || e.getStatus().getPhase() == null ? "-" : e.getStatus().getPhase().name(), 1, Integer::sum);
          }
        }
        log("%s: %d of %d after %d s; phases %s", phase, g.reachedAtMs.size(), g.expected, (now - g.startNanos) / 1_000_000_000, phases);
      }
    };
  }

  private void dumpNotReady(Tracker tracker, Tracker.Goal g) {
    tracker.all().stream().filter(g.relevant).filter(e -> !g.reachedAtMs.containsKey(Tracker.key(e))).limit(5)
        .forEach(e -> log("  not there: %s %s", Tracker.key(e), Serialization.asJson(e.getStatus())));
  }

  private void recordPhase(String name, Tracker.Goal g, boolean complete, int expected) {
    List<Long> t = g.sortedTimes();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("complete", complete);
    m.put("reached", t.size());
    m.put("expected", expected);
    m.put("totalMs", t.isEmpty() ? -1 : t.get(t.size() - 1));
    m.put("p50Ms", percentile(t, 50));
    m.put("p99Ms", percentile(t, 99));
    m.put("curveMs", t);
    out.put(name, m);
    log("%s: %d of %d in %d ms (p50 %d ms, p99 %d ms per Environment)", name, t.size(), expected, m.get("totalMs"),
        m.get("p50Ms"), m.get("p99Ms"));
  }

  /**
   * One change at a time to a Project's env (a new value of BENCH_CHANGE), timed until a
   * Deployment of the project's test Environment carries it (seen through a watch).
   */
  private void changes(KubernetesClient c, int namespaces, int shared) throws Exception {
    Map<String, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
    SharedIndexInformer<Deployment> deployments = c.apps().deployments().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Deployment d) {
        check(d);
      }

      @Override
      public void onUpdate(Deployment old, Deployment d) {
        check(d);
      }

      @Override
      public void onDelete(Deployment d, boolean unknown) {}

      private void check(Deployment d) {
        var containers = d.getSpec().getTemplate().getSpec().getContainers();
        if (containers.isEmpty() || containers.get(0).getEnv() == null) {
          return;
        }
        for (EnvVar v : containers.get(0).getEnv()) {
          if ("BENCH_CHANGE".equals(v.getName())) {
            CompletableFuture<Long> f = waiting.get(d.getMetadata().getNamespace() + "/" + d.getMetadata().getName() + "=" + v.getValue());
            if (f != null) {
              f.complete(System.nanoTime());
            }
          }
        }
      }
    }, 0);
    List<Long> latencies = new ArrayList<>();
    int missed = 0;
    try {
      int candidates = n - shared > 0 ? n - shared : n;
      int offset = n - shared > 0 ? shared : 0;
      for (int k = 0; k < changes; k++) {
        int p = offset + (k % candidates);
        String namespace = ns(p, namespaces);
        String deployment = project(p) + "-test";
        CompletableFuture<Long> seen = new CompletableFuture<>();
        waiting.put(namespace + "/" + deployment + "=" + k, seen);
        long start = System.nanoTime();
        c.genericKubernetesResources("slipway.dev/v1alpha1", "Project").inNamespace(namespace).withName(project(p))
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"env\":[{\"name\":\"BENCH_CHANGE\",\"value\":\"" + k + "\"}]}}");
        try {
          latencies.add((seen.get(30, TimeUnit.SECONDS) - start) / 1_000_000);
        } catch (java.util.concurrent.TimeoutException e) {
          missed++;
          log("change %d: Deployment %s/%s not updated within 30 s", k, namespace, deployment);
        }
      }
    } finally {
      deployments.close();
    }
    latencies.sort(Long::compare);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("changes", changes);
    m.put("seen", latencies.size());
    m.put("p50Ms", percentile(latencies, 50));
    m.put("p99Ms", percentile(latencies, 99));
    m.put("maxMs", latencies.isEmpty() ? -1 : latencies.get(latencies.size() - 1));
    out.put("changeToDeployment", m);
    if (missed > 0) {
      problems.add("change -> Deployment: " + missed + " of " + changes + " changes never reached the Deployment");
    }
    log("change -> Deployment updated: %d changes, p50 %d ms, p99 %d ms", latencies.size(), m.get("p50Ms"), m.get("p99Ms"));
  }

  /**
   * Waits at least {@code atLeast}, until the operator has reconciled at least {@code resources}
   * times since it started, and until it has written nothing but its Lease for 10 s (it polls Git
   * and reconciles all the time, so "no reconciles" never happens; "no writes" does once
   * everything has converged).
   */
  private long awaitQuiet(OperatorProcess operator, Path auditLog, int resources, Duration atLeast) throws Exception {
    Audit.Tail tail = new Audit.Tail(auditLog);
    Instant started = Instant.now();
    Instant deadline = started.plus(atLeast).plus(Duration.ofMinutes(5));
    long count = 0;
    while (Instant.now().isBefore(deadline)) {
      Thread.sleep(1000);
      count = Metrics.reconciliations(operator.metrics());
      Instant lastWrite = tail.lastWrite();
      Instant quietSince = lastWrite.isAfter(started) ? lastWrite : started;
      if (count >= resources && Duration.between(started, Instant.now()).compareTo(atLeast) >= 0
          && Duration.between(quietSince, Instant.now()).toSeconds() >= 10) {
        return count;
      }
    }
    problems.add("the operator did not go quiet within 5 minutes (" + count + " reconciles)");
    return count;
  }

  private static Map<String, String> statuses(Tracker tracker) {
    Map<String, String> m = new HashMap<>();
    for (Environment e : tracker.all()) {
      m.put(Tracker.key(e), Serialization.asJson(e.getStatus()));
    }
    return m;
  }

  /** Which top-level status fields (and which conditions) differ, per Environment. */
  @SuppressWarnings("unchecked")
  private static List<String> statusDiffs(Map<String, String> before, Map<String, String> after) {
    List<String> diffs = new ArrayList<>();
    for (Map.Entry<String, String> e : after.entrySet()) {
      String old = before.get(e.getKey());
      if (old == null || old.equals(e.getValue())) {
        continue;
      }
      Map<String, Object> a = Serialization.unmarshal(old, Map.class);
      Map<String, Object> b = Serialization.unmarshal(e.getValue(), Map.class);
      List<String> fields = new ArrayList<>();
      for (String k : new java.util.TreeSet<>(union(a.keySet(), b.keySet()))) {
        if (!java.util.Objects.equals(a.get(k), b.get(k))) {
          fields.add(k + ": " + abbreviate(String.valueOf(a.get(k))) + " -> " + abbreviate(String.valueOf(b.get(k))));
        }
      }
      diffs.add(e.getKey() + " " + fields);
    }
    return diffs;
  }

  private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    java.util.Set<String> u = new java.util.HashSet<>(a);
    u.addAll(b);
    return u;
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  /** One object of every kind the operator wrote (and sample statuses), made neutral for the floor to copy. */
  private void sampleObjects(KubernetesClient c, List<Audit.Request> writes, int namespaces, Map<String, GenericKubernetesResource> templates,
      Map<String, Map<String, Object>> statusTemplates) {
    Map<String, String> groups = new HashMap<>();
    for (Audit.Request r : writes) {
      groups.put(Floor.kindOf(r).resource(), r.group());
    }
    groups.putIfAbsent("projects", "slipway.dev");
    for (Map.Entry<String, String> e : groups.entrySet()) {
      String[] type = Resources.type(e.getValue(), e.getKey());
      if (type == null) {
        problems.add("floor: no sample of " + e.getKey() + " (unknown resource)");
        continue;
      }
      GenericKubernetesResource sample = null;
      for (int i = 0; i < namespaces && sample == null; i++) {
        List<GenericKubernetesResource> items = c.genericKubernetesResources(type[0], type[1]).inNamespace("bench-" + i)
            .list(new ListOptionsBuilder().withLimit(20L).build()).getItems();
        for (GenericKubernetesResource item : items) {
          if (sample == null || preferred(e.getKey(), item)) {
            sample = item;
          }
        }
      }
      if (sample == null) {
        problems.add("floor: no sample of " + e.getKey() + " found");
        continue;
      }
      if (sample.getAdditionalProperties().get("status") instanceof Map<?, ?> status) {
        @SuppressWarnings("unchecked")
        Map<String, Object> s = (Map<String, Object>) status;
        statusTemplates.put(e.getKey(), s);
      }
      templates.put(e.getKey(), Resources.neutral(sample, e.getKey()));
    }
  }

  /** For Environments, a live one (promoted: the fullest status). */
  private static boolean preferred(String resource, GenericKubernetesResource item) {
    return resource.equals("environments") && item.getMetadata().getName().endsWith("-live");
  }

  private static Map<String, Double> perEnvironment(Map<String, Integer> counts, int envs) {
    Map<String, Double> m = new LinkedHashMap<>();
    counts.forEach((k, v) -> m.put(k, round2((double) v / envs)));
    return m;
  }

  /** The machine's 1-minute load average (other work shares these cores; the figures are read against it). */
  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
  }

  static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / 1048576.0);
  }
}
