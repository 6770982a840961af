package dev.slipway.status;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Objects;
import java.util.function.Supplier;

/** Status writes: compared by content (a reconcile that changes nothing writes nothing), applied and cached. */
public final class Statuses {

  private Statuses() {}

  /** Whether two status objects serialize to the same JSON (null equals an empty status). */
  public static boolean sameContent(Object current, Object next) {
    return Objects.equals(json(current), json(next));
  }

  /**
   * A fresh object holding only name, namespace and {@code status}: what a server-side apply of
   * the status sends, so that it claims no other field.
   */
  public static <S, P extends CustomResource<?, S>> P statusOnly(P primary, Supplier<P> fresh, S status) {
    P patch = fresh.get();
    patch.setMetadata(new ObjectMetaBuilder()
        .withName(primary.getMetadata().getName())
        .withNamespace(primary.getMetadata().getNamespace())
        .build());
    patch.setStatus(status);
    return patch;
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
