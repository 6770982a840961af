package dev.slipway.testing;

import org.awaitility.Awaitility;

import dev.slipway.api.v1alpha1.EnvVarSpec;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentTemplate;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.ProjectSpec;
import dev.slipway.api.v1alpha1.SourceSpec;
import dev.slipway.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** Small helpers for tests that drive Projects and watch their Environments. */
public final class Environments {

  private Environments() {}

  public static Project project(String namespace, String name, String url, List<EnvironmentTemplate> mapping) {
    Project p = new Project();
    p.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    ProjectSpec spec = new ProjectSpec();
    SourceSpec source = new SourceSpec();
    source.setUrl(url);
    spec.setSource(source);
    spec.setEnvironments(new ArrayList<>(mapping));
    spec.setEnv(new ArrayList<>(List.of(new EnvVarSpec("DJANGO_SETTINGS_MODULE", "settings"))));
    p.setSpec(spec);
    return p;
  }

  public static EnvironmentTemplate entry(String name, String branch, boolean autoDeploy) {
    EnvironmentTemplate t = new EnvironmentTemplate(name);
    t.setBranch(branch);
    t.setAutoDeploy(autoDeploy);
    return t;
  }

  public static Environment get(KubernetesClient client, String namespace, String name) {
    return client.resources(Environment.class).inNamespace(namespace).withName(name).get();
  }

  public static Optional<Condition> condition(Environment env, String type) {
    return env == null || env.getStatus() == null ? Optional.empty() : Conditions.find(env.getStatus().getConditions(), type);
  }

  /**
   * Waits until the Environment satisfies the predicate and returns it. An Environment without a
   * status yet (its first report waits for the first answer from Git) does not satisfy it.
   */
  public static Environment await(KubernetesClient client, String namespace, String name, Duration timeout, Predicate<Environment> p) {
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
        Environment e = get(client, namespace, name);
        return e != null && e.getStatus() != null && p.test(e);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // What it was instead: the status says why far better than the timeout does.
      Environment last = get(client, namespace, name);
      throw new AssertionError("Environment " + namespace + "/" + name + " did not get there in " + timeout + "; its status: "
          + (last == null ? "(gone)" : io.fabric8.kubernetes.client.utils.Serialization.asYaml(last.getStatus())), e);
    }
    return get(client, namespace, name);
  }

  public static Predicate<Environment> conditionIs(String type, String status, String reason) {
    return e -> condition(e, type).map(c -> status.equals(c.getStatus()) && (reason == null || reason.equals(c.getReason()))).orElse(false);
  }

  /** Sets an annotation with a merge patch (no resourceVersion: the operator writes concurrently). */
  public static void annotate(KubernetesClient client, String namespace, String name, String key, String value) {
    String patch = io.fabric8.kubernetes.client.utils.Serialization.asJson(
        Map.of("metadata", Map.of("annotations", Map.of(key, value))));
    client.resources(Environment.class).inNamespace(namespace).withName(name)
        .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch);
  }

  /** Runs an edit again when it lost a race with the operator's own writes (HTTP 409). */
  public static <T> T retryOnConflict(java.util.function.Supplier<T> edit) {
    for (int attempt = 1; ; attempt++) {
      try {
        return edit.get();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  public static Map<String, String> files(String... pairs) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put(pairs[i], pairs[i + 1]);
    }
    return m;
  }
}
