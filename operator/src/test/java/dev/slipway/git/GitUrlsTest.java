package dev.slipway.git;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GitUrlsTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "https://alice:TOKEN@git.example.com/acme/shop.git | https://alice:***@git.example.com/acme/shop.git",
      "http://alice:TOKEN@127.0.0.1:8080/shop.git        | http://alice:***@127.0.0.1:8080/shop.git",
      "https://:TOKEN@git.example.com/shop.git           | https://:***@git.example.com/shop.git",
      "https://alice:p@ss@git.example.com/shop.git       | https://alice:***@git.example.com/shop.git",
      "https://alice:p%40ss%2Fx@git.example.com/shop.git | https://alice:***@git.example.com/shop.git",
      "https://alice:TOKEN@git.example.com               | https://alice:***@git.example.com",
      "HTTPS://alice:TOKEN@git.example.com/shop.git      | HTTPS://alice:***@git.example.com/shop.git",
      "ssh://git:TOKEN@git.example.com:2222/shop.git     | ssh://git:***@git.example.com:2222/shop.git",
      "git+ssh://git:TOKEN@host/shop.git                 | git+ssh://git:***@host/shop.git",
  })
  void redactsThePasswordAndKeepsTheUserName(String url, String expected) {
    assertThat(GitUrls.redact(url)).isEqualTo(expected).doesNotContain("TOKEN").doesNotContain("p@ss");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "https://git.example.com/acme/shop.git",
      "ssh://git@git.example.com:2222/acme/shop.git",
      "git@github.com:acme/shop.git",
      "git://127.0.0.1:9418/shop.git",
      "file:///srv/git/shop.git",
      "/srv/git/shop.git",
      "https://git.example.com/@scope/shop.git",
      "not a url at all",
      "",
  })
  void leavesUrlsWithoutPasswordUnchanged(String url) {
    assertThat(GitUrls.redact(url)).isEqualTo(url);
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://ghp_TOKEN@github.com/acme/shop.git", "http://TOKEN:@127.0.0.1:8080/shop.git"})
  void masksAUserNameAloneOverHttpBecauseItIsOftenAToken(String url) {
    assertThat(GitUrls.redact(url)).doesNotContain("TOKEN").contains("***@");
  }

  @Test
  void redactsNull() {
    assertThat(GitUrls.redact(null)).isNull();
  }

  @Test
  void scrubsEveryOccurrence() {
    assertThat(GitUrls.scrub("token abc, again abc and abcd", "abc"))
        .isEqualTo("token ***, again *** and ***d");
  }

  @Test
  void scrubsSeveralSecretsLongestFirst() {
    assertThat(GitUrls.scrub("key abcdef and abc", "abc", "abcdef")).isEqualTo("key *** and ***");
  }

  @Test
  void scrubsPercentEncodedForms() {
    assertThat(GitUrls.scrub("https://alice:p%40ss%2Fw@host/x.git failed", "p@ss/w"))
        .isEqualTo("https://alice:***@host/x.git failed");
    assertThat(GitUrls.scrub("https://alice:p%40ss%2fw@host/x.git failed", "p@ss/w"))
        .isEqualTo("https://alice:***@host/x.git failed");
  }

  @Test
  void ignoresEmptyAndNullSecrets() {
    assertThat(GitUrls.scrub("nothing to hide", "", null)).isEqualTo("nothing to hide");
    assertThat(GitUrls.scrub("nothing to hide")).isEqualTo("nothing to hide");
    assertThat(GitUrls.scrub("nothing to hide", (String[]) null)).isEqualTo("nothing to hide");
  }

  @Test
  void scrubsNullMessage() {
    assertThat(GitUrls.scrub(null, "secret")).isNull();
  }

  @Test
  void decodesPercentEscapesOnly() {
    assertThat(GitUrls.percentDecode("p%40ss+w%C3%B6rd%zz%4")).isEqualTo("p@ss+wörd%zz%4");
    assertThat(GitUrls.percentDecode("plain")).isEqualTo("plain");
    assertThat(GitUrls.percentDecode(null)).isNull();
  }
}
