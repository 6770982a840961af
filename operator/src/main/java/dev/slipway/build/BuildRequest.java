package dev.slipway.build;

import dev.slipway.api.v1alpha1.Project;

/** What to build: a project's source at one exact commit. */
public record BuildRequest(Project project, String commit) {

  public BuildRequest {
    if (commit == null || !commit.matches("^[0-9a-f]{40}$")) {
      throw new IllegalArgumentException("a build needs a full commit SHA");
    }
  }

  public String namespace() {
    return project.getMetadata().getNamespace();
  }

  public String projectName() {
    return project.getMetadata().getName();
  }

  public String sourceUrl() {
    return project.getSpec().getSource().getUrl();
  }

  public String credentialsSecret() {
    return project.getSpec().getSource().getCredentialsSecret();
  }

  public String dockerfile() {
    String d = project.getSpec().getSource().getDockerfile();
    return d == null || d.isBlank() ? "Dockerfile" : d;
  }
}
