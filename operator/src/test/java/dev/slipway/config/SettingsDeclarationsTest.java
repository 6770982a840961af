package dev.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.slipway.resources.Workload;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The declarations ({@link Env}, {@link Workload}) are the one source of the settings: the README's
 * Configuration table is what they render, the chart sets every variable they declare from the
 * values they name, and nothing else in the operator names a variable they do not declare.
 */
class SettingsDeclarationsTest {

  private static final String BEGIN = "<!-- settings:begin";
  private static final String END = "<!-- settings:end -->";

  /** Set by the chart from the pod or the release, not from a value of its own. */
  private static final Set<String> WITHOUT_VALUE = Set.of("POD_NAME", "POD_NAMESPACE", "SLIPWAY_LEASE_NAMESPACE");

  /** Variables the operator gives the pods it runs (not settings of its own). */
  private static final Set<String> POD_ENVIRONMENT =
      Set.of("SLIPWAY_STAGE", "SLIPWAY_PROJECT", "SLIPWAY_ENVIRONMENT", "SLIPWAY_COMMIT", "SLIPWAY_INTERNAL_HOSTS");

  @Test
  void theReadmeTableIsWhatTheDeclarationsRender() throws IOException {
    Path readme = root().resolve("README.md");
    String text = Files.readString(readme);
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    assertThat(begin).as("README.md marks its Configuration table with %s ... %s", BEGIN, END).isNotNegative();
    assertThat(end).isGreaterThan(begin);
    int tableStart = text.indexOf('\n', begin) + 1;
    String expected = Settings.markdownTable();
    if (!text.substring(tableStart, end).equals(expected)) {
      if (Boolean.getBoolean("settings.write")) {
        Files.writeString(readme, text.substring(0, tableStart) + expected + text.substring(end));
        return;
      }
      Path rendered = Path.of("target", "settings-table.md");
      Files.createDirectories(rendered.getParent());
      Files.writeString(rendered, expected);
      assertThat(text.substring(tableStart, end))
          .as("README.md's Configuration table differs from the declarations (the rendered table is in operator/%s;"
              + " -Dsettings.write=true writes it into README.md)", rendered)
          .isEqualTo(expected);
    }
  }

  @Test
  void everyDeclarationIsComplete() {
    // Every component declares its variable (Settings refuses to load otherwise) and reads at its default.
    OperatorConfig defaults = OperatorConfig.defaults();
    assertThat(defaults.http().probePort()).isEqualTo(HttpSettings.DEFAULT_PROBE_PORT);
    assertThat(Settings.read(LogSettings.class, java.util.Map.of()).level()).as("read by logback, declared here").isEqualTo("INFO");
    Set<String> seen = new TreeSet<>();
    for (Settings.Setting s : Settings.all()) {
      assertThat(seen.add(s.variable())).as("%s is declared once", s.variable()).isTrue();
      if (!WITHOUT_VALUE.contains(s.variable())) {
        assertThat(s.chart()).as("%s names the chart value that sets it", s.variable()).isNotEmpty();
      }
    }
    for (Class<? extends Record> type : Settings.CAPABILITIES) {
      RecordComponent[] components = type.getRecordComponents();
      Env first = components[0].getAnnotation(Env.class);
      if (first != null) {
        assertThat(first.doc()).as("%s's first setting is documented", type.getSimpleName()).isNotEmpty();
      }
      for (RecordComponent c : components) {
        Env env = c.getAnnotation(Env.class);
        if (env == null) {
          continue;
        }
        if (c.getType().isPrimitive()) {
          assertThat(env.defaultValue()).as("%s (%s) has a default", env.value(), c.getType()).isNotEmpty();
        }
        if (!env.orElse().isEmpty()) {
          assertThat(Settings.declared(env.orElse())).as("%s falls back to a declared setting", env.value()).isTrue();
        }
      }
    }
  }

