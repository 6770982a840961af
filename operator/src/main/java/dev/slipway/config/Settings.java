package dev.slipway.config;

import dev.slipway.resources.Amounts;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Every setting the operator reads, from its one declaration: an {@link Env} on a component of a
 * capability record ({@link HttpSettings}, {@link LeaseSettings}, ...), or a {@link
 * dev.slipway.resources.Workload}'s variables ({@link PodSettings}). Reads the records from an
 * environment, renders the README's Configuration table, and lists the variables for the chart's
 * test.
 *
 * <p>Usage (the build runs it): {@code Settings variables <file>} writes every variable, one a line.
 */
public final class Settings {

  /** One setting as the README and the chart see it. */
  public record Setting(String variable, String defaultDoc, String doc, String chart, boolean secret) {}

  /** The capability records, in the order of the README's table. */
  static final List<Class<? extends Record>> CAPABILITIES = List.of(ControllerSettings.class, HttpSettings.class,
      LeaseSettings.class, SourceSettings.class, RegistrySettings.class, BuildSettings.class, PodSettings.class,
      WebSettings.class, DatabaseSettings.class, AwsSettings.class, RdsDefaults.class, BackupSettings.class, LogSettings.class);

  /** Variables no longer read, with what replaces them: set, they stop the operator (never silently ignored). */
  static final Map<String, String> RETIRED = Map.of(
      "SLIPWAY_BUILD_CPU", "SLIPWAY_BUILD_REQUESTS=cpu=... (and SLIPWAY_BUILD_LIMITS)",
      "SLIPWAY_BUILD_MEMORY", "SLIPWAY_BUILD_REQUESTS=memory=... and SLIPWAY_BUILD_LIMITS=memory=...");

  private record Declaration(RecordComponent component, Env env) {
    Class<?> valueType() {
      if (component.getType() == Optional.class) {
        return (Class<?>) ((ParameterizedType) component.getGenericType()).getActualTypeArguments()[0];
      }
      return component.getType();
    }
  }

  private static final Map<String, Declaration> DECLARATIONS = new LinkedHashMap<>();
  private static final List<Setting> ALL = new ArrayList<>();

  static {
    for (Class<? extends Record> type : CAPABILITIES) {
      if (type == PodSettings.class) {
        ALL.addAll(PodSettings.declared());
        continue;
      }
      for (RecordComponent c : type.getRecordComponents()) {
        Env env = c.getAnnotation(Env.class);
        if (env == null) {
          throw new IllegalStateException(type.getSimpleName() + "." + c.getName() + " declares no variable (@Env)");
        }
        DECLARATIONS.put(env.value(), new Declaration(c, env));
        ALL.add(new Setting(env.value(), defaultDoc(env), env.doc(), env.chart(), env.secret()));
      }
    }
  }

  private Settings() {}

  /** Every setting, in the README's order. */
  static List<Setting> all() {
    return List.copyOf(ALL);
  }

  static boolean declared(String variable) {
    return ALL.stream().anyMatch(s -> s.variable().equals(variable));
  }

  /** The declared variables of {@code env} (blank ones dropped); a retired variable that is set stops here. */
  static Map<String, String> declaredOnly(Map<String, String> env) {
    RETIRED.forEach((old, now) -> {
      if (env.get(old) != null && !env.get(old).isBlank()) {
        throw new OperatorConfig.ConfigException(old + " is no longer read: set " + now);
      }
    });
    Map<String, String> declared = new LinkedHashMap<>();
    for (Setting s : ALL) {
      String v = env.get(s.variable());
      if (v != null && !v.isBlank()) {
        declared.put(s.variable(), v.trim());
      }
    }
    return declared;
  }

