package dev.slipway.backup;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.api.v1alpha1.Environment;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The hold a Restore puts on the environment it replaces the data of, in one place: what the
 * Restore controller writes on the Environment, and what the Environment controller reads from it.
 *
 * <ul>
 *   <li>{@link Annotations#RESTORING} (the Restore's name) while a Restore runs: the web pods
 *       scale to zero and no release command starts.
 *   <li>{@link Annotations#UNSANITIZED_DATA} (an environment's name) while the environment holds
 *       that environment's data unsanitised, which outlives the Restore that loaded it: the web
 *       pods stay at zero (releases go on) until a Restore loads data fit to serve, or a person
 *       removes the annotation on purpose.
 *   <li>{@link Annotations#RESTORED} (a time), set when a hold is lifted: a release decided
 *       before then is decided again, as its command ran, or was to run, on data since replaced.
 * </ul>
 *
 * Annotations, not spec: the operator never writes a spec, and these describe the data, not
 * what anyone asked for.
 */
public final class RestoreHold {

  /** Components of an environment's pods that do not write to its database: the database itself and dumps of it. */
  private static final Set<String> NOT_WRITERS = Set.of(Labels.DATABASE, Labels.BACKUP);

  private RestoreHold() {}

  /** The Restore holding the environment, if one does. */
  public static Optional<String> holder(Environment environment) {
    return Optional.ofNullable(annotation(environment, Annotations.RESTORING));
  }

  /** The environment whose unsanitised data this environment holds, if it does. */
  public static Optional<String> unsanitizedFrom(Environment environment) {
    return Optional.ofNullable(annotation(environment, Annotations.UNSANITIZED_DATA));
  }

  /** The web pods must not run: a Restore replaces the data, or the data is another environment's, unsanitised. */
  public static boolean stopsPods(Environment environment) {
    return holder(environment).isPresent() || unsanitizedFrom(environment).isPresent();
  }

  /** The replicas the web Deployment gets: zero while the hold stops the pods. */
  public static int replicas(Environment environment, int wanted) {
    return stopsPods(environment) ? 0 : wanted;
  }

  /** No release command (nor the Backup before it) starts while a Restore replaces the data. */
  public static boolean holdsReleases(Environment environment) {
    return holder(environment).isPresent();
  }

  /**
   * Whether a release whose step started at {@code startedAt} was decided before a Restore let
   * the environment go: its command ran, or was to run, on data that was replaced since.
   */
  public static boolean decidedBeforeRestore(Environment environment, String startedAt) {
    Optional<Instant> restored = instant(annotation(environment, Annotations.RESTORED));
    Optional<Instant> started = instant(startedAt);
    return restored.isPresent() && started.isPresent() && started.get().isBefore(restored.get());
  }

  /** Why nothing serves, for the environment's Ready condition, when unsanitised data stops the pods. */
  public static Optional<String> unsanitizedMessage(Environment environment) {
    return unsanitizedFrom(environment).map(from -> environment.getMetadata().getName() + " holds data from " + from
        + " that was not sanitised, so it serves nothing: a Restore of data fit to serve (its own Backup, or a copy the"
        + " sanitize command succeeded on) lets it serve again; removing the annotation " + Annotations.UNSANITIZED_DATA
        + " serves the data as it is");
  }

  /**
   * A pod that may write to the environment's database: one of the environment's that {@link #runs},
   * neither the database itself nor a dump of it.
   */
  static boolean writer(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels != null && !NOT_WRITERS.contains(labels.get(Labels.COMPONENT)) && runs(pod);
  }

  /**
   * A pod that may still run: not finished, or being deleted whatever its phase says (a pod
   * marked Failed by the control plane, its node unreachable, may still run there until it is gone).
   */
  static boolean runs(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return pod.getMetadata().getDeletionTimestamp() != null || (!"Succeeded".equals(phase) && !"Failed".equals(phase));
  }

  /** The labels every pod of the environment carries (web pods, release Jobs, and any other process of it). */
  static Map<String, String> podLabels(Environment environment) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.PROJECT, environment.getSpec().getProject());
    labels.put(Labels.ENVIRONMENT, environment.getSpec().getEnvironment());
    return labels;
  }

  /** Puts the environment on hold for {@code restore}. */
  static void place(KubernetesClient client, Environment environment, String restore) {
    client.resources(Environment.class).inNamespace(environment.getMetadata().getNamespace()).withName(environment.getMetadata().getName())
        .edit(e -> {
          annotations(e).put(Annotations.RESTORING, restore);
          return e;
        });
  }

  /**
   * Lets the environment go, in one write: the hold removed (if it is still {@code restore}'s),
   * the data's state recorded ({@code unsanitizedFrom} null: fit to serve), and the time, so that
   * releases decided before are decided again.
   */
  static void lift(KubernetesClient client, Environment environment, String restore, String unsanitizedFrom, Instant now) {
    client.resources(Environment.class).inNamespace(environment.getMetadata().getNamespace()).withName(environment.getMetadata().getName())
        .edit(e -> {
          Map<String, String> a = annotations(e);
          if (restore.equals(a.get(Annotations.RESTORING))) {
            a.remove(Annotations.RESTORING);
          }
          if (unsanitizedFrom == null) {
            a.remove(Annotations.UNSANITIZED_DATA);
          } else {
            a.put(Annotations.UNSANITIZED_DATA, unsanitizedFrom);
          }
          // In seconds, as release entries record their start: one started as it is let go is not "before".
          a.put(Annotations.RESTORED, now.truncatedTo(ChronoUnit.SECONDS).toString());
          return e;
        });
  }

  private static Map<String, String> annotations(Environment e) {
    if (e.getMetadata().getAnnotations() == null) {
      e.getMetadata().setAnnotations(new LinkedHashMap<>());
    }
    return e.getMetadata().getAnnotations();
  }

  private static String annotation(Environment environment, String key) {
    Map<String, String> a = environment.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  private static Optional<Instant> instant(String value) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(value));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
