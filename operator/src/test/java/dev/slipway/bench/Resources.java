package dev.slipway.bench;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The kinds of objects the operator writes, and how the floor copies one without anything acting on it. */
final class Resources {

  private static final Map<String, String[]> TYPES = Map.ofEntries(
      Map.entry("slipway.dev/environments", new String[] {"slipway.dev/v1alpha1", "Environment"}),
      Map.entry("slipway.dev/projects", new String[] {"slipway.dev/v1alpha1", "Project"}),
      Map.entry("batch/jobs", new String[] {"batch/v1", "Job"}),
      Map.entry("apps/deployments", new String[] {"apps/v1", "Deployment"}),
      Map.entry("apps/statefulsets", new String[] {"apps/v1", "StatefulSet"}),
      Map.entry("/services", new String[] {"v1", "Service"}),
      Map.entry("/secrets", new String[] {"v1", "Secret"}),
      Map.entry("/configmaps", new String[] {"v1", "ConfigMap"}),
      Map.entry("/events", new String[] {"v1", "Event"}),
      Map.entry("/persistentvolumeclaims", new String[] {"v1", "PersistentVolumeClaim"}),
      Map.entry("/serviceaccounts", new String[] {"v1", "ServiceAccount"}),
      Map.entry("events.k8s.io/events", new String[] {"events.k8s.io/v1", "Event"}),
      Map.entry("networking.k8s.io/ingresses", new String[] {"networking.k8s.io/v1", "Ingress"}),
      Map.entry("policy/poddisruptionbudgets", new String[] {"policy/v1", "PodDisruptionBudget"}));

  private Resources() {}

  /** apiVersion and kind of an audit log's apiGroup and resource, or null. */
  static String[] type(String group, String resource) {
    return TYPES.get(group + "/" + resource);
  }

  /** A copy with only name-independent metadata, no status, and nothing a controller would act on. */
  @SuppressWarnings("unchecked")
  static GenericKubernetesResource neutral(GenericKubernetesResource sample, String resource) {
    GenericKubernetesResource o = Serialization.clone(sample);
    ObjectMeta m = new ObjectMeta();
    m.setLabels(o.getMetadata().getLabels() == null ? null : new HashMap<>(o.getMetadata().getLabels()));
    Map<String, String> annotations = o.getMetadata().getAnnotations() == null ? new HashMap<>() : new HashMap<>(o.getMetadata().getAnnotations());
    annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    annotations.remove("deployment.kubernetes.io/revision");
    m.setAnnotations(annotations);
    o.setMetadata(m);
    Map<String, Object> props = o.getAdditionalProperties();
    props.remove("status");
    Object spec = props.get("spec");
    switch (resource) {
      case "jobs" -> {
        Map<String, Object> s = (Map<String, Object>) spec;
        s.put("suspend", true);
        s.remove("selector");
        s.remove("manualSelector");
        Map<String, Object> template = (Map<String, Object>) s.get("template");
        Map<String, Object> tm = (Map<String, Object>) template.get("metadata");
        if (tm != null && tm.get("labels") instanceof Map<?, ?> labels) {
          for (String k : List.of("controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")) {
            labels.remove(k);
          }
        }
        if (m.getLabels() != null) {
          for (String k : List.of("controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")) {
            m.getLabels().remove(k);
          }
        }
      }
      case "deployments", "statefulsets" -> ((Map<String, Object>) spec).put("replicas", 0);
      case "services" -> {
        Map<String, Object> s = (Map<String, Object>) spec;
        s.remove("clusterIP");
        s.remove("clusterIPs");
      }
      default -> {
        // as it is
      }
    }
    return o;
  }
}
