package dev.slipway.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where the environment's database is; never its credentials. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class DatabaseStatus {

  private DatabaseMode mode;

  @JsonPropertyDescription("host:port of the database server.")
  private String endpoint;

  @JsonPropertyDescription("RDS instance identifier, or database name on a shared server.")
  private String identifier;

  @JsonPropertyDescription("Secret holding DATABASE_URL and the connection details.")
  private String secretName;

  @JsonPropertyDescription("What deleting the environment will do to the database.")
  private DeletionPolicy deletionPolicy;

  @JsonPropertyDescription("The final snapshot deleting the environment takes (RDS, deletion policy Snapshot).")
  private String finalSnapshot;

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }

  public DatabaseMode getMode() {
    return mode;
  }

  public void setMode(DatabaseMode mode) {
    this.mode = mode;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public String getIdentifier() {
    return identifier;
  }

  public void setIdentifier(String identifier) {
    this.identifier = identifier;
  }

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public String getFinalSnapshot() {
    return finalSnapshot;
  }

  public void setFinalSnapshot(String finalSnapshot) {
    this.finalSnapshot = finalSnapshot;
  }
}
