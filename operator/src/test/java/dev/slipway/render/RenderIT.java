package dev.slipway.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.ControlPlaneTest;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.TestNamespace;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What render prints is accepted, object by object, by the real API server (server-side dry run). */
@ControlPlaneTest
class RenderIT {

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(LocalControlPlane.repoRootPathStatic().resolve("examples"))) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void renderedObjectsApplyWithServerSideDryRun(Path example, LocalControlPlane cp, TestNamespace ns) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Map<String, String> env = Map.of("SLIPWAY_REGISTRY", "registry.example.com/slipway", "SLIPWAY_BASE_DOMAIN", "apps.example.com",
        "SLIPWAY_INGRESS_CLASS", "nginx", "SLIPWAY_TLS_ISSUER", "letsencrypt", "SLIPWAY_PIP_INDEX_URL", "https://wheels.example.com/simple");
    int code = RenderCommand.run(new String[] {example.toString(), "--namespace", ns.name()}, env,
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String yaml = out.toString(StandardCharsets.UTF_8);
    assertThat(yaml).contains("kind: \"Environment\"", "kind: \"Deployment\"", "kind: \"Service\"");

    Path file = Files.createTempFile("render-", ".yaml");
    Files.writeString(file, yaml);
    LocalControlPlane.CommandResult result = cp.kubectl("apply", "--dry-run=server", "-n", ns.name(), "-f", file.toString());
    assertThat(result.exitCode()).as(result.output()).isZero();
    List<String> lines = result.output().lines().toList();
    assertThat(lines).allMatch(l -> l.endsWith("(server dry run)"));
    assertThat(lines.size()).isEqualTo((int) yaml.lines().filter(l -> l.startsWith("kind: ")).count());
  }

  @Test
  void theJobsOfABackupAndACopyOfLiveToTestApplyWithServerSideDryRun(LocalControlPlane cp, TestNamespace ns) throws IOException {
    Path shop = LocalControlPlane.repoRootPathStatic().resolve("examples/shop.yaml");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = RenderCommand.run(new String[] {shop.toString(), "--namespace", ns.name(), "--backup", "shop-live", "--restore", "shop-test",
        "--from", "shop-live"}, Map.of("SLIPWAY_REGISTRY", "registry.example.com/slipway"),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String yaml = out.toString(StandardCharsets.UTF_8);
    assertThat(yaml).contains("name: \"shop-live-backup-00000000-dump\"", "name: \"shop-test-restore-00000000-restore\"",
        "name: \"shop-test-restore-00000000-release\"", "name: \"shop-test-restore-00000000-sanitize\"", "- \"pg_dump\"",
        "- \"pg_restore\"", "- \"anonymise\"");

    Path file = Files.createTempFile("render-data-", ".yaml");
    Files.writeString(file, yaml);
    LocalControlPlane.CommandResult result = cp.kubectl("apply", "--dry-run=server", "-n", ns.name(), "-f", file.toString());
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("job.batch/shop-live-backup-00000000-dump created (server dry run)",
        "job.batch/shop-test-restore-00000000-sanitize created (server dry run)");

    // Without a database there is nothing to back up: said at once, as the controllers would wait.
    err.reset();
    int none = RenderCommand.run(new String[] {LocalControlPlane.repoRootPathStatic().resolve("examples/blog.yaml").toString(), "--backup",
        "blog-live"}, Map.of("SLIPWAY_DATABASE_MODE", "none"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(none).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("blog-live");
  }
}
