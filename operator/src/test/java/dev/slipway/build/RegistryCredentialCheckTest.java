package dev.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class RegistryCredentialCheckTest {

  @Test
  void theSameCredentialHasOneFingerprintHoweverItIsWritten() {
    String host = "registry.example.com";
    var auth = RegistryCredentialCheck.fingerprint(secret("{\"auths\":{\"registry.example.com\":{\"auth\":\"" + b64("ci:s3cret") + "\"}}}"), host);
    var split = RegistryCredentialCheck.fingerprint(secret("{\"auths\":{\"https://registry.example.com/v2/\":{\"username\":\"ci\",\"password\":\"s3cret\"}}}"), host);
    var other = RegistryCredentialCheck.fingerprint(secret("{\"auths\":{\"registry.example.com\":{\"auth\":\"" + b64("ci:other") + "\"}}}"), host);
    assertThat(auth).isPresent().isEqualTo(split);
    assertThat(other).isPresent().isNotEqualTo(auth);
    assertThat(auth.get()).doesNotContain("s3cret").hasSize(64);
  }

  @Test
  void aSecretWithoutACredentialForTheRegistryHoldsNone() {
    String host = "registry.example.com";
    assertThat(RegistryCredentialCheck.fingerprint(null, host)).isEmpty();
    assertThat(RegistryCredentialCheck.fingerprint(secret("{\"auths\":{\"elsewhere.example.com\":{\"auth\":\"" + b64("a:b") + "\"}}}"), host)).isEmpty();
    assertThat(RegistryCredentialCheck.fingerprint(secret("{\"auths\":{\"registry.example.com\":{}}}"), host)).isEmpty();
    assertThat(RegistryCredentialCheck.fingerprint(secret("not json"), host)).isEmpty();
  }

  private static Secret secret(String json) {
    return new SecretBuilder().withNewMetadata().withName("push").endMetadata()
        .addToData(".dockerconfigjson", b64(json)).build();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
