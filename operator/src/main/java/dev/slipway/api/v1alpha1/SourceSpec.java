package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class SourceSpec {

  @Required
  @Size(max = 2048)
  @Pattern("^(https?://|ssh://|git://|file:///|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)\\S+$")
  @JsonPropertyDescription("Git remote: https://, ssh://, user@host:path or file:///path.")
  private String url;

  @Size(max = 253)
  @Pattern(Names.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Secret in the project's namespace with Git credentials: 'username' and 'password' (or a 'token'), or an 'ssh-privatekey' and 'known_hosts'.")
  private String credentialsSecret;

  @Default("Dockerfile")
  @Size(max = 255)
  @ValidationRule(value = "!self.startsWith('/') && !self.contains('..')", message = "spec.source.dockerfile must be a path inside the repository")
  @JsonPropertyDescription("Path of the Dockerfile inside the repository.")
  private String dockerfile;

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getCredentialsSecret() {
    return credentialsSecret;
  }

  public void setCredentialsSecret(String credentialsSecret) {
    this.credentialsSecret = credentialsSecret;
  }

  public String getDockerfile() {
    return dockerfile;
  }

  public void setDockerfile(String dockerfile) {
    this.dockerfile = dockerfile;
  }
}
