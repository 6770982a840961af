package dev.slipway.database.shared;

import static dev.slipway.database.shared.SharedPostgresProvisioner.databaseName;
import static dev.slipway.database.shared.SharedPostgresProvisioner.roleName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SharedPostgresNamesTest {

  private static final String HOSTILE = "x\"; DROP ROLE admin; --'";

  @Test
  void namesAreDeterministicLowerCaseAndStartWithALetter() {
    String db = databaseName("team-a", "shop", "test");
    assertThat(db).isEqualTo(databaseName("team-a", "shop", "test"));
    assertThat(db).matches("team_a_shop_test_[0-9a-f]{10}");
    assertThat(roleName("team-a", "shop", "test")).matches("team_a_shop_test_[0-9a-f]{10}_app");
    assertThat(roleName("team-a", "shop", "test")).isNotEqualTo(db);
    assertThat(databaseName("1st", "shop", "test")).startsWith("s_1st_shop_test_");
    assertThat(databaseName("Team.A", "Shop", "Test")).matches("team_a_shop_test_[0-9a-f]{10}");
  }

  @Test
  void namesFitIn63BytesAndStayValidForAnyInput() {
    String long40 = "p".repeat(40);
    String long63 = "n".repeat(63);
    for (List<String> parts : List.of(List.of(long63, long40, "live"), List.of(long63, long63, long63),
        List.of("", "", ""), List.of(HOSTILE, "ü€", "日本"), List.of("9", "-", "_"))) {
      for (String name : List.of(databaseName(parts.get(0), parts.get(1), parts.get(2)), roleName(parts.get(0), parts.get(1), parts.get(2)))) {
        assertThat(name.getBytes(StandardCharsets.UTF_8).length).as(name).isLessThanOrEqualTo(63);
        assertThat(name).as(name).matches("[a-z][a-z0-9_]*");
      }
    }
  }

  @Test
  void namesThatCleaningOrCuttingWouldMergeStayApart() {
    Set<String> names = new HashSet<>();
    String prefix = "n".repeat(63);
    List<List<String>> inputs = List.of(
        List.of("a-b", "c", "d"), List.of("a", "b-c", "d"), List.of("a_b", "c", "d"), List.of("a", "b_c", "d"),
        List.of("A", "b", "c"), List.of("a", "b", "c"),
        List.of(prefix, "shop", "test"), List.of(prefix, "shop", "live"), List.of(prefix, "shop2", "test"));
    for (List<String> in : inputs) {
      assertThat(names.add(databaseName(in.get(0), in.get(1), in.get(2)))).as("database of " + in).isTrue();
      assertThat(names.add(roleName(in.get(0), in.get(1), in.get(2)))).as("role of " + in).isTrue();
    }
  }

  @Test
  void sqlStatementsKeepEveryValueOutOfTheTemplate() {
    List<SqlStatement> statements = List.of(
        SqlStatement.createRole(HOSTILE),
        SqlStatement.enableLogin(HOSTILE),
        SqlStatement.disableLogin(HOSTILE),
        SqlStatement.grantRoleToCurrentUser(HOSTILE),
        SqlStatement.createDatabase(HOSTILE, HOSTILE),
        SqlStatement.alterDatabaseOwner(HOSTILE, HOSTILE),
        SqlStatement.revokeAllFromPublic(HOSTILE),
        SqlStatement.grantConnect(HOSTILE, HOSTILE),
        SqlStatement.dropDatabase(HOSTILE, true),
        SqlStatement.dropDatabase(HOSTILE, false),
        SqlStatement.dropRole(HOSTILE));
    for (SqlStatement s : statements) {
      assertThat(s.template()).as(s.template())
          .doesNotContain(HOSTILE).doesNotContain("\"").doesNotContain("'").doesNotContain(";").doesNotContain("--")
          .matches("[A-Z _(),%]+");
      assertThat(s.args()).allSatisfy(a -> assertThat(a).contains(HOSTILE));
      assertThat(s.toString()).isEqualTo(s.template()).doesNotContain("pw");
    }
    assertThat(SqlStatement.createRole("r").template()).isEqualTo("CREATE ROLE %I WITH LOGIN");
    // No statement has a place for a password: it is set with a SCRAM verifier, never as SQL text.
    assertThat(statements).allSatisfy(s -> assertThat(s.template()).doesNotContain("PASSWORD"));
    assertThatThrownBy(() -> SqlStatement.createRole(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new SqlStatement("DROP ROLE %I", List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void scrubRemovesBothPasswords() {
    var provisioner = new SharedPostgresProvisioner(new AdminSettings("db.example.com", 5432, "admin", "adm-secret", null, null));
    assertThat(provisioner.scrub("bad adm-secret and app-secret twice app-secret", "app-secret"))
        .isEqualTo("bad *** and *** twice ***");
  }

  @Test
  void adminSettingsFromSecretData() {
    Map<String, byte[]> data = new HashMap<>();
    data.put("host", bytes("db.example.com\n"));
    data.put("username", bytes("slipway"));
    data.put("password", bytes("s3cr3t-value"));
    AdminSettings minimal = AdminSettings.fromSecretData(data);
    assertThat(minimal).isEqualTo(new AdminSettings("db.example.com", 5432, "slipway", "s3cr3t-value", "postgres", "require"));
    assertThat(minimal.requireTls()).isTrue();
    assertThat(minimal.toString()).doesNotContain("s3cr3t-value").contains("password=***");

    data.put("port", bytes("6432"));
    data.put("database", bytes("maint"));
    data.put("sslmode", bytes("disable"));
    AdminSettings full = AdminSettings.fromSecretData(data);
    assertThat(full.port()).isEqualTo(6432);
    assertThat(full.maintenanceDatabase()).isEqualTo("maint");
    assertThat(full.requireTls()).isFalse();
    data.put("sslmode", bytes("verify-full"));
    assertThat(AdminSettings.fromSecretData(data).requireTls()).isTrue();

    for (String key : List.of("host", "username", "password")) {
      Map<String, byte[]> missing = new HashMap<>(data);
      missing.remove(key);
      assertThatThrownBy(() -> AdminSettings.fromSecretData(missing))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key " + key)
          .hasMessageNotContaining("s3cr3t-value");
    }
    Map<String, byte[]> badPort = new HashMap<>(data);
    badPort.put("port", bytes("s3cr3t-value"));
    assertThatThrownBy(() -> AdminSettings.fromSecretData(badPort))
        .hasMessageContaining("key port").hasMessageNotContaining("s3cr3t-value");
    Map<String, byte[]> badSsl = new HashMap<>(data);
    badSsl.put("sslmode", bytes("s3cr3t-value"));
    assertThatThrownBy(() -> AdminSettings.fromSecretData(badSsl))
        .hasMessageContaining("key sslmode").hasMessageNotContaining("s3cr3t-value");
    Map<String, byte[]> badHost = new HashMap<>(data);
    badHost.put("host", bytes("s3cr3t-value/evil?x"));
    assertThatThrownBy(() -> AdminSettings.fromSecretData(badHost))
        .hasMessageContaining("host").hasMessageNotContaining("s3cr3t-value");
    assertThatThrownBy(() -> AdminSettings.fromSecretData(null)).isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