  @Test
  void theChartSetsEveryVariableFromTheValueItsDeclarationNames() throws IOException {
    Path chart = root().resolve("helm/slipway");
    String templates;
    try (Stream<Path> files = Files.list(chart.resolve("templates"))) {
      templates = files.sorted().map(SettingsDeclarationsTest::read).collect(Collectors.joining("\n"));
    }
    JsonNode values = new YAMLMapper().readTree(chart.resolve("values.yaml").toFile());
    List<String> problems = new ArrayList<>();
    for (Settings.Setting s : Settings.all()) {
      if (!setBy(templates, s.variable())) {
        problems.add(s.variable() + " is not set in helm/slipway/templates");
      }
      if (!s.chart().isEmpty()) {
        JsonNode node = values;
        for (String key : s.chart().split("\\.")) {
          node = node == null ? null : node.get(key);
        }
        if (node == null) {
          problems.add(s.variable() + ": helm/slipway/values.yaml has no " + s.chart());
        } else if (!templates.contains(s.chart()) && !templates.contains("." + s.chart().substring(s.chart().lastIndexOf('.') + 1))) {
          problems.add(s.variable() + ": the templates never read " + s.chart());
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void logbackReadsTheLogSettingsWithTheirDefaults() throws IOException {
    String logback = Files.readString(Path.of("src/main/resources/logback.xml"));
    for (RecordComponent c : LogSettings.class.getRecordComponents()) {
      Env env = c.getAnnotation(Env.class);
      assertThat(logback).contains("${" + env.value() + ":-" + env.defaultValue() + "}");
    }
  }

  @Test
  void theOperatorNamesNoVariableThatIsNotDeclared() throws IOException {
    Set<String> known = new TreeSet<>(POD_ENVIRONMENT);
    Settings.all().forEach(s -> known.add(s.variable()));
    known.addAll(Settings.RETIRED.keySet());
    for (Workload w : Workload.values()) {
      known.add(w.requestsVariable().replace("_REQUESTS", ""));
    }
    Pattern variable = Pattern.compile("\\bSLIPWAY_[A-Z0-9_]*[A-Z0-9]\\b");
    Set<String> unknown = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Matcher m = variable.matcher(read(f));
        while (m.find()) {
          if (!known.contains(m.group())) {
            unknown.add(m.group() + " (" + f + ")");
          }
        }
      }
    }
    assertThat(unknown).as("named in the sources but not declared").isEmpty();
  }

  @Test
  void theBuildListsEveryVariableForTheChartTest() throws IOException {
    Path file = Path.of("target", "settings", "variables-test.txt");
    Settings.main(new String[] {"variables", file.toString()});
    assertThat(Files.readAllLines(file)).containsExactlyElementsOf(Settings.all().stream().map(Settings.Setting::variable).toList());
  }

  /** The variable appears in the templates: literally, or as the printf of a Workload's prefix. */
  private static boolean setBy(String templates, String variable) {
    if (Pattern.compile("name: " + variable + "\\b|\"" + variable + "\"").matcher(templates).find()) {
      return true;
    }
    return Arrays.stream(Workload.values()).anyMatch(w -> {
      String prefix = w.requestsVariable().replace("_REQUESTS", "");
      Optional<String> suffix = Stream.of("_REQUESTS", "_LIMITS", "_MAX").filter(x -> variable.equals(prefix + x)).findFirst();
      return suffix.isPresent() && templates.contains("\"" + PodSettings.chartKey(w) + "\" \"" + prefix.substring("SLIPWAY_".length()) + "\"")
          && templates.contains("\"SLIPWAY_%s" + suffix.get() + "\"");
    });
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      return fail("cannot read " + f, e);
    }
  }

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (!Files.exists(p.resolve("helm/slipway"))) {
      p = p.getParent();
      if (p == null) {
        return fail("no repository root above the working directory");
      }
    }
    return p;
  }
}
