package dev.slipway.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RemoteTest {

  @Test
  void givesJGitTheUrlWithoutItsPassword() throws Exception {
    Remote remote = Remote.parse("https://alice:p%40ss@git.example.com/shop.git", GitCredentials.none());
    assertThat(remote.kind).isEqualTo(Remote.Kind.HTTP);
    assertThat(remote.jgitUrl).isEqualTo("https://alice@git.example.com/shop.git");
    assertThat(remote.redacted).isEqualTo("https://alice:***@git.example.com/shop.git");
    assertThat(remote.username).isEqualTo("alice");
    assertThat(remote.password).isEqualTo("p@ss");
    assertThat(remote.secrets.scrub("failed: p@ss p%40ss " + "https://alice:p%40ss@git.example.com/shop.git"))
        .doesNotContain("p@ss").doesNotContain("p%40ss");
  }

  @Test
  void prefersTheSecretsCredentials() throws Exception {
    Remote remote = Remote.parse("https://alice:old@git.example.com/shop.git",
        new GitCredentials("bob", "new", null, null));
    assertThat(remote.username).isEqualTo("bob");
    assertThat(remote.password).isEqualTo("new");
    assertThat(remote.secrets.scrub("old new")).isEqualTo("*** ***");
  }

  @Test
  void sendsAPasswordWithoutUserNameAsToken() throws Exception {
    Remote remote = Remote.parse("https://git.example.com/shop.git", new GitCredentials(null, "tok", null, null));
    assertThat(remote.username).isEqualTo("x-access-token");
  }

  @Test
  void takesTheSshLoginFromTheSecretWhenTheUrlHasNone() throws Exception {
    Remote remote = Remote.parse("ssh://git.example.com:2222/shop.git", new GitCredentials("git", null, null, null));
    assertThat(remote.kind).isEqualTo(Remote.Kind.SSH);
    assertThat(remote.jgitUrl).isEqualTo("ssh://git@git.example.com:2222/shop.git");
    assertThat(remote.host).isEqualTo("git.example.com");
    assertThat(remote.port).isEqualTo(2222);
  }

  @Test
  void readsScpLikeUrlsAsSsh() throws Exception {
    Remote remote = Remote.parse("git@github.com:acme/shop.git", GitCredentials.none());
    assertThat(remote.kind).isEqualTo(Remote.Kind.SSH);
    assertThat(remote.host).isEqualTo("github.com");
    assertThat(remote.port).isEqualTo(22);
  }

  @Test
  void readsFileUrlsAndAbsolutePaths() throws Exception {
    assertThat(Remote.parse("file:///srv/git/shop.git", GitCredentials.none()).kind).isEqualTo(Remote.Kind.FILE);
    assertThat(Remote.parse("/srv/git/shop.git", GitCredentials.none()).kind).isEqualTo(Remote.Kind.FILE);
    assertThat(Remote.parse("git://host/shop.git", GitCredentials.none()).kind).isEqualTo(Remote.Kind.GIT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "relative/path.git", "ftp://host/shop.git", "https://", "s3://bucket/x.git",
      "git://user:pw@host/shop.git"})
  void refusesWhatIsNoSupportedGitUrl(String url) {
    assertThatThrownBy(() -> Remote.parse(url, GitCredentials.none()))
        .isInstanceOfSatisfying(SourceException.class,
            e -> assertThat(e.reason()).isEqualTo(SourceException.Reason.InvalidRemote));
  }

  @Test
  void masksTheKeyInMessages() throws Exception {
    String key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
        + "-----END OPENSSH PRIVATE KEY-----\n";
    Remote remote = Remote.parse("ssh://git@host/x.git",
        new GitCredentials(null, null, key.getBytes(StandardCharsets.UTF_8), null));
    assertThat(remote.secrets.scrub("bad key b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"))
        .isEqualTo("bad key ***");
  }
}
