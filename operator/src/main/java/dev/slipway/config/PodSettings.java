package dev.slipway.config;

import dev.slipway.resources.Amounts;
import dev.slipway.resources.Budget;
import dev.slipway.resources.Workload;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Requests, limits and (where a Project may size it) maximum of each kind of pod. Declared by
 * {@link Workload} (its variables {@code SLIPWAY_<NAME>_REQUESTS}, {@code _LIMITS}, {@code _MAX},
 * their defaults and documentation): each variable names any of cpu, memory and
 * ephemeral-storage, the others keep their default.
 */
public record PodSettings(Map<Workload, Budget> budgets) {

  public PodSettings {
    budgets = Collections.unmodifiableMap(new EnumMap<>(budgets));
  }

  /** One kind of pod's budget. */
  public Budget budget(Workload workload) {
    return budgets.get(workload);
  }

  /** A workload's defaults with what its variables name on top; contradictions stop the operator, naming the variables. */
  static PodSettings read(BiFunction<String, Amounts, Amounts> read) {
    Map<Workload, Budget> budgets = new EnumMap<>(Workload.class);
    for (Workload w : Workload.values()) {
      Budget defaults = w.defaults();
      Amounts requests = defaults.requests().overriddenBy(read.apply(w.requestsVariable(), Amounts.NONE));
      Amounts limits = defaults.limits().overriddenBy(read.apply(w.limitsVariable(), Amounts.NONE));
      Amounts max = w.maxVariable() == null ? null : defaults.max().overriddenBy(read.apply(w.maxVariable(), Amounts.NONE));
      Budget budget = new Budget(requests, limits, max);
      List<String> problems = budget.problems(w);
      if (!problems.isEmpty()) {
        throw new OperatorConfig.ConfigException(String.join("; ", problems));
      }
      budgets.put(w, budget);
    }
    return new PodSettings(budgets);
  }

  /** The workloads' variables as the README lists them: requests and limits in one row, the maximum in another. */
  static List<Settings.Setting> declared() {
    List<Settings.Setting> settings = new ArrayList<>();
    for (Workload w : Workload.values()) {
      String chart = "podResources." + chartKey(w) + ".";
      Budget d = w.defaults();
      settings.add(new Settings.Setting(w.requestsVariable(), "`" + d.requests() + "`", w.doc(), chart + "requests", false));
      settings.add(new Settings.Setting(w.limitsVariable(), "`" + d.limits() + "`", "", chart + "limits", false));
      if (w.maxVariable() != null) {
        settings.add(new Settings.Setting(w.maxVariable(), "`" + d.max() + "`", w.maxDoc(), chart + "max", false));
      }
    }
    return settings;
  }

  /** The chart's key under podResources: localDatabase for LOCAL_DATABASE. */
  static String chartKey(Workload w) {
    String[] words = w.name().toLowerCase(Locale.ROOT).split("_");
    StringBuilder key = new StringBuilder(words[0]);
    for (int i = 1; i < words.length; i++) {
      key.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
    }
    return key.toString();
  }
}
