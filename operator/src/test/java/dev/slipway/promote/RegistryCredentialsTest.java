package dev.slipway.promote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryCredentialsTest {

  private static String auth(String userPass) {
    return Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void readsTheBase64AuthField() {
    String json = "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth("robot$ci:s3cr:et") + "\"}}}";

    assertThat(RegistryCredentials.fromDockerConfigJson(json, "registry.example.com"))
        .contains(new RegistryCredentials("robot$ci", "s3cr:et"));
  }

  @Test
  void readsUsernameAndPasswordWhenThereIsNoAuthField() {
    String json = "{\"auths\":{\"127.0.0.1:5000\":{\"username\":\"u\",\"password\":\"p\",\"email\":\"x@example.com\"}}}";

    assertThat(RegistryCredentials.fromDockerConfigJson(json, "127.0.0.1:5000"))
        .contains(new RegistryCredentials("u", "p"));
  }

  @Test
  void authWinsOverUsernameAndPassword() {
    String json = "{\"auths\":{\"r.example.com\":{\"auth\":\"" + auth("a:b") + "\",\"username\":\"u\",\"password\":\"p\"}}}";

    assertThat(RegistryCredentials.fromDockerConfigJson(json, "r.example.com")).contains(new RegistryCredentials("a", "b"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "registry.example.com:5000",
      "https://registry.example.com:5000",
      "https://registry.example.com:5000/v1/",
      "http://registry.example.com:5000/",
      "Registry.Example.com:5000"
  })
  void matchesTheKeyFormsDockerWrites(String key) {
    String json = "{\"auths\":{\"" + key + "\":{\"auth\":\"" + auth("u:p") + "\"}}}";

    assertThat(RegistryCredentials.fromDockerConfigJson(json, "registry.example.com:5000"))
        .contains(new RegistryCredentials("u", "p"));
  }

  @Test
  void anExactKeyWinsOverANormalizedOne() {
    String json = "{\"auths\":{"
        + "\"https://reg.example.com/v1/\":{\"auth\":\"" + auth("old:1") + "\"},"
        + "\"reg.example.com\":{\"auth\":\"" + auth("new:2") + "\"}}}";

    assertThat(RegistryCredentials.fromDockerConfigJson(json, "reg.example.com"))
        .contains(new RegistryCredentials("new", "2"));
  }

  @Test
  void emptyWhenNoEntryMatches() {
    String json = "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth("u:p") + "\"},"
        + "\"registry.example.com:5000\":{\"auth\":\"" + auth("u:p") + "\"}}}";

    assertThat(RegistryCredentials.fromDockerConfigJson(json, "other.example.com")).isEmpty();
    assertThat(RegistryCredentials.fromDockerConfigJson(json, "registry.example.com:5001")).isEmpty();
    assertThat(RegistryCredentials.fromDockerConfigJson(json, "example.com")).isEmpty();
    assertThat(RegistryCredentials.fromDockerConfigJson("{\"auths\":{}}", "registry.example.com")).isEmpty();
    assertThat(RegistryCredentials.fromDockerConfigJson("{}", "registry.example.com")).isEmpty();
  }

  @Test
  void emptyWhenTheMatchingEntryHasNoCredentials() {
    String json = "{\"auths\":{\"r.example.com\":{\"identitytoken\":\"tok\"}}}";

    assertThat(RegistryCredentials.fromDockerConfigJson(json, "r.example.com")).isEmpty();
  }

  @Test
  void dockerHubAliasesAreOneRegistry() {
    String json = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + auth("hub:pw") + "\"}}}";

    assertThat(RegistryCredentials.fromDockerConfigJson(json, "registry-1.docker.io"))
        .contains(new RegistryCredentials("hub", "pw"));
    assertThat(RegistryCredentials.fromDockerConfigJson(json, "docker.io"))
        .contains(new RegistryCredentials("hub", "pw"));
  }

  @Test
  void readsALegacyDockercfgDocument() {
    String json = "{\"r.example.com\":{\"auth\":\"" + auth("u:p") + "\",\"email\":\"x@example.com\"}}";

    assertThat(RegistryCredentials.fromDockerConfigJson(json, "r.example.com")).contains(new RegistryCredentials("u", "p"));
  }

  @Test
  void malformedDocumentsAreRefusedWithoutQuotingThem() {
    assertThatThrownBy(() -> RegistryCredentials.fromDockerConfigJson("{\"auths\": {\"r\": hunter2-secret}}", "r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid JSON")
        .hasMessageNotContaining("hunter2")
        .hasNoCause();
    assertThatThrownBy(() -> RegistryCredentials.fromDockerConfigJson("[]", "r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> RegistryCredentials.fromDockerConfigJson("{\"auths\":[]}", "r"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"auths\"");
    assertThatThrownBy(() -> RegistryCredentials.fromDockerConfigJson(
            "{\"auths\":{\"r.example.com\":{\"auth\":\"" + auth("no-colon-hunter2") + "\"}}}", "r.example.com"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not base64 of user:password")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> RegistryCredentials.fromDockerConfigJson(
            "{\"auths\":{\"r.example.com\":{\"auth\":\"***hunter2***\"}}}", "r.example.com"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void toStringHidesThePassword() {
    RegistryCredentials credentials = new RegistryCredentials("robot", "hunter2");

    assertThat(credentials.toString()).contains("robot").doesNotContain("hunter2");
    assertThat(Optional.of(credentials).toString()).doesNotContain("hunter2");
  }

  @Test
  void usernameAndPasswordAreRequired() {
    assertThatThrownBy(() -> new RegistryCredentials(null, "p")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new RegistryCredentials("u", null)).isInstanceOf(NullPointerException.class);
  }
}
