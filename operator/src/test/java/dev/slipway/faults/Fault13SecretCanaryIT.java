package dev.slipway.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.LocalPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 13, the secret canary across all of the above (so it runs last: make faults runs the
 * scenarios in alphabetical order): every password and credential the other scenarios generated or
 * saw cross the AWS proxy is searched for in every operator log, the Events and the status of every
 * object they dumped, moto's logs, the Postgres servers' logs, the API server's log and audit log
 * -> 0 hits. With no credentials collected it fails: it has nothing to prove.
 */
@FaultTest
@Tag("faults-slow")
class Fault13SecretCanaryIT {

  @Test
  @Scenario(value = 13, name = "secret canary over every scenario's output")
  void noCredentialAnywhere(LocalControlPlane cp) throws IOException {
    Path dir = FaultReport.dir();
    Path secretsFile = dir.resolve("canary/secrets.txt");
    Set<String> secrets = new LinkedHashSet<>();
    if (Files.exists(secretsFile)) {
      Files.readAllLines(secretsFile).stream().filter(s -> s.length() >= 8).forEach(secrets::add);
    }
    assertThat(secrets).as("credentials collected by the scenarios before this one (run it with make faults)").isNotEmpty();

    List<Path> files = new ArrayList<>();
    try (Stream<Path> logs = Files.exists(dir.resolve("logs")) ? Files.list(dir.resolve("logs")) : Stream.empty()) {
      logs.forEach(files::add);
    }
    try (Stream<Path> dumps = Files.list(dir.resolve("canary"))) {
      dumps.filter(p -> p.getFileName().toString().endsWith(".json")).forEach(files::add);
    }
    Path extra = dir.resolve("canary/files.txt");
    if (Files.exists(extra)) {
      Files.readAllLines(extra).stream().distinct().map(Path::of).filter(Files::exists).forEach(files::add);
    }
    for (String name : List.of("audit.log", "logs/kube-apiserver.log", "logs/kube-controller-manager.log", "logs/etcd.log")) {
      Path p = cp.stateDir().resolve(name);
      if (Files.exists(p)) {
        files.add(p);
      }
    }
    List<String> hits = new ArrayList<>();
    long bytes = 0;
    for (Path f : files) {
      String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      bytes += text.length();
      for (String s : secrets) {
        if (text.contains(s)) {
          hits.add(f.getFileName() + " holds a credential (" + s.length() + " characters, starts " + s.substring(0, 2) + "...)");
        }
      }
    }
    List<String> postgres = LocalPostgres.allLogs();
    for (String s : secrets) {
      if (postgres.stream().anyMatch(l -> l.contains(s))) {
        hits.add("a Postgres server log holds a credential");
      }
    }
    FaultReport.note(secrets.size() + " credentials searched in " + files.size() + " files (" + bytes / 1024 + " KB) + "
        + postgres.size() + " Postgres log lines: " + hits.size() + " hits");
    assertThat(files).as("files searched").isNotEmpty();
    assertThat(hits).as("credentials found where they must never be").isEmpty();
  }
}
