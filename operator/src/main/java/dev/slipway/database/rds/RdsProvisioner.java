package dev.slipway.database.rds;

import dev.slipway.api.v1alpha1.DeletionPolicy;
import dev.slipway.api.v1alpha1.Stage;
import dev.slipway.database.DatabaseEndpoint;
import dev.slipway.database.DatabaseProvisioner;
import dev.slipway.database.DatabaseRequest;
import dev.slipway.database.DeletionState;
import dev.slipway.database.ProvisionState;
import dev.slipway.database.ProvisionState.Phase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.RdsClientBuilder;
import software.amazon.awssdk.services.rds.model.CreateDbInstanceRequest;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DbInstanceAlreadyExistsException;
import software.amazon.awssdk.services.rds.model.DbInstanceNotFoundException;
import software.amazon.awssdk.services.rds.model.DeleteDbInstanceRequest;
import software.amazon.awssdk.services.rds.model.Tag;

/**
 * Dedicated PostgreSQL databases on AWS RDS, one instance per environment.
 *
 * <p>The instance identifier is derived from namespace, project and environment ({@link
 * #identifier}), so a restarted operator finds what it created. Ownership is proven by the tag
 * {@value #TAG_OWNER_UID} (the Environment's uid): an instance with that identifier but another
 * owner, or none, is never touched. A request for an instance class or storage outside the
 * operator's {@link InstanceBounds} is refused before any AWS call. Every call looks once, acts at
 * most once and returns; none waits for RDS.
 */
public final class RdsProvisioner implements DatabaseProvisioner {

  public static final String TAG_OWNER_UID = "slipway.dev/owner-uid";
  public static final String TAG_NAMESPACE = "slipway.dev/namespace";
  public static final String TAG_PROJECT = "slipway.dev/project";
  public static final String TAG_ENVIRONMENT = "slipway.dev/environment";
  public static final String TAG_MANAGED_BY = "slipway.dev/managed-by";
  /** Set on Retain (to the former owner's uid) so that repeated Retain calls know it is done. */
  public static final String TAG_RELEASED_BY = "slipway.dev/released-by";
  public static final String MANAGED_BY = "slipway";
  public static final String MASTER_USERNAME = "slipway";
  public static final String ENGINE = "postgres";

  /** No SDK call (with its retries) blocks longer than this. */
  static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(20);
  static final Duration API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(8);

  private static final Logger log = LoggerFactory.getLogger(RdsProvisioner.class);
  private static final int MAX_INSTANCE_ID = 63;
  private static final int MAX_SNAPSHOT_ID = 255;
  private static final int HASH_HEX = 8;
  private static final Pattern RDS_IDENTIFIER = Pattern.compile("[a-z](?:[a-z0-9]|-(?!-))*");

  private final RdsClient client;
  private final RdsSettings settings;

