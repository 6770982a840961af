package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.background.BackgroundEventSource;
import dev.slipway.promote.ImageCopier;
import dev.slipway.promote.ImageReference;
import dev.slipway.promote.PromotionException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Copies promoted images between repositories on threads of its own (a copy moves layers and
 * can take a while), and wakes the Environment when the copy is done. One copy per
 * Environment at a time; asking for a different copy forgets the previous answer.
 */
public final class PromotionCopies extends BackgroundEventSource<PromotionCopies.Copy, Environment> {

  /** A requested copy and, once finished, its result or why it failed (reason and a message safe to show). */
  public record Copy(ImageReference source, ImageReference target, ImageReference result, PromotionException.Reason reason, String error,
      boolean done) {}

  private final ImageCopier copier;
  private final Map<ResourceID, Copy> copies = new ConcurrentHashMap<>();

  public PromotionCopies(ImageCopier copier) {
    super(Copy.class, "promotion-copies", "slipway-promotion", 2);
    this.copier = copier;
  }

  @Override
  protected void forgetAll() {
    copies.clear();
  }

  /**
   * The finished copy of source to target for this Environment, or empty while it runs (it is
   * started on the first call).
   */
  public Optional<Copy> copy(ResourceID id, ImageReference source, ImageReference target) {
    Copy current = copies.get(id);
    if (current != null && current.source().equals(source) && current.target().equals(target)) {
      return current.done() ? Optional.of(current) : Optional.empty();
    }
    Copy pending = new Copy(source, target, null, null, null, false);
    copies.put(id, pending);
    runInBackground(() -> {
      Copy finished;
      try {
        finished = new Copy(source, target, copier.copy(source, target), null, null, true);
      } catch (PromotionException e) {
        finished = new Copy(source, target, null, e.reason(), e.getMessage(), true);
      } catch (RuntimeException e) {
        finished = new Copy(source, target, null, PromotionException.Reason.Failed,
            "copy failed: " + e.getClass().getSimpleName(), true);
      }
      if (copies.replace(id, pending, finished)) {
        getEventHandler().handleEvent(new Event(id));
      }
    });
    return Optional.empty();
  }

  /** Forgets a failed copy so the next request tries again. */
  public void retry(ResourceID id) {
    copies.computeIfPresent(id, (k, c) -> c.done() && c.error() != null ? null : c);
  }

  @Override
  public Set<Copy> getSecondaryResources(Environment primary) {
    Copy c = copies.get(ResourceID.fromResource(primary));
    return c == null ? Set.of() : Set.of(c);
  }
}
