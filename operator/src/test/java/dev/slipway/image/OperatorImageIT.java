package dev.slipway.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.JibContainer;
import dev.slipway.promote.ImageReference;
import dev.slipway.testing.LocalRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/**
 * The operator image as make image and make image-tar build it, with jib-core and no Docker
 * engine. Nothing can be pulled from public registries here, so the base is an image the test
 * pushes into a real registry on loopback; the real base is only swapped by --base.
 */
class OperatorImageIT {

  static Path jar() {
    Path jar = Path.of("target/slipway-operator.jar").toAbsolutePath();
    assertThat(jar).as("packaged before integration tests").exists();
    return jar;
  }

  @Test
  void pushesTheJarOntoTheBaseAsANonRootImage() throws Exception {
    try (LocalRegistry registry = LocalRegistry.start()) {
      ImageReference base = registry.pushTestImage("base/jre", "17");
      String target = registry.host() + "/slipway/operator:test";
      JibContainer built = OperatorImage.build(jar(), base.byDigest(), target, null, true);

      assertThat(registry.manifestDigest("slipway/operator", "test")).isEqualTo(built.getDigest().toString());
      JsonNode config = registry.imageConfig("slipway/operator", "test").path("config");
      assertThat(config.path("User").asText()).isEqualTo(OperatorImage.USER);
      List<String> entrypoint = new ArrayList<>();
      config.path("Entrypoint").forEach(n -> entrypoint.add(n.asText()));
      assertThat(entrypoint).isEqualTo(OperatorImage.ENTRYPOINT);
      assertThat(config.path("ExposedPorts").has("8080/tcp")).isTrue();
      int baseLayers = registry.manifest("base/jre", "17").path("layers").size();
      assertThat(registry.manifest("slipway/operator", "test").path("layers").size()).isEqualTo(baseLayers + 1);
    }
  }

  @Test
  void writesATarball() throws Exception {
    try (LocalRegistry registry = LocalRegistry.start()) {
      ImageReference base = registry.pushTestImage("base/jre", "17");
      Path tar = Files.createTempFile("slipway-operator-image", ".tar");
      OperatorImage.build(jar(), base.byDigest(), "slipway/operator:0.1.0", tar, true);
      assertThat(entries(tar)).contains("manifest.json", "config.json");
      Files.deleteIfExists(tar);
    }
  }

  static List<String> entries(Path tar) throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
      TarArchiveEntry e;
      while ((e = t.getNextEntry()) != null) {
        names.add(e.getName());
      }
    }
    return names;
  }
}