  public RdsProvisioner(RdsClient client, RdsSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  /** An RDS client for these settings: URL-connection HTTP, every call bounded by ~20 s. */
  public static RdsClient client(RdsSettings settings) {
    AwsCredentialsProvider credentials =
        settings.accessKeyId() != null && settings.secretAccessKey() != null
            ? StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()))
            : DefaultCredentialsProvider.builder().build();
    RdsClientBuilder builder = RdsClient.builder()
        .region(Region.of(settings.region()))
        .credentialsProvider(credentials)
        .httpClient(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(5))
            .socketTimeout(Duration.ofSeconds(8))
            .build())
        .overrideConfiguration(c -> c.apiCallTimeout(API_CALL_TIMEOUT).apiCallAttemptTimeout(API_CALL_ATTEMPT_TIMEOUT));
    if (settings.endpointOverride() != null) {
      builder.endpointOverride(settings.endpointOverride());
    }
    return builder.build();
  }

  // ---------------------------------------------------------------------------------------------
  // ensure

  @Override
  public ProvisionState ensure(DatabaseRequest request) {
    String id = identifier(request.namespace(), request.project(), request.environment());
    Optional<InstanceBounds.Refusal> outOfBounds = settings.bounds().check(instanceClass(request, settings), storageGiB(request, settings));
    if (outOfBounds.isPresent()) {
      // before any AWS call: what a Project may cost is the platform's decision
      return new ProvisionState(Phase.Failed, outOfBounds.get().reason(), outOfBounds.get().message(), id, null);
    }
    try {
      Optional<DBInstance> found = describe(id);
      if (found.isEmpty()) {
        CreateDbInstanceRequest create = createRequest(request, settings);
        try {
          client.createDBInstance(create);
        } catch (DbInstanceAlreadyExistsException e) {
          // Created between our look and our create (another replica, a retry): look next time.
          return new ProvisionState(Phase.Provisioning, "Creating",
              "RDS instance " + id + " appeared while creating it; looking again", id, null);
        }
        log.info("Creating RDS instance {} for {}", id, request);
        return new ProvisionState(Phase.Provisioning, "Creating",
            "Creating RDS instance " + id + " (" + create.dbInstanceClass() + ", " + create.allocatedStorage()
                + " GiB, PostgreSQL " + create.engineVersion() + ")",
            id, null, true);
      }
      DBInstance instance = found.get();
      Map<String, String> tags = tags(instance);
      if (!request.ownerUid().equals(tags.get(TAG_OWNER_UID))) {
        return new ProvisionState(Phase.Refused, "ForeignInstance", foreignMessage(id, tags), id, null);
      }
      if (request.passwordPending()) {
        return resetPassword(id, instance, request);
      }
      return stateOf(id, instance, dbName(request.project()));
    } catch (SdkException e) {
      return new ProvisionState(Phase.Failed, "AwsError", safeMessage(e, request.password()), id, null);
    }
  }

  /**
   * The credentials Secret holds a password the instance may not have (the Secret was lost and
   * made again): give the instance that password, so pods never run with one it rejects. RDS
   * refuses while the instance is busy (creating, modifying...): then look again later.
   */
  private ProvisionState resetPassword(String id, DBInstance instance, DatabaseRequest request) {
    try {
      client.modifyDBInstance(r -> r.dbInstanceIdentifier(id).masterUserPassword(request.password()).applyImmediately(true));
    } catch (AwsServiceException e) {
      return new ProvisionState(Phase.Provisioning, "ResettingPassword",
          "RDS instance " + id + " needs the password stored in its credentials Secret; RDS refused for now ("
              + safeMessage(e, request.password()) + "); trying again", id, null);
    }
    log.info("Setting the master password of RDS instance {} for {} to the one in its credentials Secret", id, request);
    return new ProvisionState(Phase.Provisioning, "ResettingPassword",
        "RDS instance " + id + " is given the password stored in its credentials Secret", id, null, true);
  }

  /**
   * Where an instance of ours stands, from its DBInstanceStatus (pure).
   *
   * @param fallbackDatabase the database name when RDS does not report one
   */
  public static ProvisionState stateOf(String id, DBInstance instance, String fallbackDatabase) {
    String status = instance.dbInstanceStatus() == null ? "unknown" : instance.dbInstanceStatus().toLowerCase(Locale.ROOT);
    String reason = camelCase(status);
    String says = "RDS instance " + id + " is " + status;
    switch (status) {
      case "available":
      case "storage-optimization": {
        if (instance.endpoint() == null || instance.endpoint().address() == null || instance.endpoint().port() == null) {
          return new ProvisionState(Phase.Provisioning, "AwaitingEndpoint", says + " but has no endpoint yet", id, null);
        }
        String database = instance.dbName() != null ? instance.dbName() : fallbackDatabase;
        DatabaseEndpoint endpoint = new DatabaseEndpoint(instance.endpoint().address(), instance.endpoint().port(),
            database, MASTER_USERNAME, true);
        return new ProvisionState(Phase.Ready, "Available", says + " at " + endpoint.host() + ":" + endpoint.port(), id, endpoint);
      }
      case "creating":
      case "backing-up":
      case "modifying":
      case "upgrading":
      case "rebooting":
      case "renaming":
      case "resetting-master-credentials":
      case "starting":
      case "maintenance":
      case "storage-initialization":
      case "moving-to-vpc":
      case "converting-to-vpc":
        return new ProvisionState(Phase.Provisioning, reason, says, id, null);
      case "storage-full":
        return new ProvisionState(Phase.Failed, "StorageFull", says + ": increase its allocated storage", id, null);
      case "failed":
        return new ProvisionState(Phase.Failed, "Failed", says + ": RDS could not recover it", id, null);
      case "deleting":
        return new ProvisionState(Phase.Failed, "Deleting", says, id, null);
      case "stopped":
      case "stopping":
        return new ProvisionState(Phase.Failed, "Stopped", says + ": start it to use it", id, null);
      default:
        if (status.startsWith("configuring-")) {
          return new ProvisionState(Phase.Provisioning, reason, says, id, null);
        }
        if (status.startsWith("incompatible-") || status.startsWith("inaccessible-")
            || status.equals("insufficient-capacity") || status.equals("restore-error")) {
          return new ProvisionState(Phase.Failed, reason, says, id, null);
        }
        return new ProvisionState(Phase.Provisioning, reason, says + " (a status Slipway does not know; looking again later)", id, null);
    }
  }

  /** The CreateDBInstance call for a request (pure). */
  public static CreateDbInstanceRequest createRequest(DatabaseRequest request, RdsSettings settings) {
    boolean live = request.stage() == Stage.LIVE;
    CreateDbInstanceRequest.Builder b = CreateDbInstanceRequest.builder()
        .dbInstanceIdentifier(identifier(request.namespace(), request.project(), request.environment()))
        .engine(ENGINE)
        .engineVersion(request.version())
        .dbInstanceClass(instanceClass(request, settings))
        .allocatedStorage(storageGiB(request, settings))
        .dbName(dbName(request.project()))
        .masterUsername(MASTER_USERNAME)
        .masterUserPassword(request.password())
        .storageEncrypted(true)
        .publiclyAccessible(false)
        .copyTagsToSnapshot(true)
        .backupRetentionPeriod(live ? settings.backupRetentionDaysLive() : settings.backupRetentionDaysOther())
        .deletionProtection(live)
        .tags(ownerTags(request));
    if (!blank(settings.subnetGroup())) {
      b.dbSubnetGroupName(settings.subnetGroup());
    }
    if (!settings.securityGroupIds().isEmpty()) {
      b.vpcSecurityGroupIds(settings.securityGroupIds());
    }
    if (!blank(settings.parameterGroup())) {
      b.dbParameterGroupName(settings.parameterGroup());
    }
    if (!blank(settings.kmsKeyId())) {
      b.kmsKeyId(settings.kmsKeyId());
    }
    return b.build();
  }

  /** The instance class a request gets: its own, or the operator's default. */
  static String instanceClass(DatabaseRequest request, RdsSettings settings) {
    return blank(request.instanceClass()) ? settings.defaultInstanceClass() : request.instanceClass();
  }

  /** The allocated storage a request gets: its own, or the operator's default. */
  static int storageGiB(DatabaseRequest request, RdsSettings settings) {
    return request.storageGiB() == null || request.storageGiB() <= 0 ? settings.defaultStorageGiB() : request.storageGiB();
  }

  /** The tags every instance Slipway creates carries. */
  public static List<Tag> ownerTags(DatabaseRequest request) {
    List<Tag> tags = new ArrayList<>();
    tags.add(tag(TAG_OWNER_UID, request.ownerUid()));
    tags.add(tag(TAG_NAMESPACE, request.namespace()));
    tags.add(tag(TAG_PROJECT, request.project()));
    tags.add(tag(TAG_ENVIRONMENT, request.environment()));
    tags.add(tag(TAG_MANAGED_BY, MANAGED_BY));
    return tags;
  }

  // ---------------------------------------------------------------------------------------------
  // delete

  @Override
  public DeletionState delete(DatabaseRequest request, DeletionPolicy policy) {
    String id = identifier(request.namespace(), request.project(), request.environment());
    try {
      Optional<DBInstance> found = describe(id);
      if (found.isEmpty()) {
        return policy == DeletionPolicy.Retain
            ? new DeletionState(true, "Retained", "RDS instance " + id + " does not exist; nothing to retain")
            : new DeletionState(true, "Deleted", "RDS instance " + id + " is gone");
      }
      DBInstance instance = found.get();
      Map<String, String> tags = tags(instance);
      if (!request.ownerUid().equals(tags.get(TAG_OWNER_UID))) {
        if (policy == DeletionPolicy.Retain && request.ownerUid().equals(tags.get(TAG_RELEASED_BY))) {
          return new DeletionState(true, "Retained", "RDS instance " + id + " is kept and no longer managed by Slipway");
        }
        return new DeletionState(false, "ForeignInstance", foreignMessage(id, tags));
      }
      String status = instance.dbInstanceStatus() == null ? "" : instance.dbInstanceStatus();
      if (policy == DeletionPolicy.Retain) {
        try {
          client.addTagsToResource(r -> r.resourceName(instance.dbInstanceArn()).tags(tag(TAG_RELEASED_BY, request.ownerUid())));
          client.removeTagsFromResource(r -> r.resourceName(instance.dbInstanceArn()).tagKeys(TAG_OWNER_UID, TAG_MANAGED_BY));
        } catch (AwsServiceException e) {
          return refused(id, e, request.password());
        }
        log.info("Retained RDS instance {} for {}: ownership tags removed", id, request);
        return new DeletionState(true, "Retained",
            "RDS instance " + id + " is kept (" + status + ") and no longer managed by Slipway");
      }
      if (status.equals("deleting")) {
        return new DeletionState(false, "Deleting", "RDS instance " + id + " is being deleted");
      }
      DeleteDbInstanceRequest delete = deleteRequest(id, policy, request.deletionTime());
      String snapshot = delete.skipFinalSnapshot() ? null : delete.finalDBSnapshotIdentifier();
      boolean protectionLifted = false;
      try {
        if (Boolean.TRUE.equals(instance.deletionProtection())) {
          // Ours (the owner tag says so): Slipway set the protection for the live stage, and lifts it.
          client.modifyDBInstance(r -> r.dbInstanceIdentifier(id).deletionProtection(false).applyImmediately(true));
          protectionLifted = true;
          log.info("Lifted deletion protection of RDS instance {} for {}", id, request);
        }
        client.deleteDBInstance(delete);
        log.info("Deleting RDS instance {} for {} ({})", id, request, policy);
        return new DeletionState(false, "Deleting",
            "Deleting RDS instance " + id + (snapshot == null ? " without a final snapshot" : " with final snapshot " + snapshot),
            snapshot);
      } catch (DbInstanceNotFoundException e) {
        return new DeletionState(true, "Deleted", "RDS instance " + id + " is gone");
      } catch (AwsServiceException e) {
        if (protectionLifted) {
          // RDS may refuse the delete until the lifted protection has taken effect: not a refusal, try again.
          return new DeletionState(false, "Deleting", "lifted the deletion protection of RDS instance " + id
              + "; deleting once RDS has applied it (" + safeMessage(e, request.password()) + ")", snapshot);
        }
        return refused(id, e, request.password());
      }
    } catch (SdkException e) {
      return new DeletionState(false, "AwsError", safeMessage(e, request.password()));
    }
  }

  /**
   * The DeleteDBInstance call for a policy (pure): Snapshot keeps a final snapshot named after
   * the time the environment was deleted (so an environment made again and deleted again gets a
   * snapshot of its own), Delete keeps none.
   */
  public static DeleteDbInstanceRequest deleteRequest(String instanceIdentifier, DeletionPolicy policy, java.time.Instant deletedAt) {
    DeleteDbInstanceRequest.Builder b = DeleteDbInstanceRequest.builder()
        .dbInstanceIdentifier(instanceIdentifier)
        .deleteAutomatedBackups(false);
    switch (policy) {
      case Snapshot:
        return b.skipFinalSnapshot(false).finalDBSnapshotIdentifier(finalSnapshotIdentifier(instanceIdentifier, deletedAt)).build();
      case Delete:
        return b.skipFinalSnapshot(true).build();
      default:
        throw new IllegalArgumentException("policy " + policy + " deletes nothing");
    }
  }

  private static DeletionState refused(String id, AwsServiceException e, String password) {
    return new DeletionState(false, "DeletionRefused",
        "AWS refused to change RDS instance " + id + ": " + safeMessage(e, password));
  }

  // ---------------------------------------------------------------------------------------------
  // names

  /**
   * The RDS instance identifier of one environment's database: {@code <namespace>-<project>-<env>}
   * made RDS-safe (lower case, starts with a letter, letters, digits and single hyphens, no
   * trailing hyphen), shortened so that with {@code -<8 hex of SHA-256("ns/project/env")>} it fits
   * in 63 characters. The hash keeps different triples apart even when the readable part is cut
   * or sanitised alike.
   */
  public static String identifier(String namespace, String project, String environment) {
    String hash = sha256Hex(namespace + "/" + project + "/" + environment).substring(0, HASH_HEX);
    String base = (namespace + "-" + project + "-" + environment).toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z0-9]+", "-")
        .replaceAll("-{2,}", "-")
        .replaceAll("^-+", "");
    if (base.isEmpty() || !Character.isLetter(base.charAt(0))) {
      base = "db-" + base;
    }
    int max = MAX_INSTANCE_ID - HASH_HEX - 1;
    if (base.length() > max) {
      base = base.substring(0, max);
    }
    base = base.replaceAll("-+$", "");
    return base + "-" + hash;
  }

  private static final java.time.format.DateTimeFormatter SNAPSHOT_TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC);

  /**
   * The final snapshot taken under {@link DeletionPolicy#Snapshot}: {@code
   * <identifier>-final-<yyyyMMdd-HHmmss>} (UTC) of the deletion time, the same on every retry.
   */
  public static String finalSnapshotIdentifier(String instanceIdentifier, java.time.Instant deletedAt) {
    java.time.Instant at = deletedAt == null ? java.time.Instant.EPOCH : deletedAt;
    String id = instanceIdentifier + "-final-" + SNAPSHOT_TIME.format(at);
    if (!validIdentifier(id, MAX_SNAPSHOT_ID)) {
      throw new IllegalArgumentException("not a valid RDS instance identifier: " + instanceIdentifier);
    }
    return id;
  }

  /**
   * RDS identifier rules (instances and snapshots): 1..max characters, starts with a letter, only
   * lower-case letters, digits and hyphens, no two hyphens in a row, no trailing hyphen.
   */
  public static boolean validIdentifier(String id, int max) {
    return id != null && !id.isEmpty() && id.length() <= max && !id.endsWith("-") && RDS_IDENTIFIER.matcher(id).matches();
  }

  public static boolean validInstanceIdentifier(String id) {
    return validIdentifier(id, MAX_INSTANCE_ID);
  }

  public static boolean validSnapshotIdentifier(String id) {
    return validIdentifier(id, MAX_SNAPSHOT_ID);
  }

  /** The database created in the instance: the project name with '-' as '_', starting with a letter. */
  public static String dbName(String project) {
    String name = project.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    if (name.isEmpty() || !Character.isLetter(name.charAt(0))) {
      name = "db_" + name;
    }
    return name.length() > 63 ? name.substring(0, 63) : name;
  }

  /** {@code creating} → {@code Creating}, {@code incompatible-parameters} → {@code IncompatibleParameters}. */
  static String camelCase(String status) {
    StringBuilder out = new StringBuilder();
    for (String part : status.split("[^A-Za-z0-9]+")) {
      if (!part.isEmpty()) {
        out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1).toLowerCase(Locale.ROOT));
      }
    }
    return out.length() == 0 ? "Unknown" : out.toString();
  }

  // ---------------------------------------------------------------------------------------------
  // messages

  /** An AWS error for people: the service's error code and message, or the client error; never the password. */
  public static String safeMessage(SdkException e, String password) {
    String text;
    if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
      String code = aws.awsErrorDetails().errorCode();
      String message = aws.awsErrorDetails().errorMessage();
      text = (code == null ? aws.getClass().getSimpleName() : code) + ": " + (message == null ? "(no message)" : message)
          + " (HTTP " + aws.statusCode() + ")";
    } else {
      text = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    return scrub(text, password);
  }

  /** {@code text} with every occurrence of {@code secret} replaced by {@code ***}. */
  public static String scrub(String text, String secret) {
    if (text == null || secret == null || secret.isEmpty()) {
      return text;
    }
    return text.replace(secret, "***");
  }

  private static String foreignMessage(String id, Map<String, String> tags) {
    String owner = tags.get(TAG_OWNER_UID);
    return "RDS instance " + id + " exists but is not this environment's ("
        + (owner == null ? "no " + TAG_OWNER_UID + " tag" : TAG_OWNER_UID + "=" + owner)
        + "); Slipway leaves it untouched";
  }

  // ---------------------------------------------------------------------------------------------
  // AWS

  private Optional<DBInstance> describe(String id) {
    try {
      List<DBInstance> instances = client.describeDBInstances(r -> r.dbInstanceIdentifier(id)).dbInstances();
      return instances.stream().filter(i -> id.equals(i.dbInstanceIdentifier())).findFirst();
    } catch (DbInstanceNotFoundException e) {
      return Optional.empty();
    }
  }

  private Map<String, String> tags(DBInstance instance) {
    List<Tag> list = instance.hasTagList() && !instance.tagList().isEmpty()
        ? instance.tagList()
        : client.listTagsForResource(r -> r.resourceName(instance.dbInstanceArn())).tagList();
    Map<String, String> tags = new LinkedHashMap<>();
    for (Tag t : list) {
      tags.put(t.key(), t.value());
    }
    return tags;
  }

  private static Tag tag(String key, String value) {
    return Tag.builder().key(key).value(value).build();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String sha256Hex(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
