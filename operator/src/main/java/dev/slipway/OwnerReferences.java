package dev.slipway;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/** Owner references that mark the owner as the controller, so the garbage collector and kubectl know. */
public final class OwnerReferences {

  private OwnerReferences() {}

  public static OwnerReference controller(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** Adds the controller reference when the owner exists in a cluster (a render has no UID). */
  public static <T extends HasMetadata> T controlledBy(T object, HasMetadata owner) {
    if (owner.getMetadata().getUid() != null) {
      object.addOwnerReference(controller(owner));
    }
    return object;
  }
}
