package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.Project;
import dev.slipway.api.v1alpha1.SourceSpec;
import dev.slipway.config.OperatorConfig;
import dev.slipway.git.GitUrls;
import dev.slipway.git.SourceCredentialsPolicy;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import dev.slipway.status.EventReason;
import dev.slipway.status.EventRecorder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Source: which commit the environment's branch (or pin) is at. Branches are resolved off the
 * reconcile threads by the {@link SourcePoller}; this step only reads its latest answer. Before
 * anything reaches the remote, the Project's credentials must pass {@link SourceCredentialsPolicy}.
 */
final class SourceStep {

  /** How long a reconcile waits for the poller's first answer before it reports "Resolving". */
  static final Duration FIRST_ANSWER_GRACE = Duration.ofSeconds(10);

  /**
   * The resolved commit (null: none yet or failed) and the SourceResolved condition;
   * {@code firstAnswerDue}: no answer yet, but one is expected within {@link #FIRST_ANSWER_GRACE}.
   */
  record Outcome(String commit, ConditionValue condition, boolean failed, boolean firstAnswerDue) {
    Outcome(String commit, ConditionValue condition, boolean failed) {
      this(commit, condition, failed, false);
    }
  }

  private final OperatorConfig config;
  private final SourcePoller poller;
  private final EventRecorder events;

  SourceStep(OperatorConfig config, SourcePoller poller, EventRecorder events) {
    this.config = config;
    this.poller = poller;
    this.events = events;
  }

  Outcome resolve(Environment environment, Project project, boolean refresh, EnvironmentStatus previous, KubernetesClient client) {
    ResourceID id = ResourceID.fromResource(environment);
    EnvironmentSpec spec = environment.getSpec();
    SourceSpec source = project.getSpec().getSource();
    Optional<ConditionValue> refused = credentialsRefused(client, environment.getMetadata().getNamespace(), source);
    if (refused.isPresent()) {
      poller.forget(id);
      warnOnce(environment, previous, refused.get());
      return new Outcome(null, refused.get(), true);
    }
    if (spec.getCommit() != null) {
      poller.forget(id);
      return new Outcome(spec.getCommit(), ConditionValue.yes(Reasons.SourceResolved.Pinned, "pinned to " + spec.getCommit()), false);
    }
    poller.track(id, new SourcePoller.Target(environment.getMetadata().getNamespace(), spec.getProject(), source.getUrl(),
        spec.getBranch(), source.getCredentialsSecret()));
    if (refresh) {
      poller.refresh(id);
    }
    Optional<SourcePoller.Observation> seen = poller.latest(id);
    if (seen.isEmpty()) {
      Optional<ConditionValue> lastAnswer = Conditions.find(previous.getConditions(), ConditionTypes.SOURCE_RESOLVED)
          .filter(c -> "True".equals(c.getStatus()) && c.getMessage() != null && c.getMessage().startsWith(spec.getBranch() + " is at "))
          .map(c -> new ConditionValue(c.getStatus(), c.getReason(), c.getMessage()));
      if (lastAnswer.isPresent() && previous.getResolvedCommit() != null) {
        // No answer yet since a restart: the last one for this branch stands until there is news,
        // so a restart writes nothing (however long the first round of polls takes).
        return new Outcome(previous.getResolvedCommit(), lastAnswer.get(), false);
      }
      return new Outcome(previous.getResolvedCommit(),
          ConditionValue.unknown(Reasons.SourceResolved.Resolving, "resolving " + spec.getBranch() + " at " + GitUrls.redact(source.getUrl())), false,
          poller.trackedFor(id).compareTo(FIRST_ANSWER_GRACE) < 0);
    }
    if (seen.get().resolved()) {
      return new Outcome(seen.get().commit(), ConditionValue.yes(Reasons.SourceResolved.Resolved, spec.getBranch() + " is at " + seen.get().commit()), false);
    }
    ConditionValue failed = ConditionValue.no(Reasons.SourceResolved.of(seen.get().error()), seen.get().message());
    warnOnce(environment, previous, failed);
    // The last commit resolved stays known (and keeps running); the condition says what is wrong now.
    return new Outcome(previous.getResolvedCommit(), failed, true);
  }

  /**
   * The Project's credentials, if it names any, are refused when the policy says so (or the
   * Secret is missing). One read of the Secret per reconcile; it is never listed or watched.
   */
  private Optional<ConditionValue> credentialsRefused(KubernetesClient client, String namespace, SourceSpec source) {
    String name = source.getCredentialsSecret();
    Map<String, String> labels = null;
    if (name != null) {
      Secret secret;
      try {
        secret = client.secrets().inNamespace(namespace).withName(name).get();
      } catch (KubernetesClientException e) {
        return Optional.of(ConditionValue.no(Reasons.SourceResolved.AuthFailed, "cannot read credentials Secret " + name + " (HTTP " + e.getCode() + ")"));
      }
      if (secret == null) {
        return Optional.of(ConditionValue.no(Reasons.SourceResolved.AuthFailed, "credentials Secret " + name + " does not exist in namespace " + namespace));
      }
      labels = secret.getMetadata().getLabels() == null ? Map.of() : secret.getMetadata().getLabels();
    }
    return SourceCredentialsPolicy.check(source.getUrl(), name, labels, config.source().allowPlainHttp())
        .map(r -> ConditionValue.reported(false, r.reason(), r.message()));
  }

  /** An Event when the source turns bad (or bad in another way), not on every reconcile. */
  private void warnOnce(Environment environment, EnvironmentStatus previous, ConditionValue now) {
    boolean same = Conditions.find(previous.getConditions(), ConditionTypes.SOURCE_RESOLVED)
        .map(c -> "False".equals(c.getStatus()) && now.reason().equals(c.getReason()))
        .orElse(false);
    if (!same) {
      events.warning(environment, EventReason.SourceFailed, now.reason() + ": " + now.message());
    }
  }
}
