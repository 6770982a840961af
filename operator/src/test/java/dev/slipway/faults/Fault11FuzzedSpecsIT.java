package dev.slipway.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.testing.AuditLog;
import dev.slipway.testing.Gen;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 11, fuzzed specs: 500 random Projects from seeded generators ({@link Gen}; the seed is
 * printed and -Dslipway.faults.fuzzSeed=N replays a run), edge values included
 * (names of 63 and 64 characters, upper case and unicode, empty and missing lists, hundreds of
 * env vars, odd branch names, negative and huge numbers, unknown enum values, promoteFrom to
 * nowhere), sent to the API server while the operator (the jar) runs. Each is either refused at
 * admission with a message naming the field, or accepted and reconciled to a steady state
 * (observedGeneration caught up on the Project and each of its Environments); the operator never
 * logs an exception stack, never dies, and is quiet once steady (operator writes per Environment
 * over a window of the audit log).
 */
@FaultTest
@Tag("faults-slow")
class Fault11FuzzedSpecsIT {

  private static final int TRIES = Integer.getInteger("slipway.faults.fuzzTries", 500);
  /** The seed of this run's specs: printed, and given back with -Dslipway.faults.fuzzSeed=N to replay them. */
  private static final long SEED = Long.getLong("slipway.faults.fuzzSeed", System.nanoTime());

  @Test
  @Scenario(value = 11, name = "500 fuzzed Projects (seeded generators)")
  void refusedNamingTheFieldOrReconciledToSteadyState(LocalControlPlane cp, TestNamespace ns, KubernetesClient client)
      throws Exception {
    String n = ns.name();
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    try (GitRemote remote = new GitRemote("fuzz")) {
      remote.commit("develop", Map.of("Dockerfile", "FROM scratch\n"), "first");
      remote.commit("feature/ünïcode-ß", Map.of("Dockerfile", "FROM scratch\n"), "odd branch");
      Map<String, String> env = OperatorJar.baseEnv(cp, n);
      env.put("SLIPWAY_POLL_INTERVAL", "120s");
      try (OperatorJar operator = OperatorJar.start(cp, "faults-11", env, log)) {
        System.out.printf("scenario 11: %d specs from seed %d (replay: -Dslipway.faults.fuzzSeed=%d)%n", TRIES, SEED, SEED);
        List<Map<String, Object>> specs = projects(remote.fileUrl()).samples(SEED).limit(TRIES).toList();
        int accepted = 0;
        int refused = 0;
        List<String> badRefusals = new ArrayList<>();
        Map<String, Integer> refusedBy = new HashMap<>();
        StringBuilder record = new StringBuilder();
        java.util.Set<String> used = new java.util.HashSet<>();
        int clientRefused = 0;
        for (int i = 0; i < specs.size(); i++) {
          Map<String, Object> p = specs.get(i);
          @SuppressWarnings("unchecked")
          Map<String, Object> meta = (Map<String, Object>) p.get("metadata");
          String name = (String) meta.get("name");
          if (used.contains(name)) {
            meta.put("name", name = name + "-" + i); // a duplicate name would be refused for another reason
          }
          String json = Serialization.asJson(p);
          try {
            client.resource(Serialization.unmarshal(json, GenericKubernetesResource.class)).inNamespace(n).create();
            used.add(name);
            accepted++;
            record.append("ACCEPTED ").append(json).append('\n');
          } catch (KubernetesClientException e) {
            refused++;
            String message = e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage();
            record.append("REFUSED ").append(e.getCode()).append(' ').append(message).append("\n  ").append(json).append('\n');
            String field = field(message);
            if (field == null || (e.getCode() != 422 && e.getCode() != 400)) {
              badRefusals.add(e.getCode() + " " + message);
            } else {
              refusedBy.merge(field, 1, Integer::sum);
            }
          } catch (RuntimeException e) {
            // fabric8 itself refuses some names before any request (an empty name): not the API's answer
            clientRefused++;
            record.append("CLIENT ").append(e.getClass().getSimpleName()).append(' ').append(e.getMessage()).append("\n  ").append(json).append('\n');
          }
        }
        Files.writeString(FaultReport.dir().resolve("fuzz-specs.txt"), record.toString(), StandardCharsets.UTF_8);
        System.out.printf("scenario 11: %d accepted, %d refused, %d refused by the client library; refusals by field: %s%n",
            accepted, refused, clientRefused, refusedBy);
        assertThat(badRefusals).as("refusals that do not name a field").isEmpty();
        assertThat(accepted).as("some specs must be accepted").isPositive();

        Instant created = Instant.now();
        await("every accepted Project and its Environments reach a steady state").atMost(Duration.ofSeconds(300))
            .pollInterval(Duration.ofSeconds(2)).until(() -> unsteady(client, n).isEmpty());
        Duration steady = Duration.between(created, Instant.now());
        int environments = client.resources(Environment.class).inNamespace(n).list().getItems().size();

        AuditLog audit = new AuditLog(cp.auditLog());
        long mark = audit.mark();
        Thread.sleep(20_000);
        Map<String, Long> perObject = audit.writesSince(mark, LocalControlPlane.operatorUser()).stream()
            .filter(w -> n.equals(w.namespace()) && !"events".equals(w.resource()))
            .collect(Collectors.groupingBy(w -> w.resource() + "/" + w.name(), Collectors.counting()));
        long maxWrites = perObject.values().stream().mapToLong(Long::longValue).max().orElse(0);
        List<String> stacks = Files.readAllLines(log).stream()
            .filter(l -> l.startsWith("\tat ") || l.matches("^\\S+ ERROR .*")).limit(20).toList();
        FaultReport.recovered(steady, "(to steady state)");
        FaultReport.note(String.format("seed %d, %d specs: %d refused naming the field, %d accepted -> %d Environments steady; "
            + "max %d writes per object in 20 s", SEED, specs.size(), refused, accepted, environments, maxWrites));
        assertThat(operator.alive()).as("the operator is alive").isTrue();
        assertThat(stacks).as("exception stacks or ERROR lines in the operator's log").isEmpty();
        assertThat(maxWrites).as("operator writes per object in 20 s once steady (no hot loop): " + perObject).isLessThanOrEqualTo(2);
        Canary.dump(client, n);
        client.resources(Project.class).inNamespace(n).delete();
        FaultReport.leftovers(0);
      }
    }
  }

