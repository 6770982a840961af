package dev.slipway.environment;

import dev.slipway.api.v1alpha1.BuildRecord;
import dev.slipway.deploy.Release;
import java.util.List;

/**
 * The newest release an environment could run, as the source and build steps (or, for a
 * promoted environment, the promotion step) found it.
 *
 * @param release null when there is none yet
 * @param resolvedCommit what the branch (or pin, or source environment) is at now
 * @param source the SourceResolved condition
 * @param built the Built condition
 * @param builds the build history to show
 * @param building a build runs for the newest commit
 * @param failed the newest commit could not be resolved or built
 */
record Candidate(Release release, String resolvedCommit, ConditionValue source, ConditionValue built, List<BuildRecord> builds,
    boolean building, boolean failed) {}
