package dev.slipway.status;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Objects;

/** Status comparison by content, so a reconcile that changes nothing writes nothing. */
public final class Statuses {

  private Statuses() {}

  /** Whether two status objects serialize to the same JSON (null equals an empty status). */
  public static boolean sameContent(Object current, Object next) {
    return Objects.equals(json(current), json(next));
  }

  private static String json(Object status) {
    if (status == null) {
      return "{}";
    }
    return Serialization.asJson(status);
  }
}
