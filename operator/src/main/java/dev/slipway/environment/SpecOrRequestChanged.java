package dev.slipway.environment;

import dev.slipway.Annotations;
import dev.slipway.api.v1alpha1.Environment;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of an Environment are worth a reconcile: a new spec (generation), a request
 * made through the refresh, deploy, rotation or retry annotation, a Restore starting or ending, or the
 * data's state it records (annotations do not bump the generation), or
 * the start of deletion. Status writes, ours included, are not.
 */
public class SpecOrRequestChanged implements OnUpdateFilter<Environment> {

  @Override
  public boolean accept(Environment newer, Environment older) {
    return !Objects.equals(newer.getMetadata().getGeneration(), older.getMetadata().getGeneration())
        || !Objects.equals(annotation(newer, Annotations.REFRESH), annotation(older, Annotations.REFRESH))
        || !Objects.equals(annotation(newer, Annotations.DEPLOY), annotation(older, Annotations.DEPLOY))
        || !Objects.equals(annotation(newer, Annotations.ROTATE_DATABASE_PASSWORD), annotation(older, Annotations.ROTATE_DATABASE_PASSWORD))
        || !Objects.equals(annotation(newer, Annotations.RETRY_RELEASE), annotation(older, Annotations.RETRY_RELEASE))
        || !Objects.equals(annotation(newer, Annotations.RESTORING), annotation(older, Annotations.RESTORING))
        || !Objects.equals(annotation(newer, Annotations.UNSANITIZED_DATA), annotation(older, Annotations.UNSANITIZED_DATA))
        || !Objects.equals(annotation(newer, Annotations.RESTORED), annotation(older, Annotations.RESTORED))
        || !Objects.equals(newer.getMetadata().getDeletionTimestamp(), older.getMetadata().getDeletionTimestamp())
        || !Objects.equals(newer.getMetadata().getFinalizers(), older.getMetadata().getFinalizers());
  }

  private static String annotation(Environment e, String key) {
    Map<String, String> a = e.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }
}
