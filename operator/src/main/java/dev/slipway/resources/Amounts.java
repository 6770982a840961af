package dev.slipway.resources;

import dev.slipway.api.v1alpha1.ResourceAmounts;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Amounts of cpu, memory and ephemeral-storage, any of them absent. Written as
 * {@code cpu=1,memory=2Gi,ephemeral-storage=4Gi}, as {@code kubectl set resources} takes them.
 */
public record Amounts(Map<String, String> values) {

  public static final String CPU = "cpu";
  public static final String MEMORY = "memory";
  public static final String EPHEMERAL_STORAGE = "ephemeral-storage";
  /** Every resource each pod Slipway makes asks for, in this order. */
  public static final List<String> KINDS = List.of(CPU, MEMORY, EPHEMERAL_STORAGE);

  public static final Amounts NONE = new Amounts(Map.of());

  public Amounts {
    values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  static Amounts of(String cpu, String memory, String ephemeralStorage) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(CPU, cpu);
    m.put(MEMORY, memory);
    m.put(EPHEMERAL_STORAGE, ephemeralStorage);
    return new Amounts(m);
  }

  /** A Project's amounts (null fields absent). */
  public static Amounts of(ResourceAmounts declared) {
    if (declared == null) {
      return NONE;
    }
    Map<String, String> m = new LinkedHashMap<>();
    put(m, CPU, declared.getCpu());
    put(m, MEMORY, declared.getMemory());
    put(m, EPHEMERAL_STORAGE, declared.getEphemeralStorage());
    return new Amounts(m);
  }

  /** Parses {@code cpu=1,memory=2Gi,ephemeral-storage=4Gi} (any subset, any order). */
  public static Amounts parse(String text) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      String key = eq < 0 ? p : p.substring(0, eq).trim();
      if (eq < 0 || !KINDS.contains(key)) {
        throw new IllegalArgumentException("'" + p + "' is not cpu=<quantity>, memory=<quantity> or ephemeral-storage=<quantity>");
      }
      String quantity = p.substring(eq + 1).trim();
      if (!quantity.matches(ResourceAmounts.QUANTITY)) {
        throw new IllegalArgumentException("'" + quantity + "' (" + key + ") is not a Kubernetes quantity such as 500m or 2Gi");
      }
      if (m.put(key, quantity) != null) {
        throw new IllegalArgumentException(key + " is named twice");
      }
    }
    return new Amounts(m);
  }

  public String get(String kind) {
    return values.get(kind);
  }

  /** These amounts, with {@code other}'s wherever it names one. */
  public Amounts overriddenBy(Amounts other) {
    Map<String, String> m = new LinkedHashMap<>(values);
    m.putAll(other.values);
    return new Amounts(m);
  }

  public Map<String, Quantity> quantities() {
    Map<String, Quantity> m = new LinkedHashMap<>();
    for (String kind : KINDS) {
      if (values.containsKey(kind)) {
        m.put(kind, new Quantity(values.get(kind)));
      }
    }
    return m;
  }

  /** The amount as a number (cpu in cores, the others in bytes). */
  static BigDecimal amount(String quantity) {
    return new Quantity(quantity).getNumericalAmount();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (String kind : KINDS) {
      if (values.containsKey(kind)) {
        sb.append(sb.isEmpty() ? "" : ",").append(kind).append('=').append(values.get(kind));
      }
    }
    return sb.toString();
  }

  private static void put(Map<String, String> m, String key, String value) {
    if (value != null && !value.isBlank()) {
      m.put(key, value.trim());
    }
  }
}
