package dev.slipway.environment;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import java.util.Map;
import java.util.Objects;

/**
 * What people asked of the environment through annotations. A request is new while its value
 * differs from the last one the status says was acted on; each step decides when it has acted.
 */
record Requests(Request refresh, Request deploy, Request rotation, Request retryRelease) {

  /** One annotation's value, and whether it has not been acted on yet. */
  record Request(String value, boolean isNew) {}

  static Requests of(Environment environment, EnvironmentStatus previous) {
    Map<String, String> a = environment.getMetadata().getAnnotations();
    return new Requests(
        request(a, Annotations.REFRESH, previous.getObservedRefresh()),
        request(a, Annotations.DEPLOY, previous.getObservedDeployRequest()),
        request(a, Annotations.ROTATE_DATABASE_PASSWORD, previous.getObservedPasswordRotation()),
        request(a, Annotations.RETRY_RELEASE, previous.getObservedReleaseRetry()));
  }

  private static Request request(Map<String, String> annotations, String key, String observed) {
    String value = annotations == null ? null : annotations.get(key);
    return new Request(value, value != null && !Objects.equals(value, observed));
  }
}
