package dev.slipway.faults;

import static dev.slipway.testing.Environments.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.testing.Environments;
import dev.slipway.testing.LocalControlPlane;
import dev.slipway.testing.OperatorJar;
import dev.slipway.testing.TestNamespace;
import dev.slipway.testing.git.GitDaemon;
import dev.slipway.testing.git.GitRemote;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenario 12, big objects in watched namespaces: 100 ConfigMaps and 100 Secrets of 1 MB each,
 * none of them Slipway's, appear in the namespace the operator (the jar) watches. Its informers
 * are label-filtered, so its heap after a full collection stays within 10 % of what it was (an
 * unfiltered Secret or ConfigMap informer would hold 200 MB), and it keeps reconciling.
 */
@FaultTest
@Tag("faults-slow")
class Fault12BigObjectsIT {

  private static final int COUNT = 100;
  private static final int SIZE = 1_000_000;

  @Test
  @Scenario(value = 12, name = "100+100 big unrelated ConfigMaps/Secrets")
  void heapUnchangedWithin10Percent(LocalControlPlane cp, TestNamespace ns, KubernetesClient client) throws Exception {
    String n = ns.name();
    Path log = FaultRig.log(ns, "operator");
    FaultReport.operatorLog(log);
    try (GitDaemon daemon = new GitDaemon(); GitRemote remote = new GitRemote("heap")) {
      remote.commit("develop", Environments.files("Dockerfile", "FROM scratch\n"), "first");
      try (OperatorJar operator = OperatorJar.start(cp, "faults-12", OperatorJar.baseEnv(cp, n), log, "-Xmx512m")) {
        client.resource(Environments.project(n, "heap", daemon.url(remote), List.of(entry("test", "develop", true)))).create();
        Environments.await(client, n, "heap-test", Duration.ofSeconds(90), e -> e.getStatus() != null && e.getStatus().getResolvedCommit() != null);
        Thread.sleep(5000);
        long before = usedHeapAfterFullGc(operator.pid());

        String filler = "x".repeat(SIZE);
        String encoded = Base64.getEncoder().encodeToString("y".repeat(SIZE * 3 / 4).getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < COUNT; i++) {
          client.configMaps().inNamespace(n).resource(new ConfigMapBuilder().withNewMetadata().withName("big-" + i).endMetadata()
              .addToData("blob", filler).build()).create();
          client.secrets().inNamespace(n).resource(new SecretBuilder().withNewMetadata().withName("big-" + i).endMetadata()
              .addToData("blob", encoded).build()).create();
        }
        // The operator keeps reconciling (a refresh is answered) with them there.
        Environments.annotate(client, n, "heap-test", dev.slipway.Annotations.REFRESH, "big");
        Environments.await(client, n, "heap-test", Duration.ofSeconds(30), e -> "big".equals(e.getStatus().getObservedRefresh()));
        Thread.sleep(10_000);
        long after = usedHeapAfterFullGc(operator.pid());
        double change = (after - before) * 100.0 / before;
        System.out.printf("scenario 12: operator heap after full GC %d KB before, %d KB after %d ConfigMaps + %d Secrets of 1 MB (%+.1f %%)%n",
            before / 1024, after / 1024, COUNT, COUNT, change);
        FaultReport.note(String.format("heap %d KB -> %d KB (%+.1f %%) with 200 MB of unrelated objects", before / 1024, after / 1024, change));
        assertThat(Math.abs(change)).as("heap change in %").isLessThanOrEqualTo(10.0);
        assertThat(operator.alive()).isTrue();

        client.configMaps().inNamespace(n).withLabel("none").delete();
        for (int i = 0; i < COUNT; i++) {
          client.configMaps().inNamespace(n).withName("big-" + i).delete();
          client.secrets().inNamespace(n).withName("big-" + i).delete();
        }
        Canary.dump(client, n);
        client.resources(Project.class).inNamespace(n).withName("heap").delete();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.resources(Environment.class).inNamespace(n).list().getItems().isEmpty());
        FaultReport.leftovers(0);
      }
    }
  }

  private static final Pattern USED = Pattern.compile("generation\\s+total \\d+K, used (\\d+)K");

  /**
   * jcmd GC.run (a full collection with the serial collector), then the Java heap in use per
   * GC.heap_info: the young and the tenured generation (not Metaspace); the smaller of two tries.
   */
  static long usedHeapAfterFullGc(long pid) throws Exception {
    long min = Long.MAX_VALUE;
    for (int i = 0; i < 2; i++) {
      jcmd(pid, "GC.run");
      String info = jcmd(pid, "GC.heap_info");
      Matcher m = USED.matcher(info);
      long used = 0;
      int generations = 0;
      while (m.find()) {
        used += Long.parseLong(m.group(1)) * 1024;
        generations++;
      }
      if (generations != 2) {
        throw new AssertionError("unexpected GC.heap_info (the jar runs with -XX:+UseSerialGC):\n" + info);
      }
      min = Math.min(min, used);
      Thread.sleep(500);
    }
    return min;
  }

  private static String jcmd(long pid, String command) throws Exception {
    String javaHome = System.getProperty("java.home");
    Path jcmd = Path.of(javaHome, "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("jcmd " + command + " failed: " + out);
    }
    return out;
  }
}
