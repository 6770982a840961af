package dev.slipway.promote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

  private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  @Test
  void parsesRegistryWithPortRepositoryAndTag() {
    ImageReference ref = ImageReference.parse("127.0.0.1:5000/team-a/shop:abc");

    assertThat(ref.registry()).isEqualTo("127.0.0.1:5000");
    assertThat(ref.repository()).isEqualTo("team-a/shop");
    assertThat(ref.tag()).isEqualTo("abc");
    assertThat(ref.digest()).isNull();
    assertThat(ref.repositoryReference()).isEqualTo("127.0.0.1:5000/team-a/shop");
    assertThat(ref).hasToString("127.0.0.1:5000/team-a/shop:abc");
  }

  @Test
  void parsesDigestWithAndWithoutTag() {
    ImageReference byDigest = ImageReference.parse("registry.example.com/x@" + DIGEST);
    assertThat(byDigest).isEqualTo(new ImageReference("registry.example.com", "x", null, DIGEST));
    assertThat(byDigest.byDigest()).isEqualTo("registry.example.com/x@" + DIGEST);

    ImageReference both = ImageReference.parse("registry.example.com/x:1.2.3@" + DIGEST);
    assertThat(both.tag()).isEqualTo("1.2.3");
    assertThat(both.digest()).isEqualTo(DIGEST);
    assertThat(both.byDigest()).isEqualTo("registry.example.com/x@" + DIGEST);
    assertThat(both).hasToString("registry.example.com/x:1.2.3@" + DIGEST);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "localhost/shop",
      "localhost:5000/shop:latest",
      "reg.example.com/a/b/c:v1_2-3.4",
      "reg.example.com/a.b/c__d/e-f--g",
      "[::1]:5000/team/shop:abc",
      "123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/shop:40c0ffee",
      "registry.example.com/x:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  })
  void toStringIsCanonicalAndParsesBack(String reference) {
    ImageReference ref = ImageReference.parse(reference);

    assertThat(ref).hasToString(reference);
    assertThat(ImageReference.parse(ref.toString())).isEqualTo(ref);
  }

  @Test
  void withDigestAndWithTagReplaceOrRemove() {
    ImageReference ref = ImageReference.parse("reg.example.com/team/shop:abc");

    assertThat(ref.withDigest(DIGEST)).hasToString("reg.example.com/team/shop:abc@" + DIGEST);
    assertThat(ref.withDigest(DIGEST).withTag(null)).hasToString("reg.example.com/team/shop@" + DIGEST);
    assertThat(ref.withTag("def")).hasToString("reg.example.com/team/shop:def");
    assertThat(ref.withDigest(DIGEST).withDigest(null)).isEqualTo(ref);
    assertThatThrownBy(() -> ref.withDigest("sha256:abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid digest 'sha256:abc'");
    assertThatThrownBy(() -> ref.withTag("-bad"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid tag '-bad'");
  }

  @Test
  void byDigestWithoutDigestIsAnError() {
    assertThatThrownBy(() -> ImageReference.parse("reg.example.com/team/shop:abc").byDigest())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("reg.example.com/team/shop:abc has no digest");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "shop:abc|has no registry host",
      "team-a/shop|has no registry host",
      "shop|has no registry host",
      "reg.example.com|has no registry host",
      "reg.example.com/|repository is missing",
      "reg.example.com/Team/shop|repository names are lower-case",
      "reg.example.com/team//shop|invalid repository 'team//shop'",
      "reg.example.com/team/shop/|invalid repository",
      "reg.example.com/team/-shop|invalid repository",
      "reg.example.com/team/shop:|invalid tag ''",
      "reg.example.com/team/shop:.x|invalid tag '.x'",
      "reg.example.com/team/shop@sha256:abc|invalid digest 'sha256:abc'",
      "reg.example.com/team/shop@md5:0123456789abcdef0123456789abcdef|invalid digest",
      "reg.example.com/team/shop@SHA256:0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF|invalid digest",
      "reg.example.com/team/shop@|invalid digest ''",
      "reg.example.com:99999/shop|port 99999 is out of range",
      "reg.exa_mple.com/shop|is not a registry host",
      "-reg.example.com/shop|is not a registry host",
      "reg.example.com/team/shop:a:b|invalid repository",
      "reg.example.com/team/shop@" + "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef@x|invalid digest"
  })
  void malformedReferencesAreRefusedWithAClearMessage(String reference, String message) {
    assertThatThrownBy(() -> ImageReference.parse(reference))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message)
        .hasMessageContaining("'" + reference + "'");
  }

  @Test
  void emptyAndBlankReferencesAreRefused() {
    assertThatThrownBy(() -> ImageReference.parse(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("image reference is empty");
    assertThatThrownBy(() -> ImageReference.parse("  ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("image reference is empty");
    assertThatThrownBy(() -> ImageReference.parse("reg.example.com/shop :x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("white space");
  }

  @Test
  void theConstructorValidatesToo() {
    assertThatThrownBy(() -> new ImageReference(null, "shop", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("registry host is missing");
    assertThatThrownBy(() -> new ImageReference("reg.example.com", "Shop", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid repository 'Shop'");
    assertThatThrownBy(() -> new ImageReference("reg.example.com", "a/" + "b".repeat(260), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("longer than 255 characters");
  }
}
