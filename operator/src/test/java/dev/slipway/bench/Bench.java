package dev.slipway.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * 'make bench' (e2e/bench.sh runs it): for every size N, N Projects (2 Environments each) through
 * the whole pipeline on a fresh local cluster with kwok as the kubelet, measured against the raw
 * API floor in the same run. Writes results.json and results.md into the output folder.
 *
 * <pre>
 * Bench --root DIR --bin DIR --kwok FILE --jar FILE --out DIR [--sizes "100 300 500"] [--changes 100]
 *       [--shared 100] [--restarts 2] [--smoke]
 * </pre>
 *
 * {@code --smoke} checks correctness only (every Environment Ready after each phase, every change
 * seen, the floor wrote as many objects as the operator) and exits 1 if anything is off; it never
 * judges a time.
 */
public final class Bench {

  private Bench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    boolean smoke = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--smoke")) {
        smoke = true;
      } else {
        a.put(args[i].substring(2), args[++i]);
      }
    }
    Path root = Path.of(a.get("root"));
    Path out = Path.of(a.get("out"));
    List<Integer> sizes = new ArrayList<>();
    for (String s : a.getOrDefault("sizes", "100 300 500").trim().split("[ ,]+")) {
      sizes.add(Integer.parseInt(s));
    }
    int changes = Integer.parseInt(a.getOrDefault("changes", "100"));
    int shared = Integer.parseInt(a.getOrDefault("shared", "100"));
    int restarts = Integer.parseInt(a.getOrDefault("restarts", "2"));
    Files.createDirectories(out);

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("started", Instant.now().toString());
    report.put("machine", machine());
    List<Map<String, Object>> runs = new ArrayList<>();
    report.put("runs", runs);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    List<String> failures = new ArrayList<>();
    for (int n : sizes) {
      Path dir = out.resolve("n" + n);
      Map<String, Object> r;
      try {
        r = new BenchRun(n, root, Path.of(a.get("bin")), Path.of(a.get("kwok")), Path.of(a.get("jar")), dir, changes, shared, restarts).run();
      } catch (Exception e) {
        e.printStackTrace();
        r = new LinkedHashMap<>();
        r.put("projects", n);
        r.put("environments", 2 * n);
        r.put("problems", List.of("the run failed: " + e));
      }
      runs.add(r);
      @SuppressWarnings("unchecked")
      List<String> problems = (List<String>) r.get("problems");
      problems.forEach(p -> failures.add("N=" + n + ": " + p));
      report.put("perExtraEnvironment", perExtraEnvironment(runs));
      json.writeValue(out.resolve("results.json").toFile(), report);
      Files.writeString(out.resolve("results.md"), markdown(runs, report));
    }
    System.out.println();
    System.out.println(Files.readString(out.resolve("results.md")));
    for (Map<String, Object> r : runs) {
      if (r.get("resyncs") instanceof List<?> rs) {
        int restart = 0;
        for (Object x : rs) {
          restart++;
          Object writes = ((Map<?, ?>) x).get("writes");
          if (writes instanceof Number w && w.intValue() > 0) {
            System.out.println("note: N=" + r.get("projects") + ", restart " + restart + ": " + w
                + " writes by the converged operator (should be 0): "
                + ((Map<?, ?>) x).get("writesByVerbAndResource") + "; what changed is in results.json (resyncs[].statusChanges)");
          }
        }
      }
    }
    if (!failures.isEmpty()) {
      System.out.println("problems:");
      failures.forEach(f -> System.out.println("  - " + f));
    }
    if (smoke && !failures.isEmpty()) {
      System.out.println("bench smoke: FAILED");
      System.exit(1);
    }
    if (smoke) {
      System.out.println("bench smoke: every Environment Ready after apply, push storm and deploy storm; every change seen; "
          + "the floor replayed every write");
    }
    System.exit(0); // informers' threads
  }

  private static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal")) {
          m.put("memory", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
    } catch (Exception ignored) {
      // not Linux
    }
    m.put("java", System.getProperty("java.version"));
    return m;
  }

  /** Heap growth per extra Environment between the smallest and the largest size measured. */
  private static Object perExtraEnvironment(List<Map<String, Object>> runs) {
    List<Map<String, Object>> ok = runs.stream().filter(r -> r.get("heapBytes") != null).toList();
    if (ok.size() < 2) {
      return null;
    }
    Map<String, Object> lo = ok.get(0);
    Map<String, Object> hi = ok.get(ok.size() - 1);
    long envs = ((Number) hi.get("environments")).longValue() - ((Number) lo.get("environments")).longValue();
    if (envs <= 0) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("heapBytes", (((Number) hi.get("heapBytes")).longValue() - ((Number) lo.get("heapBytes")).longValue()) / envs);
    m.put("rssBytes", (((Number) hi.get("rssBytes")).longValue() - ((Number) lo.get("rssBytes")).longValue()) / envs);
    m.put("between", lo.get("environments") + " and " + hi.get("environments") + " Environments");
    return m;
  }

  @SuppressWarnings("unchecked")
  private static Object get(Map<String, Object> r, String path) {
    Object o = r;
    for (String p : path.split("\\.")) {
      if (!(o instanceof Map<?, ?> m)) {
        return null;
      }
      o = m.get(p);
    }
    return o;
  }

  private static String secs(Object ms) {
    return ms instanceof Number n && n.longValue() >= 0 ? String.format("%.1f s", n.doubleValue() / 1000) : "–";
  }

  private static String millis(Object ms) {
    return ms instanceof Number n && n.doubleValue() >= 0 ? String.format("%.0f ms", n.doubleValue()) : "–";
  }

  private static String mib(Object bytes) {
    return bytes instanceof Number n && n.longValue() >= 0 ? String.format("%.0f MiB", n.doubleValue() / 1048576) : "–";
  }

  @SuppressWarnings("unchecked")
  static String markdown(List<Map<String, Object>> runs, Map<String, Object> report) {
    StringBuilder sb = new StringBuilder();
    sb.append("| | ");
    runs.forEach(r -> sb.append("N = ").append(r.get("projects")).append(" (").append(r.get("environments")).append(" env) | "));
    sb.append("\n|---|");
    runs.forEach(r -> sb.append("---|"));
    sb.append('\n');
    Map<String, Function<Map<String, Object>, String>> rows = new LinkedHashMap<>();
    rows.put("apply → every Environment Ready", r -> secs(get(r, "apply.totalMs")) + (Boolean.FALSE.equals(get(r, "apply.complete")) ? " (incomplete)" : ""));
    rows.put("… per Environment p50 / p99", r -> secs(get(r, "apply.p50Ms")) + " / " + secs(get(r, "apply.p99Ms")));
    rows.put("floor (bare client, same writes, " + BenchRun.RECONCILE_THREADS + " threads)", r -> secs(get(r, "floor.totalMs")));
    rows.put("operator ÷ floor", r -> get(r, "floorRatio") == null ? "–" : String.format("%.1f×", ((Number) get(r, "floorRatio")).doubleValue()));
    rows.put("push storm → all test rolled out", r -> secs(get(r, "pushStorm.totalMs")) + (Boolean.FALSE.equals(get(r, "pushStorm.complete")) ? " (incomplete)" : ""));
    rows.put("deploy storm → all live rolled out", r -> secs(get(r, "deployStorm.totalMs")) + (Boolean.FALSE.equals(get(r, "deployStorm.complete")) ? " (incomplete)" : ""));
    rows.put("heap after full GC (idle before apply)", r -> mib(get(r, "heapBytes")) + " (" + mib(get(r, "heapIdleBytes")) + ")");
    rows.put("heap per Environment ((heap − idle) ÷ Environments)", r -> String.format("%.0f KiB",
        (((Number) get(r, "heapBytes")).doubleValue() - ((Number) get(r, "heapIdleBytes")).doubleValue()) / 1024
            / ((Number) r.get("environments")).doubleValue()));
    rows.put("RSS", r -> mib(get(r, "rssBytes")));
    rows.put("operator CPU (apply / whole run)", r -> get(r, "cpuSecondsApply") == null ? "–"
        : String.format("%.0f s / %.0f s", ((Number) get(r, "cpuSecondsApply")).doubleValue(), ((Number) get(r, "cpuSecondsTotal")).doubleValue()));
    rows.put("writes per Environment (apply)", r -> String.valueOf(get(r, "writesPerEnvironmentApply")));
    rows.put("writes on resync 1 / 2 (restart, Lease aside)", r -> {
      List<Map<String, Object>> rs = (List<Map<String, Object>>) r.get("resyncs");
      return rs == null ? "–" : rs.stream().map(x -> String.valueOf(x.get("writes"))).reduce((x, y) -> x + " / " + y).orElse("–");
    });
    rows.put("change → Deployment p50 / p99", r -> millis(get(r, "changeToDeployment.p50Ms")) + " / " + millis(get(r, "changeToDeployment.p99Ms")));
    rows.put("reconcile time p50 / p99 (Environment)", r -> reconcile(r, "p50Ms") + " / " + reconcile(r, "p99Ms"));
    rows.put("queue wait p50 / p99 (Environment)", r -> timer(r, "queue_wait_seconds", "p50Ms") + " / " + timer(r, "queue_wait_seconds", "p99Ms"));
    rows.put("machine load average (after apply / at end)", r -> get(r, "loadAverageAfterApply") + " / " + get(r, "loadAverageAtEnd"));
    for (Map.Entry<String, Function<Map<String, Object>, String>> row : rows.entrySet()) {
      sb.append("| ").append(row.getKey()).append(" | ");
      for (Map<String, Object> r : runs) {
        String v;
        try {
          v = row.getValue().apply(r);
        } catch (RuntimeException e) {
          v = "–";
        }
        sb.append(v).append(" | ");
      }
      sb.append('\n');
    }
    Object per = report.get("perExtraEnvironment");
    if (per instanceof Map<?, ?> m) {
      sb.append(String.format("%nPer extra Environment (%s): heap %.1f KiB, RSS %.1f KiB.%n", m.get("between"),
          ((Number) m.get("heapBytes")).doubleValue() / 1024, ((Number) m.get("rssBytes")).doubleValue() / 1024));
    }
    sb.append("\nAPI requests per Environment during apply (operator, by verb and resource):\n\n");
    for (Map<String, Object> r : runs) {
      Object req = r.get("requestsPerEnvironmentApply");
      if (req instanceof Map<?, ?> m) {
        sb.append("- N = ").append(r.get("projects")).append(": ");
        List<String> parts = new ArrayList<>();
        m.forEach((k, v) -> parts.add(k + " " + v));
        sb.append(String.join(", ", parts)).append('\n');
      }
    }
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  private static String reconcile(Map<String, Object> r, String q) {
    return timer(r, "execution_reconcile_seconds", q);
  }

  /** A percentile of the Environment controller's timer whose name contains {@code family}. */
  private static String timer(Map<String, Object> r, String family, String q) {
    Object m = r.get("operatorMetrics");
    if (!(m instanceof Map<?, ?> metrics)) {
      return "–";
    }
    for (Map.Entry<?, ?> e : metrics.entrySet()) {
      String k = e.getKey().toString();
      if (k.contains(family) && k.toLowerCase().contains("environment")) {
        return millis(((Map<String, Object>) e.getValue()).get(q));
      }
    }
    return "–";
  }
}
