package dev.slipway.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Objects;

/** Status comparison by content, so a reconcile that changes nothing writes nothing. */
public final class Statuses {

  private Statuses() {}

  /** Whether two status objects serialize to the same JSON (null equals an empty status). */
  public static boolean sameContent(Object current, Object next) {
    return Objects.equals(json(current), json(next));
  }

  /**
   * Writes a status by server-side apply ({@code patch}: a fresh object with name, namespace and
   * status only) and puts the answer in the controller's cache, so the reconcile that comes next
   * sees this status (a request annotation already answered) rather than the informer's older
   * copy. No resourceVersion: a change made meanwhile (a new annotation) never makes the write
   * fail, and its own event still reaches the controller.
   */
  public static <P extends HasMetadata> void applyAndCache(P primary, P patch, Context<P> context) {
    P written = context.getClient().resource(patch).subresource("status").patch(new PatchContext.Builder()
        .withPatchType(PatchType.SERVER_SIDE_APPLY)
        .withForce(true)
        .withFieldManager(context.getControllerConfiguration().fieldManager())
        .build());
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(primary), written, primary);
  }

  private static String json(Object status) {
    if (status == null) {
      return "{}";
    }
    return Serialization.asJson(status);
  }
}
