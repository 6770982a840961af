package dev.slipway.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor: what the same writes cost a bare fabric8 client, from one JVM, with as many threads
 * as the operator has reconcile threads, against the same API server.
 *
 * <p>The operator's write requests while it took every environment to Ready (from the audit log)
 * are counted by verb and resource; the floor sends the same number of each, spread evenly over
 * as many "units" as there were environments, each unit's writes in order (creates, the
 * environment's own object first; then patches and updates; deletes; an environment status patch
 * last), so that a unit is "Ready" when its last write returns. The objects are copies of the
 * operator's own; where the operator patched (server-side apply, which also creates), so does the
 * floor (one of each kind, taken from the cluster): same size and shape, in namespaces
 * of the floor's own, with owner references removed, Jobs suspended and Deployments at zero
 * replicas so that no controller acts on them. Objects the writes need beforehand (the Projects
 * whose status is patched, objects that are patched or deleted without being created in the
 * unit) are made before the clock starts.
 */
final class Floor {

  /** One kind of write the operator sent. */
  record Kind(String verb, String group, String resource, String subresource) {
    String label() {
      return verb + " " + resource + (subresource == null ? "" : "/" + subresource);
    }
  }

  record Op(Kind kind, int seq) {}

  record Result(long totalMs, List<Long> unitDoneMs, Map<String, Integer> written, int failures) {}

  private final KubernetesClient client;
  private final Map<String, GenericKubernetesResource> templates; // resource -> sample object
  private final Map<String, Map<String, Object>> statusTemplates; // resource -> sample status
  private final int threads;
  private final int namespaces;

  Floor(KubernetesClient client, Map<String, GenericKubernetesResource> templates, Map<String, Map<String, Object>> statusTemplates,
      int threads, int namespaces) {
    this.client = client;
    this.templates = templates;
    this.statusTemplates = statusTemplates;
    this.threads = threads;
    this.namespaces = namespaces;
  }

  static Kind kindOf(Audit.Request r) {
    int slash = r.resource().indexOf('/');
    return new Kind(r.verb(), r.group(), slash < 0 ? r.resource() : r.resource().substring(0, slash),
        slash < 0 ? null : r.resource().substring(slash + 1));
  }

