package dev.slipway.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.testing.AuditLog;
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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 11, fuzzed specs: 500 random Projects from jqwik generators, edge values included
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

  @Test
  @Scenario(value = 11, name = "500 fuzzed Projects (jqwik)")
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
        List<Map<String, Object>> specs = projects(remote.fileUrl()).sampleStream().limit(TRIES).toList();
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
        FaultReport.note(String.format("%d specs: %d refused naming the field, %d accepted -> %d Environments steady; "
            + "max %d writes per object in 20 s", specs.size(), refused, accepted, environments, maxWrites));
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

  private static <T> Arbitrary<T> mostly(Arbitrary<T> valid, Arbitrary<T> wild) {
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(95, valid), net.jqwik.api.Tuple.of(5, wild));
  }

  private static Arbitrary<String> wildText(int max) {
    return Arbitraries.oneOf(
        Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-', '.', '_', '/').ofMinLength(0).ofMaxLength(max),
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(max),
        Arbitraries.strings().withCharRange('\u00a0', '\u07ff').withChars("日本語ñ ").ofMaxLength(max),
        Arbitraries.of("", " ", "x".repeat(64), "x".repeat(254), "-a", "a-", "Ab", "ü", "..", "a..b", "@{-1}", "a b", "a\tb", "\u200b"));
  }

  private static Arbitrary<String> unicodeText(int max) {
    return Arbitraries.oneOf(Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(max),
        Arbitraries.strings().withCharRange('\u00a0', '\u07ff').withChars("日本語ñ ").ofMaxLength(max),
        Arbitraries.of("", "x".repeat(4000), "postgres://u:p@h/db", "${HOME}", "$(echo hi)", "'; DROP TABLE x; --"));
  }

  private static Arbitrary<String> dnsName() {
    Arbitrary<String> valid = Arbitraries.oneOf(
        Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-').ofMinLength(0).ofMaxLength(20)
            .map(s -> ("f" + s).replaceAll("-+$", "")),
        Arbitraries.of("f" + "x".repeat(40), "f-" + "x".repeat(50)));
    return mostly(valid, Arbitraries.oneOf(wildText(70), Arbitraries.of("f" + "x".repeat(63), "F-upper", "f_under", "-f")));
  }

  private static Arbitrary<Map<String, Object>> envVar() {
    return envVar(true);
  }

  /** An env var; with {@code wildNames} its name is sometimes invalid (not in huge lists: one bad name refuses the list). */
  private static Arbitrary<Map<String, Object>> envVar(boolean wildNames) {
    Arbitrary<String> validName = Arbitraries.strings().withCharRange('A', 'Z').withChars('_').ofMinLength(1).ofMaxLength(30)
        .map(s -> s.startsWith("_") ? "X" + s : s);
    Arbitrary<String> names = wildNames ? mostly(validName, Arbitraries.oneOf(wildText(20), Arbitraries.of("1BAD", "A=B", ""))) : validName;
    return Combinators.combine(names, unicodeText(200)).as((k, v) -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", k);
      m.put("value", v);
      return m;
    });
  }

  private static Arbitrary<Map<String, Object>> environment() {
    Arbitrary<String> name = mostly(Arbitraries.of("test", "live", "local", "qa", "staging"), dnsName());
    Arbitrary<String> stage = mostly(Arbitraries.of("__absent__", "test", "live", "local"), Arbitraries.of("prod", "", "TEST"));
    Arbitrary<String> branch = mostly(Arbitraries.of("develop", "develop", "feature/ünïcode-ß", "main", "release/1.0", "x".repeat(200)),
        wildText(40));
    Arbitrary<Integer> replicas = mostly(Arbitraries.integers().between(1, 5),
        Arbitraries.oneOf(Arbitraries.integers().between(-3, 0), Arbitraries.of(1000, Integer.MAX_VALUE)));
    Arbitrary<List<String>> domains = mostly(Arbitraries.of("shop.example.com", "a.b.example.org", "x" + "y".repeat(60) + ".example.com")
        .list().ofMaxSize(3), wildText(40).list().ofMinSize(1).ofMaxSize(2));
    Arbitrary<String> promote = mostly(Arbitraries.of("__absent__", "__absent__", "test"), Arbitraries.of("nowhere", "live", ""));
    return Combinators.combine(name, stage, branch, Arbitraries.of(true, false), replicas, domains, promote,
        envVar().list().ofMaxSize(3)).as((nm, st, br, auto, rep, dom, pf, vars) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("name", nm);
          if (!st.equals("__absent__")) {
            m.put("stage", st);
          }
          m.put("branch", br);
          m.put("autoDeploy", auto);
          m.put("replicas", rep);
          m.put("domains", dom);
          if (!pf.equals("__absent__")) {
            m.put("promoteFrom", pf);
          }
          m.put("env", vars);
          return m;
        });
  }

  static Arbitrary<Map<String, Object>> projects(String goodUrl) {
    Arbitrary<String> url = mostly(Arbitraries.of(goodUrl, goodUrl, goodUrl, "https://git.invalid/a/b.git", "ssh://git@git.invalid/a.git",
        "git@git.invalid:a/b.git", "file:///nonexistent"), Arbitraries.oneOf(wildText(80), Arbitraries.of("ftp://x", "")));
    Arbitrary<String> boilerplate = mostly(Arbitraries.of("django-minimal", "django-webpack", "unknown-boilerplate", "x".repeat(63)),
        wildText(30));
    Arbitrary<Map<String, Object>> database = Combinators.combine(
        mostly(Arbitraries.of("none", "none", "dedicated", "shared", "__absent__"), Arbitraries.of("bogus", "", "NONE")),
        mostly(Arbitraries.integers().between(20, 100), Arbitraries.oneOf(Arbitraries.integers().between(-5, 19),
            Arbitraries.of(65537, Integer.MAX_VALUE))),
        mostly(Arbitraries.of("Snapshot", "Delete", "Retain", "__absent__"), Arbitraries.of("Keep", "")),
        mostly(Arbitraries.of("16", "15", "14.2"), Arbitraries.of("", "latest", "9.6.1"))).as((mode, storage, policy, version) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          if (!mode.equals("__absent__")) {
            m.put("mode", mode);
          }
          m.put("storageGiB", storage);
          if (!policy.equals("__absent__")) {
            m.put("deletionPolicy", policy);
          }
          m.put("version", version);
          return m;
        });
    Arbitrary<List<Map<String, Object>>> envs = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(80, envVar().list().ofMaxSize(5)), net.jqwik.api.Tuple.of(20, envVar(false).list().ofMinSize(150).ofMaxSize(300)));
    Arbitrary<Object> environments = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(60, environment().list().ofMinSize(1).ofMaxSize(3).map(l -> (Object) l)),
        net.jqwik.api.Tuple.of(20, Arbitraries.just((Object) List.of())),
        net.jqwik.api.Tuple.of(20, Arbitraries.just((Object) "__absent__")));
    return Combinators.combine(dnsName(), url, boilerplate, database, envs, environments).as((name, u, bp, db, vars, mapping) -> {
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("source", new LinkedHashMap<>(Map.of("url", u)));
      spec.put("boilerplate", bp);
      spec.put("database", db);
      spec.put("env", vars);
      if (!"__absent__".equals(mapping)) {
        spec.put("environments", mapping);
      }
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("apiVersion", "slipway.dev/v1alpha1");
      p.put("kind", "Project");
      p.put("metadata", new LinkedHashMap<>(Map.of("name", name)));
      p.put("spec", spec);
      return p;
    });
  }
}