  /** A capability record read from {@code env} (as {@link #declaredOnly} returns it); its own checks run in its constructor. */
  static <R extends Record> R read(Class<R> type, Map<String, String> env) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] values = new Object[components.length];
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      Declaration d = DECLARATIONS.get(components[i].getAnnotation(Env.class).value());
      Object value = value(d, env);
      values[i] = d.component().getType() == Optional.class ? Optional.ofNullable(value) : value;
      types[i] = components[i].getType();
    }
    try {
      Constructor<R> constructor = type.getDeclaredConstructor(types);
      return constructor.newInstance(values);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot make " + type.getSimpleName(), e);
    }
  }

  /** The pods' budgets from {@code env}. */
  static PodSettings readPods(Map<String, String> env) {
    return PodSettings.read((variable, none) -> {
      String v = env.get(variable);
      return v == null ? none : parsed(variable, () -> Amounts.parse(v));
    });
  }

  /** The value of one setting: its variable's, else its {@link Env#orElse} setting's, else its default; null if none. */
  private static Object value(Declaration d, Map<String, String> env) {
    Env e = d.env();
    String v = env.get(e.value());
    if (v == null && !e.orElse().isEmpty()) {
      return value(DECLARATIONS.get(e.orElse()), env);
    }
    if (v == null && !e.defaultValue().isEmpty()) {
      v = e.defaultValue();
    }
    if (v == null) {
      return null;
    }
    String value = v;
    return parsed(e.value(), () -> e.format().parse(value, d.valueType(), e));
  }

  private static <T> T parsed(String variable, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (OperatorConfig.ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new OperatorConfig.ConfigException(variable + ": " + e.getMessage());
    }
  }

  /** The README's Default column: the text given, the setting it falls back to, the default (digests shortened), or unset. */
  private static String defaultDoc(Env env) {
    if (!env.defaultDoc().isEmpty()) {
      return env.defaultDoc();
    }
    if (!env.orElse().isEmpty()) {
      return "`" + env.orElse() + "`";
    }
    if (!env.defaultValue().isEmpty()) {
      return "`" + env.defaultValue().replaceAll("@sha256:([0-9a-f]{4})[0-9a-f]{56}([0-9a-f]{4})", "@sha256:$1…$2") + "`";
    }
    return "unset";
  }

  /** The README's Configuration table: one row per setting, or per settings documented together. */
  static String markdownTable() {
    StringBuilder table = new StringBuilder("| Variable | Default | Meaning |\n|---|---|---|\n");
    List<List<Setting>> rows = new ArrayList<>();
    for (Setting s : ALL) {
      if (s.doc().isEmpty() && !rows.isEmpty()) {
        rows.get(rows.size() - 1).add(s);
      } else {
        rows.add(new ArrayList<>(List.of(s)));
      }
    }
    for (List<Setting> row : rows) {
      List<String> defaults = row.stream().map(Setting::defaultDoc).toList();
      table.append("| ").append(row.stream().map(s -> "`" + s.variable() + "`").collect(Collectors.joining(" / ")))
          .append(" | ").append(defaults.stream().distinct().count() == 1 ? defaults.get(0) : String.join(" / ", defaults))
          .append(" | ").append(row.get(0).doc()).append(" |\n");
    }
    return table.toString();
  }

  /** A capability record as text, secrets masked: what {@code toString} shows. */
  static String describe(Record settings) {
    List<String> parts = new ArrayList<>();
    for (RecordComponent c : settings.getClass().getRecordComponents()) {
      Object value;
      try {
        value = c.getAccessor().invoke(settings);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      Env env = c.getAnnotation(Env.class);
      if (value instanceof Optional<?> o) {
        value = o.isPresent() ? o.get() : "<unset>";
      }
      parts.add(c.getName() + "=" + (env != null && env.secret() && !"<unset>".equals(value) ? "***" : value));
    }
    return settings.getClass().getSimpleName() + "[" + String.join(", ", parts) + "]";
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 2 || !args[0].equals("variables")) {
      throw new IllegalArgumentException("usage: Settings variables <file>");
    }
    Path file = Path.of(args[1]);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, ALL.stream().map(s -> s.variable() + "\n").collect(Collectors.joining()));
  }
}
