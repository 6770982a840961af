package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.MotoServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * The dump Job's upload, run as the Job runs it (the same Python, with python3 here instead of in
 * a pod) against a real S3 API (moto): a dump larger than one part goes up in parts over the
 * presigned URLs and the operator completes it; one larger than the signed parts allow fails
 * with a clear message and its parts are abandoned.
 */
class S3BackupStoreIT {

  private static final String BUCKET = "slipway-backups";
  /** S3's smallest part but the last: small parts make a 12 MiB dump three of them. */
  private static final long PART_SIZE = 5L * 1024 * 1024;

  private static MotoServer moto;
  private static S3Client s3;
  private static S3BackupStore store;

  @BeforeAll
  static void start() {
    moto = MotoServer.start();
    var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY));
    s3 = S3Client.builder().region(Region.of(MotoServer.REGION)).endpointOverride(moto.endpoint()).credentialsProvider(credentials)
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .httpClient(UrlConnectionHttpClient.create()).build();
    s3.createBucket(b -> b.bucket(BUCKET));
    store = new S3BackupStore(BUCKET, MotoServer.REGION, moto.endpoint(), null, credentials);
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void aDumpOfSeveralPartsIsStoredWholeAndTheOperatorCompletesIt(@TempDir Path dir) throws Exception {
    byte[] dump = randomBytes(12 * 1024 * 1024 + 123);
    String key = "team-a/shop-live/nightly-0123abcd.dump";
    BackupStore.Upload upload = store.startUpload(key, 4, Duration.ofMinutes(10));
    assertThat(upload.partUrls()).hasSize(4);
    assertThat(upload.toString()).doesNotContain("Signature");

    Result result = runUpload(dir, dump, upload);
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(result.output()).contains("stored " + dump.length + " bytes in 3 parts");
    assertThat(store.size(key)).as("nothing is there before the operator completes it").isEmpty();

    assertThat(store.completeUpload(key)).isTrue();
    assertThat(store.size(key)).hasValue(dump.length);
    byte[] stored = s3.getObjectAsBytes(g -> g.bucket(BUCKET).key(key)).asByteArray();
    assertThat(sha256(stored)).as("the object is the dump, byte for byte").isEqualTo(sha256(dump));
    assertThat(s3.listMultipartUploads(l -> l.bucket(BUCKET).prefix(key)).uploads()).as("no upload left open").isEmpty();
    assertThat(store.completeUpload(key)).as("completing again finds nothing to do").isFalse();

    store.delete(key);
    assertThat(store.size(key)).isEmpty();
  }

  @Test
  void aDumpLargerThanTheSignedPartsAllowFailsAndItsPartsAreAbandoned(@TempDir Path dir) throws Exception {
    byte[] dump = randomBytes(12 * 1024 * 1024);
    String key = "team-a/shop-live/too-big-0123abcd.dump";
    BackupStore.Upload upload = store.startUpload(key, 2, Duration.ofMinutes(10));

    Result result = runUpload(dir, dump, upload);
    assertThat(result.exit()).isNotZero();
    assertThat(result.output()).contains("the dump has " + dump.length + " bytes, more than the " + 2 * PART_SIZE
        + " a Backup can store (2 parts of " + PART_SIZE + " bytes)");
    for (var url : upload.partUrls()) {
      assertThat(result.output()).doesNotContain(url.toString()).doesNotContain(url.getRawQuery());
    }

    assertThat(s3.listMultipartUploads(l -> l.bucket(BUCKET).prefix(key)).uploads()).hasSize(1);
    store.abortUploads(key);
    assertThat(s3.listMultipartUploads(l -> l.bucket(BUCKET).prefix(key)).uploads()).isEmpty();
    assertThat(store.completeUpload(key)).isFalse();
    assertThat(store.size(key)).isEmpty();
  }

  @Test
  void aStartThatRanTwiceLeavesOneObjectAndNoOpenUpload(@TempDir Path dir) throws Exception {
    byte[] dump = randomBytes(64 * 1024);
    String key = "team-a/shop-test/twice-0123abcd.dump";
    store.startUpload(key, 2, Duration.ofMinutes(10)); // the first start's status write was lost
    BackupStore.Upload used = store.startUpload(key, 2, Duration.ofMinutes(10));
    Result result = runUpload(dir, dump, used);
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(store.completeUpload(key)).isTrue();
    assertThat(store.size(key)).hasValue(dump.length);
    assertThat(s3.listMultipartUploads(l -> l.bucket(BUCKET).prefix(key)).uploads()).isEmpty();
  }

  record Result(int exit, String output) {}

  /** Transfers.UPLOAD with the pod's paths pointed at this directory, as the Job's container runs it. */
  private static Result runUpload(Path dir, byte[] dump, BackupStore.Upload upload) throws IOException, InterruptedException {
    Path file = dir.resolve("database.dump");
    Files.write(file, dump);
    Path urls = dir.resolve("urls");
    Files.writeString(urls, upload.partUrls().stream().map(Object::toString).collect(Collectors.joining("\n")));
    String script = Transfers.UPLOAD.replace(Transfers.DUMP, file.toString())
        .replace(Transfers.SECRET_DIRECTORY + "/" + Transfers.URLS_KEY, urls.toString());
    ProcessBuilder pb = new ProcessBuilder("python3", "-c", script).redirectErrorStream(true);
    pb.environment().put(Transfers.PART_SIZE_VARIABLE, Long.toString(PART_SIZE));
    pb.environment().put(Transfers.HEADERS_VARIABLE, "{}");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), output);
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
