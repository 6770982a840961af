package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.git.SourceException;
import dev.slipway.promote.PromotionException;
import dev.slipway.status.EventReason;
import dev.slipway.status.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README lists every reason Slipway sets (users script against them): each condition's row in
 * the "Reasons" table, and the Event reasons line, must name exactly the enum's values.
 */
class ReasonsDocumentedTest {

  private static final Pattern CODE = Pattern.compile("`([A-Za-z]+)`");

  private static List<String> readme() throws IOException {
    Path here = Path.of("README.md");
    Path readme = Files.exists(here) && Files.isDirectory(Path.of("operator")) ? here : Path.of("..", "README.md");
    return Files.readAllLines(readme);
  }

  private static Set<String> names(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  private static Set<String> codes(String text) {
    Set<String> found = new LinkedHashSet<>();
    Matcher m = CODE.matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  @Test
  void everyConditionsReasonsAreInTheReadme() throws IOException {
    List<String> lines = readme();
    Map<String, Class<? extends Enum<?>>> conditions = Map.of(
        "SourceResolved", Reasons.SourceResolved.class, "Built", Reasons.Built.class, "DatabaseReady", Reasons.DatabaseReady.class,
        "Migrated", Reasons.Migrated.class, "Deployed", Reasons.Deployed.class, "Ready", Reasons.Ready.class,
        "DomainsAccepted", Reasons.DomainsAccepted.class);
    assertThat(Reasons.class.getDeclaredClasses()).as("every reason enum is checked here").hasSize(conditions.size());
    conditions.forEach((condition, type) -> {
      String row = lines.stream().filter(l -> l.startsWith("| `" + condition + "` |")).findFirst()
          .orElseThrow(() -> new AssertionError("README has no row for " + condition + " in its Reasons table"));
      String listed = row.split("\\|")[2];
      assertThat(codes(listed)).as("README's reasons of " + condition).containsExactlyInAnyOrderElementsOf(names(type));
    });
  }

  @Test
  void everyEventReasonIsInTheReadme() throws IOException {
    String line = readme().stream().filter(l -> l.startsWith("Event reasons: ")).findFirst()
        .orElseThrow(() -> new AssertionError("README has no 'Event reasons:' line"));
    assertThat(codes(line)).containsExactlyInAnyOrderElementsOf(names(EventReason.class));
  }

  @Test
  void reasonsFromGitAndPromotionAllHaveTheirValue() {
    for (SourceException.Reason r : SourceException.Reason.values()) {
      assertThat(Reasons.SourceResolved.of(r).name()).isEqualTo(r.name());
    }
    for (PromotionException.Reason r : PromotionException.Reason.values()) {
      assertThat(Reasons.Built.promotionFailed(r).name()).startsWith("Promotion");
    }
    Reason rolledOut = Reasons.Deployed.RolledOut;
    assertThat(rolledOut.is("RolledOut")).isTrue();
    assertThat(rolledOut.is("RollingOut")).isFalse();
  }
}
