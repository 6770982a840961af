package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.api.v1alpha1.Names;
import dev.slipway.api.v1alpha1.EnvironmentSpec;
import dev.slipway.api.v1alpha1.EnvironmentStatus;
import dev.slipway.api.v1alpha1.ReleaseRecord;
import dev.slipway.build.BuildNames;
import dev.slipway.config.OperatorConfig;
import dev.slipway.config.RegistrySettings;
import dev.slipway.deploy.Release;
import dev.slipway.promote.ImageReference;
import dev.slipway.release.ReleaseHistory;
import dev.slipway.status.ConditionTypes;
import dev.slipway.status.Conditions;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Optional;

/**
 * Promotion: a promoted environment never builds. Its newest release is exactly what its source
 * environment runs and has Ready ({@link #newest}); once a release is decided, and only then, the
 * per-stage registry layout copies that image into the stage's repository ({@link #copyFor}),
 * and the release history remembers the copy, so a restart does not copy again.
 */
final class PromotionStep {

  /** The decided release as this environment will run it, or why it cannot yet. */
  record Copy(Release release, ConditionValue built, boolean copying, boolean failed) {
    boolean ready() {
      return release != null;
    }

    /** The gate a copy not there yet closes: the release waits for it, or failed with it. */
    ReleaseStep.Outcome heldBack(EnvironmentStatus previous) {
      return new ReleaseStep.Outcome(failed ? ReleaseStep.Gate.FAILED : ReleaseStep.Gate.WAITING,
          ConditionValue.no(copying ? Reasons.Deployed.Promoting : Reasons.Deployed.PromotionFailed, built.message()), ReleaseStep.previousMigrated(previous),
          previous.getReleases(), null);
    }
  }

  private final OperatorConfig config;
  private final PromotionCopies copies;

  PromotionStep(OperatorConfig config, PromotionCopies copies) {
    this.config = config;
    this.copies = copies;
  }

  Candidate newest(Environment environment, EnvironmentStatus previous, Context<Environment> context) {
    EnvironmentSpec spec = environment.getSpec();
    String from = spec.getPromoteFrom();
    ConditionValue neverBuilt = ConditionValue.yes(Reasons.Built.Promoted, "never built here: runs what " + from + " has Ready");
    // Read from the controller's own cache: one copy of every Environment in memory, not two.
    Optional<Environment> source = context.getPrimaryCache().get(new ResourceID(
        Names.environmentObjectName(spec.getProject(), from), environment.getMetadata().getNamespace()));
    if (source.isEmpty()) {
      return new Candidate(null, previous.getResolvedCommit(),
          ConditionValue.no(Reasons.SourceResolved.SourceEnvironmentNotFound, "environment " + from + " does not exist"), neverBuilt, previous.getBuilds(),
          false, true);
    }
    EnvironmentStatus s = source.get().getStatus();
    boolean sourceReady = s != null && s.getImage() != null && Conditions.isTrue(s.getConditions(), ConditionTypes.READY);
    if (!sourceReady) {
      return new Candidate(null, previous.getResolvedCommit(),
          ConditionValue.unknown(Reasons.SourceResolved.SourceNotReady, from + " has nothing Ready to promote"), neverBuilt, previous.getBuilds(), false, false);
    }
    return new Candidate(new Release(s.getDeployedCommit(), s.getImage()), s.getDeployedCommit(),
        ConditionValue.yes(Reasons.SourceResolved.PromotedFrom, from + " runs " + s.getShortCommit() + " and is Ready"), neverBuilt, previous.getBuilds(),
        false, false);
  }

  /**
   * The decided release in the form this environment runs it: as it is with the shared layout;
   * with the per-stage layout, the copy in {@code <registry>/<namespace>/<project>-<stage>}
   * (remembered in the release history, else made now, off the reconcile thread).
   */
  Copy copyFor(Environment environment, Release decided, List<ReleaseRecord> history, boolean retry) {
    EnvironmentSpec spec = environment.getSpec();
    if (spec.getPromoteFrom() == null || config.registry().layout() != RegistrySettings.Layout.PER_STAGE
        || decided.promotedFrom() != null) {
      return new Copy(decided, null, false, false);
    }
    Optional<ReleaseRecord> known = ReleaseHistory.copyOf(history, decided.image());
    if (known.isPresent()) {
      return new Copy(new Release(decided.commit(), known.get().getImage(), decided.image()),
          ConditionValue.yes(Reasons.Built.Promoted, "runs " + known.get().getImage() + ", a copy of " + decided.image()), false, false);
    }
    ResourceID id = ResourceID.fromResource(environment);
    ImageReference from = ImageReference.parse(decided.image());
    ImageReference to = ImageReference.parse(BuildNames.repository(config, environment.getMetadata().getNamespace(), spec.getProject())
        + "-" + spec.getStage().value() + ":" + (decided.commit() == null ? "promoted" : decided.commit()));
    if (retry) {
      copies.retry(id);
    }
    Optional<PromotionCopies.Copy> copy = copies.copy(id, from, to);
    if (copy.isEmpty()) {
      return new Copy(null, ConditionValue.no(Reasons.Built.Promoting, "copying " + decided.image() + " to " + to.repositoryReference()), true, false);
    }
    if (copy.get().error() != null) {
      return new Copy(null, ConditionValue.no(Reasons.Built.promotionFailed(copy.get().reason()), copy.get().error()), false, true);
    }
    String copied = copy.get().result().byDigest();
    return new Copy(new Release(decided.commit(), copied, decided.image()),
        ConditionValue.yes(Reasons.Built.Promoted, "copied " + decided.image() + " to " + copied), false, false);
  }
}