  /** The field a refusal names: spec.x.y[0].z or metadata.name; null when it names none. */
  static String field(String message) {
    if (message == null) {
      return null;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(spec(?:\\.[A-Za-z]+|\\[\\d+\\])*|metadata\\.name)").matcher(message);
    if (!m.find()) {
      return null;
    }
    return m.group(1).replaceAll("\\[\\d+\\]", "[]");
  }

  private static List<String> unsteady(KubernetesClient client, String n) {
    List<String> out = new ArrayList<>();
    for (Project p : client.resources(Project.class).inNamespace(n).list().getItems()) {
      if (p.getStatus() == null || !Objects.equals(p.getStatus().getObservedGeneration(), p.getMetadata().getGeneration())) {
        out.add("project " + p.getMetadata().getName());
      }
    }
    for (Environment e : client.resources(Environment.class).inNamespace(n).list().getItems()) {
      if (e.getStatus() == null || !Objects.equals(e.getStatus().getObservedGeneration(), e.getMetadata().getGeneration())) {
        out.add("environment " + e.getMetadata().getName());
      }
    }
    return out;
  }

  // --- generators --------------------------------------------------------------------------------
  // Each field is valid most of the time and a wild or edge value otherwise, so that about a third
  // of the Projects are valid as a whole and the rest are refused for one or two fields.

  private static final String LOWER_DIGITS = Gen.range('a', 'z') + Gen.range('0', '9');
  private static final String PRINTABLE = Gen.range(' ', '~');
  private static final String UNICODE = Gen.range('\u00a0', '\u07ff') + "日本語ñ ";

  private static <T> Gen<T> mostly(Gen<T> valid, Gen<T> wild) {
    return Gen.frequency(95, valid, 5, wild);
  }

  private static Gen<String> wildText(int max) {
    return Gen.oneOf(
        Gen.strings(LOWER_DIGITS + "-._/", 0, max),
        Gen.strings(PRINTABLE, 0, max),
        Gen.strings(UNICODE, 0, max),
        Gen.of("", " ", "x".repeat(64), "x".repeat(254), "-a", "a-", "Ab", "ü", "..", "a..b", "@{-1}", "a b", "a\tb", "\u200b"));
  }

  private static Gen<String> unicodeText(int max) {
    return Gen.oneOf(Gen.strings(PRINTABLE, 0, max), Gen.strings(UNICODE, 0, max),
        Gen.of("", "x".repeat(4000), "postgres://u:p@h/db", "${HOME}", "$(echo hi)", "'; DROP TABLE x; --"));
  }

  private static Gen<String> dnsName() {
    Gen<String> valid = Gen.oneOf(
        Gen.strings(LOWER_DIGITS + "-", 0, 20).map(s -> ("f" + s).replaceAll("-+$", "")),
        Gen.of("f" + "x".repeat(40), "f-" + "x".repeat(50)));
    return mostly(valid, Gen.oneOf(wildText(70), Gen.of("f" + "x".repeat(63), "F-upper", "f_under", "-f")));
  }

  private static Gen<Map<String, Object>> envVar() {
    return envVar(true);
  }

  /** An env var; with {@code wildNames} its name is sometimes invalid (not in huge lists: one bad name refuses the list). */
  private static Gen<Map<String, Object>> envVar(boolean wildNames) {
    Gen<String> validName = Gen.strings(Gen.range('A', 'Z') + "_", 1, 30).map(s -> s.startsWith("_") ? "X" + s : s);
    Gen<String> names = wildNames ? mostly(validName, Gen.oneOf(wildText(20), Gen.of("1BAD", "A=B", ""))) : validName;
    Gen<String> values = unicodeText(200);
    return r -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", names.next(r));
      m.put("value", values.next(r));
      return m;
    };
  }

