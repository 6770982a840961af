package dev.slipway.faults;

import dev.slipway.testing.LocalControlPlane;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Writes one line per scenario to {@code operator/target/faults/results.tsv} when it ends:
 * number, name, PASS/FAIL, time to recover, leftovers, ERROR lines in the operator's log, the
 * scenario's own duration and, for a failure, the first line of the reason. e2e/faults.sh prints
 * the table from it. A scenario reports its figures with {@link #recovered}, {@link #leftovers}
 * and {@link #operatorLog}.
 */
public final class FaultReport implements BeforeEachCallback, TestWatcher {

  private static final ThreadLocal<Figures> CURRENT = new ThreadLocal<>();

  /** What one scenario measured. */
  static final class Figures {
    final Instant started = Instant.now();
    Duration recovery;
    String recoveryNote = "";
    Integer leftovers;
    final java.util.List<Path> logs = new java.util.ArrayList<>();
    String note = "";
  }

  /** Where scenarios keep logs, dumps and the results. */
  public static Path dir() {
    Path dir = LocalControlPlane.repoRootPathStatic().resolve("operator/target/faults");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  private static Figures figures() {
    Figures f = CURRENT.get();
    if (f == null) {
      f = new Figures();
      CURRENT.set(f);
    }
    return f;
  }

  /** The time from the fault's end (or the restart) to the converged state. */
  public static void recovered(Duration took) {
    figures().recovery = took;
  }

  public static void recovered(Duration took, String note) {
    figures().recovery = took;
    figures().recoveryNote = note;
  }

  /** What was left behind after cleanup (instances, objects, finalizers); 0 is the goal. */
  public static void leftovers(int n) {
    figures().leftovers = n;
  }

  /** An operator log whose ERROR lines count for this scenario. */
  public static void operatorLog(Path log) {
    if (!figures().logs.contains(log)) {
      figures().logs.add(log);
    }
  }

  /** A short note for the table (a figure the scenario measured). */
  public static void note(String note) {
    figures().note = note;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    CURRENT.set(new Figures());
  }

  @Override
  public void testSuccessful(ExtensionContext context) {
    write(context, "PASS", null);
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    write(context, "FAIL", cause);
  }

  @Override
  public void testAborted(ExtensionContext context, Throwable cause) {
    write(context, "FAIL", cause);
  }

  private static void write(ExtensionContext context, String result, Throwable cause) {
    Optional<Scenario> scenario = context.getTestMethod().map(m -> m.getAnnotation(Scenario.class));
    if (scenario.isEmpty()) {
      return;
    }
    Figures f = figures();
    long errors = f.logs.stream().mapToLong(l -> dev.slipway.testing.OperatorJar.errorLines(l).size()).sum();
    String reason = cause == null ? f.note
        : (cause.getClass().getSimpleName() + ": " + String.valueOf(cause.getMessage()).lines().findFirst().orElse("")).replace('\t', ' ');
    if (reason.length() > 160) {
      reason = reason.substring(0, 160) + "...";
    }
    String line = String.join("\t",
        String.valueOf(scenario.get().value()),
        scenario.get().name(),
        result,
        f.recovery == null ? "-" : String.format("%.1f s%s", f.recovery.toMillis() / 1000.0, f.recoveryNote.isEmpty() ? "" : " " + f.recoveryNote),
        f.leftovers == null ? "-" : String.valueOf(f.leftovers),
        f.logs.isEmpty() ? "-" : String.valueOf(errors),
        String.format("%d s", Duration.between(f.started, Instant.now()).toSeconds()),
        reason) + "\n";
    try {
      Files.writeString(dir().resolve("results.tsv"), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    CURRENT.remove();
  }
}
