package dev.slipway.git;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GitCredentialsTest {

  private static final String KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
      + "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
      + "-----END OPENSSH PRIVATE KEY-----\n";

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void noneIsEmpty() {
    assertThat(GitCredentials.none().isEmpty()).isTrue();
    assertThat(GitCredentials.fromSecretData(null).isEmpty()).isTrue();
    assertThat(GitCredentials.fromSecretData(Map.of()).isEmpty()).isTrue();
    assertThat(GitCredentials.fromSecretData(Map.of("unrelated", bytes("x"))).isEmpty()).isTrue();
  }

  @Test
  void readsUserNameAndPassword() {
    GitCredentials credentials = GitCredentials.fromSecretData(
        Map.of("username", bytes("alice"), "password", bytes("s3cret")));
    assertThat(credentials.username()).isEqualTo("alice");
    assertThat(credentials.password()).isEqualTo("s3cret");
    assertThat(credentials.sshPrivateKey()).isNull();
    assertThat(credentials.knownHosts()).isNull();
    assertThat(credentials.isEmpty()).isFalse();
  }

  @Test
  void sendsATokenAloneAsPasswordOfXAccessToken() {
    GitCredentials credentials = GitCredentials.fromSecretData(Map.of("token", bytes("ghp_abc")));
    assertThat(credentials.username()).isEqualTo("x-access-token");
    assertThat(credentials.password()).isEqualTo("ghp_abc");
  }

  @Test
  void keepsTheUserNameGivenWithAToken() {
    GitCredentials credentials = GitCredentials.fromSecretData(
        Map.of("token", bytes("glpat-abc"), "username", bytes("oauth2")));
    assertThat(credentials.username()).isEqualTo("oauth2");
    assertThat(credentials.password()).isEqualTo("glpat-abc");
  }

  @Test
  void prefersThePasswordOverAToken() {
    GitCredentials credentials = GitCredentials.fromSecretData(
        Map.of("password", bytes("pw"), "token", bytes("tok"), "username", bytes("alice")));
    assertThat(credentials.password()).isEqualTo("pw");
    assertThat(credentials.username()).isEqualTo("alice");
  }

  @Test
  void readsAnSshAuthSecret() {
    GitCredentials credentials = GitCredentials.fromSecretData(Map.of(
        "ssh-privatekey", bytes(KEY),
        "known_hosts", bytes("github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")));
    assertThat(credentials.sshPrivateKey()).isEqualTo(bytes(KEY));
    assertThat(credentials.knownHosts()).startsWith("github.com ssh-ed25519 ");
    assertThat(credentials.username()).isNull();
    assertThat(credentials.password()).isNull();
  }

  @Test
  void dropsTheTrailingNewlineEchoLeaves() {
    GitCredentials credentials = GitCredentials.fromSecretData(
        Map.of("username", bytes("alice\n"), "password", bytes("s3cret\r\n")));
    assertThat(credentials.username()).isEqualTo("alice");
    assertThat(credentials.password()).isEqualTo("s3cret");
  }

  @Test
  void treatsEmptyValuesAsAbsent() {
    Map<String, byte[]> data = new HashMap<>();
    data.put("username", bytes(""));
    data.put("password", null);
    data.put("ssh-privatekey", new byte[0]);
    assertThat(GitCredentials.fromSecretData(data).isEmpty()).isTrue();
  }

  @Test
  void toStringShowsNoSecretValue() {
    GitCredentials credentials = GitCredentials.fromSecretData(Map.of(
        "username", bytes("alice"),
        "password", bytes("PASSWORD-VALUE"),
        "ssh-privatekey", bytes(KEY),
        "known_hosts", bytes("# comment\nhost1 ssh-ed25519 AAAA1\nhost2 ssh-ed25519 AAAA2\n")));
    String text = credentials.toString();
    assertThat(text)
        .doesNotContain("PASSWORD-VALUE")
        .doesNotContain("b3BlbnNzaC1rZXktdjE")
        .doesNotContain("PRIVATE KEY")
        .contains("username=alice", "password=***", "sshPrivateKey=***", "knownHosts=2 entries");
    assertThat(GitCredentials.fromSecretData(Map.of("token", bytes("TOKEN-VALUE"))).toString())
        .doesNotContain("TOKEN-VALUE");
    assertThat(GitCredentials.none().toString()).contains("password=none", "sshPrivateKey=none");
  }

  @Test
  void comparesKeysByContentAndCopiesThem() {
    byte[] key = bytes(KEY);
    GitCredentials credentials = new GitCredentials(null, null, key, null);
    assertThat(credentials).isEqualTo(new GitCredentials(null, null, bytes(KEY), null));
    assertThat(credentials.hashCode()).isEqualTo(new GitCredentials(null, null, bytes(KEY), null).hashCode());
    key[0] = 'X';
    credentials.sshPrivateKey()[1] = 'Y';
    assertThat(credentials.sshPrivateKey()).isEqualTo(bytes(KEY));
  }
}