  private static Gen<Map<String, Object>> environment() {
    Gen<String> name = mostly(Gen.of("test", "live", "local", "qa", "staging"), dnsName());
    Gen<String> stage = mostly(Gen.of("__absent__", "test", "live", "local"), Gen.of("prod", "", "TEST"));
    Gen<String> branch = mostly(Gen.of("develop", "develop", "feature/ünïcode-ß", "main", "release/1.0", "x".repeat(200)),
        wildText(40));
    Gen<Integer> replicas = mostly(Gen.between(1, 5), Gen.oneOf(Gen.between(-3, 0), Gen.of(1000, Integer.MAX_VALUE)));
    Gen<List<String>> domains = mostly(Gen.of("shop.example.com", "a.b.example.org", "x" + "y".repeat(60) + ".example.com")
        .list(0, 3), wildText(40).list(1, 2));
    Gen<String> promote = mostly(Gen.of("__absent__", "__absent__", "test"), Gen.of("nowhere", "live", ""));
    Gen<Boolean> autoDeploy = Gen.of(true, false);
    Gen<List<Map<String, Object>>> vars = envVar().list(0, 3);
    return r -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name.next(r));
      String st = stage.next(r);
      if (!st.equals("__absent__")) {
        m.put("stage", st);
      }
      m.put("branch", branch.next(r));
      m.put("autoDeploy", autoDeploy.next(r));
      m.put("replicas", replicas.next(r));
      m.put("domains", domains.next(r));
      String pf = promote.next(r);
      if (!pf.equals("__absent__")) {
        m.put("promoteFrom", pf);
      }
      m.put("env", vars.next(r));
      return m;
    };
  }

  static Gen<Map<String, Object>> projects(String goodUrl) {
    Gen<String> url = mostly(Gen.of(goodUrl, goodUrl, goodUrl, "https://git.invalid/a/b.git", "ssh://git@git.invalid/a.git",
        "git@git.invalid:a/b.git", "file:///nonexistent"), Gen.oneOf(wildText(80), Gen.of("ftp://x", "")));
    Gen<String> boilerplate = mostly(Gen.of("django-minimal", "django-webpack", "unknown-boilerplate", "x".repeat(63)),
        wildText(30));
    Gen<String> mode = mostly(Gen.of("none", "none", "dedicated", "shared", "__absent__"), Gen.of("bogus", "", "NONE"));
    Gen<Integer> storage = mostly(Gen.between(20, 100), Gen.oneOf(Gen.between(-5, 19), Gen.of(65537, Integer.MAX_VALUE)));
    Gen<String> policy = mostly(Gen.of("Snapshot", "Delete", "Retain", "__absent__"), Gen.of("Keep", ""));
    Gen<String> version = mostly(Gen.of("16", "15", "14.2"), Gen.of("", "latest", "9.6.1"));
    Gen<Map<String, Object>> database = r -> {
      Map<String, Object> m = new LinkedHashMap<>();
      String md = mode.next(r);
      if (!md.equals("__absent__")) {
        m.put("mode", md);
      }
      m.put("storageGiB", storage.next(r));
      String pl = policy.next(r);
      if (!pl.equals("__absent__")) {
        m.put("deletionPolicy", pl);
      }
      m.put("version", version.next(r));
      return m;
    };
    Gen<List<Map<String, Object>>> envs = Gen.frequency(80, envVar().list(0, 5), 20, envVar(false).list(150, 300));
    Gen<Object> environments = Gen.frequency(
        60, environment().list(1, 3).map(l -> (Object) l),
        20, Gen.just((Object) List.of()),
        20, Gen.just((Object) "__absent__"));
    Gen<String> names = dnsName();
    return r -> {
      String name = names.next(r);
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("source", new LinkedHashMap<>(Map.of("url", url.next(r))));
      spec.put("boilerplate", boilerplate.next(r));
      spec.put("database", database.next(r));
      spec.put("env", envs.next(r));
      Object mapping = environments.next(r);
      if (!"__absent__".equals(mapping)) {
        spec.put("environments", mapping);
      }
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("apiVersion", "slipway.dev/v1alpha1");
      p.put("kind", "Project");
      p.put("metadata", new LinkedHashMap<>(Map.of("name", name)));
      p.put("spec", spec);
      return p;
    };
  }
}
