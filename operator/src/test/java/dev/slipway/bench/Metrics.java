package dev.slipway.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's own figures from its Prometheus endpoint: JOSDK's reconcile timers per
 * controller (percentiles from the histogram buckets), reconcile counters, and any queue-wait
 * timer if one is exposed.
 */
final class Metrics {

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  record Sample(String name, Map<String, String> labels, double value) {}

  private Metrics() {}

  static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line.trim());
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = new TreeMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      try {
        samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
      } catch (NumberFormatException ignored) {
        // NaN and friends parse; anything else is not a figure
      }
    }
    return samples;
  }

  /** Reconciles started so far, all controllers (JOSDK's counters). */
  static long reconciliations(String text) {
    double started = 0;
    double executions = 0;
    for (Sample s : parse(text)) {
      if (s.name().startsWith("operator_sdk_reconciliations_started")) {
        started += s.value();
      } else if (s.name().startsWith("operator_sdk_reconciliations_executions") && s.name().endsWith("_total")) {
        executions += s.value();
      }
    }
    return (long) Math.max(started, executions);
  }

  /**
   * For every timer family (name ending in _seconds with histogram buckets) and controller:
   * count, mean, p50, p99 and max in milliseconds.
   */
  static Map<String, Object> summary(String text) {
    List<Sample> samples = parse(text);
    Map<String, Map<Double, Double>> buckets = new TreeMap<>();
    Map<String, double[]> countSumMax = new TreeMap<>();
    for (Sample s : samples) {
      if (!s.name().startsWith("operator_sdk_") && !s.name().contains("queue")) {
        continue;
      }
      String controller = s.labels().getOrDefault("controller", s.labels().getOrDefault("name", ""));
      if (s.name().endsWith("_seconds_bucket")) {
        String key = s.name().substring(0, s.name().length() - "_bucket".length()) + " " + controller;
        String le = s.labels().get("le");
        buckets.computeIfAbsent(key, k -> new TreeMap<>()).merge("+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
            s.value(), Double::sum);
      } else if (s.name().endsWith("_seconds_count") || s.name().endsWith("_seconds_sum") || s.name().endsWith("_seconds_max")) {
        int cut = s.name().lastIndexOf('_');
        String key = s.name().substring(0, cut) + " " + controller;
        double[] csm = countSumMax.computeIfAbsent(key, k -> new double[3]);
        switch (s.name().substring(cut + 1)) {
          case "count" -> csm[0] += s.value();
          case "sum" -> csm[1] += s.value();
          default -> csm[2] = Math.max(csm[2], s.value());
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, double[]> e : countSumMax.entrySet()) {
      double[] csm = e.getValue();
      if (csm[0] == 0) {
        continue;
      }
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("count", (long) csm[0]);
      t.put("meanMs", BenchRun.round2(csm[1] / csm[0] * 1000));
      Map<Double, Double> b = buckets.get(e.getKey());
      if (b != null) {
        t.put("p50Ms", quantile(b, csm[0], 0.50));
        t.put("p99Ms", quantile(b, csm[0], 0.99));
      }
      t.put("maxMs", BenchRun.round2(csm[2] * 1000)); // Micrometer's max decays: the largest of the last few minutes
      out.put(e.getKey().trim(), t);
    }
    return out;
  }

  /** The upper bound of the first bucket holding the quantile (cumulative buckets), in ms. */
  private static double quantile(Map<Double, Double> cumulative, double count, double q) {
    double rank = q * count;
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      if (e.getValue() >= rank) {
        return e.getKey().isInfinite() ? -1 : BenchRun.round2(e.getKey() * 1000);
      }
    }
    return -1;
  }
}
