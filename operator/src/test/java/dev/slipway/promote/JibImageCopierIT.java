package dev.slipway.promote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.testing.LocalRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link JibImageCopier} against real registries on loopback ({@link LocalRegistry}). */
@Timeout(120)
class JibImageCopierIT {

  private static final List<String> CONFIG_FIELDS =
      List.of("Entrypoint", "Cmd", "Env", "User", "WorkingDir", "Labels", "ExposedPorts");
  private static final SecureRandom RANDOM = new SecureRandom();

  private static LocalRegistry registry;
  private static LocalRegistry secured;

  @BeforeAll
  static void startRegistries() {
    registry = LocalRegistry.start();
    secured = LocalRegistry.startWithBasicAuth();
  }

  @AfterAll
  static void stopRegistries() {
    if (registry != null) {
      registry.close();
    }
    if (secured != null) {
      secured.close();
    }
  }

  private static JibImageCopier anonymousCopier() {
    return new JibImageCopier(host -> Optional.empty(), Set.of(registry.host(), secured.host()));
  }

  private static JibImageCopier copierWith(RegistryCredentials credentials) {
    return new JibImageCopier(
        host -> host.equals(secured.host()) ? Optional.of(credentials) : Optional.empty(),
        Set.of(registry.host(), secured.host()));
  }