  Result run(List<Audit.Request> operatorWrites, int units) throws Exception {
    Map<Kind, Integer> counts = new LinkedHashMap<>();
    for (Audit.Request r : operatorWrites) {
      counts.merge(kindOf(r), 1, Integer::sum);
    }
    // each unit's share of every kind of write
    List<List<Op>> plan = new ArrayList<>();
    for (int u = 0; u < units; u++) {
      plan.add(new ArrayList<>());
    }
    for (Map.Entry<Kind, Integer> e : counts.entrySet()) {
      int c = e.getValue();
      int seq = 0;
      for (int u = 0; u < units; u++) {
        int share = (int) ((long) c * (u + 1) / units - (long) c * u / units);
        for (int i = 0; i < share; i++) {
          plan.get(u).add(new Op(e.getKey(), seq++));
        }
      }
    }
    for (List<Op> ops : plan) {
      ops.sort(Comparator.comparingInt(Floor::order));
    }

    for (int i = 0; i < namespaces; i++) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns(i)).endMetadata().build()).serverSideApply();
    }
    // before the clock: what the writes act on without creating it in their unit
    List<Map<String, GenericKubernetesResource>> setup = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Map<String, GenericKubernetesResource>>> prepared = new ArrayList<>();
      for (int u = 0; u < units; u++) {
        int unit = u;
        prepared.add(pool.submit(() -> prepare(unit, plan.get(unit))));
      }
      for (Future<Map<String, GenericKubernetesResource>> f : prepared) {
        setup.add(f.get());
      }

      Map<String, Integer> written = new ConcurrentHashMap<>();
      AtomicInteger failures = new AtomicInteger();
      long[] done = new long[units];
      long start = System.nanoTime();
      List<Future<?>> running = new ArrayList<>();
      for (int u = 0; u < units; u++) {
        int unit = u;
        running.add(pool.submit(() -> {
          Map<String, GenericKubernetesResource> objects = new HashMap<>(setup.get(unit));
          for (Op op : plan.get(unit)) {
            try {
              write(unit, op, objects);
              written.merge(op.kind().label(), 1, Integer::sum);
            } catch (RuntimeException e) {
              if (failures.incrementAndGet() <= 5) {
                System.err.println("floor: " + op.kind().label() + " failed: " + e.getMessage());
              }
            }
          }
          done[unit] = (System.nanoTime() - start) / 1_000_000;
        }));
      }
      for (Future<?> f : running) {
        f.get();
      }
      long total = (System.nanoTime() - start) / 1_000_000;
      List<Long> times = new ArrayList<>();
      for (long d : done) {
        times.add(d);
      }
      times.sort(Long::compare);
      return new Result(total, times, new java.util.TreeMap<>(written), failures.get());
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  /** Creates first (the Environment itself before anything else), then patches and updates, deletes, status patches of environments last. */
  private static int order(Op op) {
    Kind k = op.kind();
    boolean envStatus = "environments".equals(k.resource()) && "status".equals(k.subresource());
    if ("environments".equals(k.resource()) && k.subresource() == null && !k.verb().equals("delete")) {
      return 0;
    }
    return switch (k.verb()) {
      case "create" -> 1;
      case "patch", "update" -> envStatus ? 4 : 2;
      default -> 3;
    };
  }

  private static String ns(int i) {
    return "floor-" + i;
  }

  private String nsOf(int unit) {
    return ns(unit % namespaces);
  }

  private NonNamespaceOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
      Resource<GenericKubernetesResource>> in(String resource, String namespace) {
    GenericKubernetesResource t = template(resource);
    return client.genericKubernetesResources(t.getApiVersion(), t.getKind()).inNamespace(namespace);
  }

  private GenericKubernetesResource template(String resource) {
    GenericKubernetesResource t = templates.get(resource);
    if (t == null) {
      throw new IllegalStateException("no sample object of " + resource);
    }
    return t;
  }

  /** A fresh copy of the sample object of that resource, named and placed for the floor. */
  private GenericKubernetesResource copy(String resource, String name, String namespace) {
    GenericKubernetesResource o = Serialization.clone(template(resource));
    o.getMetadata().setName(name);
    o.getMetadata().setNamespace(namespace);
    return o;
  }

  /** Objects the unit's patches, updates and deletes act on, when the unit does not create them itself. */
  private Map<String, GenericKubernetesResource> prepare(int unit, List<Op> ops) {
    Map<String, GenericKubernetesResource> objects = new HashMap<>();
    Map<String, Integer> creates = new HashMap<>();
    for (Op op : ops) {
      boolean makes = op.kind().verb().equals("create") || (op.kind().verb().equals("patch") && op.kind().subresource() == null);
      if (makes) {
        creates.merge(op.kind().resource(), 1, Integer::sum);
      }
    }
    for (Op op : ops) {
      Kind k = op.kind();
      String key = null;
      if ((k.verb().equals("patch") || k.verb().equals("update")) && !creates.containsKey(k.resource())) {
        key = k.resource() + "#main";
      } else if (k.verb().equals("delete")) {
        key = k.resource() + "#del" + op.seq();
      }
      if (key != null && !objects.containsKey(key)) {
        String name = "f" + unit + "-" + key.replace("#", "-").replace(".", "-");
        objects.put(key, in(k.resource(), nsOf(unit)).resource(copy(k.resource(), name, nsOf(unit))).create());
      }
    }
    return objects;
  }

  private void write(int unit, Op op, Map<String, GenericKubernetesResource> objects) {
    Kind k = op.kind();
    String namespace = nsOf(unit);
    switch (k.verb()) {
      case "create" -> {
        String name = "environments".equals(k.resource()) ? "f" + unit : "f" + unit + "-" + k.resource() + "-" + op.seq();
        GenericKubernetesResource created = in(k.resource(), namespace).resource(copy(k.resource(), name, namespace)).create();
        objects.putIfAbsent(k.resource() + "#main", created);
      }
      case "patch" -> {
        if (k.subresource() == null) {
          // what the operator's dependents do: server-side apply, which creates the object the first time
          String name = "environments".equals(k.resource()) ? "f" + unit : "f" + unit + "-" + k.resource();
          GenericKubernetesResource o = copy(k.resource(), name, namespace);
          o.getMetadata().getAnnotations().put("bench.slipway.dev/floor", Integer.toString(op.seq()));
          objects.put(k.resource() + "#main", in(k.resource(), namespace).resource(o).fieldManager("floor").forceConflicts().serverSideApply());
          return;
        }
        patchOrUpdate(k, op, namespace, objects);
      }
      case "update" -> patchOrUpdate(k, op, namespace, objects);
      case "delete" -> {
        GenericKubernetesResource target = objects.get(k.resource() + "#del" + op.seq());
        in(k.resource(), namespace).withName(target.getMetadata().getName()).delete();
      }
      default -> throw new IllegalStateException("the floor does not replay " + k.label());
    }
  }

  private void patchOrUpdate(Kind k, Op op, String namespace, Map<String, GenericKubernetesResource> objects) {
    switch (k.verb()) {
      case "patch", "update" -> {
        GenericKubernetesResource target = objects.get(k.resource() + "#main");
        String name = target.getMetadata().getName();
        if ("status".equals(k.subresource())) {
          Map<String, Object> status = new LinkedHashMap<>(statusTemplates.getOrDefault(k.resource(), Map.of()));
          status.put("observedGeneration", op.seq());
          String body = Serialization.asJson(Map.of("status", status));
          in(k.resource(), namespace).withName(name).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), body);
        } else if (k.verb().equals("update")) {
          if (target.getMetadata().getAnnotations() == null) {
            target.getMetadata().setAnnotations(new HashMap<>());
          }
          target.getMetadata().getAnnotations().put("bench.slipway.dev/floor", Integer.toString(op.seq()));
          objects.put(k.resource() + "#main", in(k.resource(), namespace).resource(target).update());
        }
      }
      default -> throw new IllegalStateException("the floor does not replay " + k.label());
    }
  }
}
