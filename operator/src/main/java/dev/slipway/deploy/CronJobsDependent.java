package dev.slipway.deploy;

import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.CRUDKubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.KubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CronJobs of the environment's scheduled jobs, one per job, applied with server-side apply in
 * the web rollout (so on the released image only); one whose job left the spec is deleted.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.CRON_SELECTOR))
public class CronJobsDependent extends CRUDKubernetesDependentResource<CronJob, Environment>
    implements CRUDKubernetesBulkDependentResource<CronJob, Environment>, KubernetesBulkDependentResource<CronJob, Environment> {

  public static final String NAME = "cron";

  public CronJobsDependent() {
    super(CronJob.class);
  }

  @Override
  public Map<ResourceID, CronJob> desiredResources(Environment environment, Context<Environment> context) {
    Map<ResourceID, CronJob> desired = new LinkedHashMap<>();
    for (CronJob c : CronJobResources.cronJobs(WebPlan.from(context))) {
      desired.put(ResourceID.fromResource(c), c);
    }
    return desired;
  }
}
