package dev.slipway.build;

import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The operator's Jobs and their Pods, looked up by name in the informers' caches (no API call).
 * Build Jobs are shared by a project's environments, so an environment must find a Job by its
 * deterministic name, not only among the Jobs an event once mapped to it: an environment added
 * after its commit's build started has had no event about that Job.
 */
public interface JobCache {

  /** Names of the informers (event sources) holding the Jobs and their Pods. */
  String JOBS = "jobs";
  String JOB_PODS = "job-pods";
  /** Index of {@link #JOB_PODS}: namespace/job-name. */
  String BY_JOB = "by-job";

  Optional<Job> job(String namespace, String name);

  List<Pod> pods(String namespace, String jobName);

  /** The index a Pod informer needs for {@link #pods}. */
  static Map<String, Function<Pod, List<String>>> podIndexers() {
    return Map.of(BY_JOB, p -> {
      String job = p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get("job-name");
      return job == null ? List.of() : List.of(p.getMetadata().getNamespace() + "/" + job);
    });
  }

  @SuppressWarnings("unchecked")
  static JobCache of(Context<Environment> context) {
    var jobs = (InformerEventSource<Job, Environment>) context.eventSourceRetriever().getEventSourceFor(Job.class, JOBS);
    var pods = (InformerEventSource<Pod, Environment>) context.eventSourceRetriever().getEventSourceFor(Pod.class, JOB_PODS);
    return new JobCache() {
      @Override
      public Optional<Job> job(String namespace, String name) {
        return jobs.get(new ResourceID(name, namespace));
      }

      @Override
      public List<Pod> pods(String namespace, String jobName) {
        return pods.byIndex(BY_JOB, namespace + "/" + jobName);
      }
    };
  }
}
