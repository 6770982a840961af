package dev.slipway.build;

import dev.slipway.config.OperatorConfig;

/** Names of what a build makes: one Job and one image tag per (project, commit). */
public final class BuildNames {

  private BuildNames() {}

  /** {@code <project>-build-<first 12 hex of the commit>}: at most 57 characters. */
  public static String jobName(String project, String commit) {
    return project + "-build-" + commit.substring(0, 12);
  }

  /** The repository builds of a project are pushed to. */
  public static String repository(OperatorConfig config, String namespace, String project) {
    String registry = config.registry().url().orElseThrow(() -> new IllegalStateException("no registry configured"));
    return registry + "/" + namespace + "/" + project;
  }

  /** Images are tagged with the full commit, so a tag says exactly what it was built from. */
  public static String image(OperatorConfig config, String namespace, String project, String commit) {
    return repository(config, namespace, project) + ":" + commit;
  }
}