  private static String commitSha() {
    byte[] bytes = new byte[20];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void copiesTheImageByDigestToTheTargetRepositoryWithTheSameConfig() throws Exception {
    String sha = commitSha();
    ImageReference source = registry.pushTestImage("team-a/shop", sha);
    ImageReference target = ImageReference.parse(registry.host() + "/team-a/shop-live:" + sha);

    ImageReference copied = anonymousCopier().copy(source, target);

    assertThat(copied.registry()).isEqualTo(registry.host());
    assertThat(copied.repository()).isEqualTo("team-a/shop-live");
    assertThat(copied.tag()).isNull();
    assertThat(copied).hasToString(registry.host() + "/team-a/shop-live@" + copied.digest());
    // What the target repository stores under the tag is what copy() returned.
    assertThat(registry.manifestDigest("team-a/shop-live", sha)).isEqualTo(copied.digest());
    assertThat(registry.hasManifest("team-a/shop-live", copied.digest())).isTrue();
    // Same layers, same runtime configuration.
    assertThat(registry.manifest("team-a/shop-live", copied.digest()).path("layers"))
        .isEqualTo(registry.manifest("team-a/shop", source.digest()).path("layers"));
    JsonNode sourceConfig = registry.imageConfig("team-a/shop", source.digest()).path("config");
    JsonNode copiedConfig = registry.imageConfig("team-a/shop-live", copied.digest()).path("config");
    for (String field : CONFIG_FIELDS) {
      assertThat(sourceConfig.has(field)).as("source config has %s: %s", field, sourceConfig).isTrue();
      assertThat(copiedConfig.path(field)).as(field).isEqualTo(sourceConfig.path(field));
    }
    assertThat(copiedConfig.path("Entrypoint").toString()).isEqualTo("[\"/app/serve\",\"--port=8000\"]");
    assertThat(copiedConfig.path("Env").toString()).contains("APP_MODE=test");
    assertThat(copiedConfig.path("User").asText()).isEqualTo("1000:1000");
    assertThat(copiedConfig.path("Labels").path("dev.slipway.test").asText()).isEqualTo("true");
    assertThat(copiedConfig.path("ExposedPorts").has("8000/tcp")).isTrue();
    // For an image jib built, jib's rewrite is byte-identical: the digest is kept.
    assertThat(copied.digest()).isEqualTo(source.digest());
    // The source is untouched.
    assertThat(registry.manifestDigest("team-a/shop", sha)).isEqualTo(source.digest());
  }

  @Test
  void copyingAgainReturnsTheSameDigest() throws Exception {
    String sha = commitSha();
    ImageReference source = registry.pushTestImage("team-a/shop", sha);
    ImageReference target = ImageReference.parse(registry.host() + "/team-a/shop-live:" + sha);
    JibImageCopier copier = anonymousCopier();

    ImageReference first = copier.copy(source, target);
    ImageReference second = copier.copy(source, target);
    ImageReference otherTag = copier.copy(source, target.withTag("live-" + sha.substring(0, 8)));

    assertThat(second).isEqualTo(first);
    assertThat(otherTag).isEqualTo(first);
    assertThat(registry.manifestDigest("team-a/shop-live", sha)).isEqualTo(first.digest());
    assertThat(registry.manifestDigest("team-a/shop-live", "live-" + sha.substring(0, 8))).isEqualTo(first.digest());
  }

  @Test
  void copiesAcrossRegistriesWithCredentials() throws Exception {
    String sha = commitSha();
    ImageReference source = registry.pushTestImage("team-a/shop", sha);
    JibImageCopier copier = copierWith(new RegistryCredentials(LocalRegistry.USERNAME, LocalRegistry.PASSWORD));

    ImageReference copied = copier.copy(source, ImageReference.parse(secured.host() + "/team-a/shop-live:" + sha));
    ImageReference back = copier.copy(copied, ImageReference.parse(registry.host() + "/team-a/shop-back:" + sha));

    assertThat(copied.registry()).isEqualTo(secured.host());
    assertThat(secured.manifestDigest("team-a/shop-live", sha)).isEqualTo(copied.digest());
    assertThat(secured.imageConfig("team-a/shop-live", sha).path("config"))
        .isEqualTo(registry.imageConfig("team-a/shop", sha).path("config"));
    assertThat(registry.manifestDigest("team-a/shop-back", sha)).isEqualTo(back.digest());
  }

  @Test
  void aMissingSourceFailsNamingTheImage() throws Exception {
    String sha = commitSha();
    ImageReference existing = registry.pushTestImage("team-a/shop", sha);
    ImageReference missing = existing.withDigest("sha256:" + "0".repeat(64));
    ImageReference missingRepository = ImageReference.parse(registry.host() + "/team-a/nothing@" + existing.digest());
    ImageReference target = ImageReference.parse(registry.host() + "/team-a/shop-live:" + sha);

    assertThatThrownBy(() -> anonymousCopier().copy(missing, target))
        .isInstanceOf(PromotionException.class)
        .hasMessage("source image " + missing.byDigest() + " not found");
    assertThatThrownBy(() -> anonymousCopier().copy(missingRepository, target))
        .isInstanceOf(PromotionException.class)
        .hasMessage("source image " + missingRepository.byDigest() + " not found");
    assertThat(registry.hasManifest("team-a/shop-live", sha)).isFalse();
  }

  @Test
  void aSourceWithoutDigestIsRefused() {
    ImageReference byTag = ImageReference.parse(registry.host() + "/team-a/shop:latest");

    assertThatThrownBy(() -> anonymousCopier().copy(byTag, ImageReference.parse(registry.host() + "/team-a/shop-live:x")))
        .isInstanceOf(PromotionException.class)
        .hasMessageContaining("source image " + byTag + " has no digest");
  }

  @Test
  void anUnreachableRegistryFailsQuicklyNamingIt() throws Exception {
    String sha = commitSha();
    ImageReference source = registry.pushTestImage("team-a/shop", sha);
    String closed = "127.0.0.1:" + closedPort();
    JibImageCopier copier = new JibImageCopier(host -> Optional.empty(), Set.of(registry.host(), closed));

    long started = System.nanoTime();
    assertThatThrownBy(() -> copier.copy(
            ImageReference.parse(closed + "/team-a/shop@" + source.digest()),
            ImageReference.parse(registry.host() + "/team-a/shop-live:" + sha)))
        .isInstanceOf(PromotionException.class)
        .hasMessageStartingWith("registry " + closed + " unreachable");
    assertThatThrownBy(() -> copier.copy(source, ImageReference.parse(closed + "/team-a/shop-live:" + sha)))
        .isInstanceOf(PromotionException.class)
        .hasMessageStartingWith("registry " + closed + " unreachable");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void aRegistryThatNeverAnswersIsBoundedByTheCopyTimeout(@TempDir Path work) throws Exception {
    String sha = commitSha();
    ImageReference source = registry.pushTestImage("team-a/shop", sha);
    // Accepts connections (kernel backlog) but never answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String host = "127.0.0.1:" + silent.getLocalPort();
      JibImageCopier copier =
          new JibImageCopier(h -> Optional.empty(), Set.of(registry.host(), host), Duration.ofSeconds(2), work);

      long started = System.nanoTime();
      assertThatThrownBy(() -> copier.copy(source, ImageReference.parse(host + "/team-a/shop-live:" + sha)))
          .isInstanceOf(PromotionException.class)
          .hasMessageContaining("did not finish within 2.0s");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void wrongCredentialsAreRefusedWithoutShowingThePassword() throws Exception {
    String sha = commitSha();
    ImageReference source = secured.pushTestImage("team-a/shop", sha);
    ImageReference target = ImageReference.parse(secured.host() + "/team-a/shop-live:" + sha);
    String wrongPassword = "wrong-" + commitSha();

    assertThatThrownBy(() -> copierWith(new RegistryCredentials(LocalRegistry.USERNAME, wrongPassword)).copy(source, target))
        .isInstanceOf(PromotionException.class)
        .hasMessageStartingWith("registry " + secured.host() + " refused the credentials")
        .hasMessageNotContaining(wrongPassword)
        .hasMessageNotContaining(LocalRegistry.PASSWORD);
    assertThatThrownBy(() -> anonymousCopier().copy(source, target))
        .isInstanceOf(PromotionException.class)
        .hasMessageStartingWith("registry " + secured.host() + " requires credentials")
        .hasMessageContaining("none are configured");
    assertThat(secured.hasManifest("team-a/shop-live", sha)).isFalse();

    ImageReference copied =
        copierWith(new RegistryCredentials(LocalRegistry.USERNAME, LocalRegistry.PASSWORD)).copy(source, target);
    assertThat(secured.manifestDigest("team-a/shop-live", sha)).isEqualTo(copied.digest());
  }

  @Test
  void credentialsAreNotSentOverPlainHttpUnlessAllowed() throws Exception {
    String sha = commitSha();
    ImageReference source = secured.pushTestImage("team-a/shop", sha);
    JibImageCopier copier = copierWith(new RegistryCredentials(LocalRegistry.USERNAME, LocalRegistry.PASSWORD));
    String previous = System.clearProperty("sendCredentialsOverHttp");
    try {
      assertThatThrownBy(() -> copier.copy(source, ImageReference.parse(secured.host() + "/team-a/shop-live:" + sha)))
          .isInstanceOf(PromotionException.class)
          .hasMessageStartingWith("registry " + secured.host() + " requires credentials, which are not sent over plain HTTP")
          .hasMessageNotContaining(LocalRegistry.PASSWORD);
    } finally {
      if (previous != null) {
        System.setProperty("sendCredentialsOverHttp", previous);
      }
    }
  }
}
