package dev.slipway.environment;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.stream.Collectors;

/**
 * A short description of an unexpected failure that is safe to show in a status (not to be
 * confused with {@code git/Failures}, which classifies Git's failures into reasons).
 */
final class SafeFailureText {

  private SafeFailureText() {}

  /**
   * For API errors: the HTTP code, the reason and the fields the API server named; never the
   * message, which can quote the rejected object. For anything else: the exception's type.
   */
  static String describe(Throwable e) {
    Throwable t = e;
    while (t != null && !(t instanceof KubernetesClientException) && t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    if (t instanceof KubernetesClientException k) {
      Status status = k.getStatus();
      String reason = status == null || status.getReason() == null ? "" : " " + status.getReason();
      String fields = status == null || status.getDetails() == null || status.getDetails().getCauses() == null ? ""
          : status.getDetails().getCauses().stream().map(StatusCause::getField).filter(f -> f != null && !f.isBlank())
              .distinct().collect(Collectors.joining(", ", " (fields: ", ")"));
      return "the API server answered HTTP " + k.getCode() + reason + fields;
    }
    return "unexpected " + e.getClass().getSimpleName() + "; see the operator log";
  }
}
