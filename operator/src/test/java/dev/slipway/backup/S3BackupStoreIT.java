package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.testing.MotoServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

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

  @Test
  void aDumpThatOutlastsTheSessionWhoseCredentialsSignedItsUrlsIsStoredWhole(@TempDir Path dir) throws Exception {
    try (ExpiringSessionsProxy proxy = new ExpiringSessionsProxy(moto.endpoint());
        StsClient sts = sts(proxy);
        StsAssumeRoleCredentialsProvider sessions = sessions(sts, 12)) {
      S3BackupStore expiring = new S3BackupStore(BUCKET, MotoServer.REGION, proxy.endpoint(), null, sessions);
      byte[] dump = randomBytes(3 * 5 * 1024 * 1024 + 77);
      String key = "team-a/shop-live/long-0123abcd.dump";
      Instant started = Instant.now();
      BackupStore.Upload first = expiring.startUpload(key, 6, Duration.ofMinutes(10));
      assertThat(first.expiresAt()).as("the session's end, not the ten minutes asked for").isBefore(started.plusSeconds(13));

      // Each part takes 5 s: four parts outlast a 12-second session. The operator's side, as the
      // Backup controller does it: sign again at half their life, into the Secret the pod reads.
      proxy.delayPartUploads(Duration.ofSeconds(5));
      Path urls = dir.resolve("urls");
      writeUrls(urls, first);
      java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicInteger signings = new java.util.concurrent.atomic.AtomicInteger(1);
      Thread operator = new Thread(() -> {
        BackupStore.Upload current = first;
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (!done.get()) {
          Duration wait = BackupReconciler.resignIn(current.signedAt(), current.expiresAt(), deadline, Instant.now());
          if (wait == null) {
            return;
          }
          if (!sleep(wait.isZero() ? Duration.ofMillis(50) : wait, done)) {
            return;
          }
          current = expiring.signParts(key, current.uploadId(), 6, Duration.ofMinutes(10));
          writeUrls(urls, current);
          signings.incrementAndGet();
        }
      }, "operator-resigns");
      operator.start();
      Result result;
      try {
        result = runUpload(dir, dump, urls, Map.of());
      } finally {
        done.set(true);
        operator.join();
      }
      assertThat(result.exit()).as(result.output()).isZero();
      assertThat(result.output()).contains("stored " + dump.length + " bytes in 4 parts");
      assertThat(Duration.between(started, Instant.now())).as("longer than one session").isGreaterThan(Duration.ofSeconds(12));
      assertThat(proxy.parts()).extracting(ExpiringSessionsProxy.Part::number).containsExactly(1, 2, 3, 4);
      assertThat(proxy.parts().stream().map(ExpiringSessionsProxy.Part::sessionToken).distinct().count())
          .as("the later parts went up with URLs of a later session").isGreaterThan(1);
      assertThat(signings.get()).isGreaterThan(1);
      for (var url : first.partUrls()) {
        assertThat(result.output()).doesNotContain(url.getRawQuery());
      }

      assertThat(expiring.completeUpload(key)).isTrue();
      byte[] stored = s3.getObjectAsBytes(g -> g.bucket(BUCKET).key(key)).asByteArray();
      assertThat(sha256(stored)).as("the object is the dump, byte for byte").isEqualTo(sha256(dump));
    }
  }

  @Test
  void urlsSignedOnceWithASessionThatEndsFailTheUploadHalfWayWithAClearMessage(@TempDir Path dir) throws Exception {
    // What happened before the part URLs were signed again: they died with the session.
    try (ExpiringSessionsProxy proxy = new ExpiringSessionsProxy(moto.endpoint());
        StsClient sts = sts(proxy);
        StsAssumeRoleCredentialsProvider sessions = sessions(sts, 12)) {
      S3BackupStore expiring = new S3BackupStore(BUCKET, MotoServer.REGION, proxy.endpoint(), null, sessions);
      byte[] dump = randomBytes(3 * 5 * 1024 * 1024 + 77);
      String key = "team-a/shop-live/cut-short-0123abcd.dump";
      BackupStore.Upload once = expiring.startUpload(key, 6, Duration.ofMinutes(10));
      proxy.delayPartUploads(Duration.ofSeconds(5));
      Path urls = dir.resolve("urls");
      writeUrls(urls, once);
      Result result = runUpload(dir, dump, urls, Map.of(Transfers.FRESH_URL_WAIT_VARIABLE, "4"));
      assertThat(result.exit()).isNotZero();
      assertThat(result.output()).contains("upload of part 4 of 4 refused: HTTP 400, and no fresh URL came within 4 s");
      assertThat(proxy.refused()).contains("400 ExpiredToken part 4");
      assertThat(proxy.parts()).extracting(ExpiringSessionsProxy.Part::number).containsExactly(1, 2, 3);
      expiring.abortUploads(key);
    }
  }

  private static StsClient sts(ExpiringSessionsProxy proxy) {
    return StsClient.builder().region(Region.of(MotoServer.REGION)).endpointOverride(proxy.endpoint())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(MotoServer.ACCESS_KEY, MotoServer.SECRET_KEY)))
        .httpClient(UrlConnectionHttpClient.create()).build();
  }

  /** Sessions of a role, as IRSA or Pod Identity give them, but lasting seconds; refreshed by the SDK shortly before they end. */
  private static StsAssumeRoleCredentialsProvider sessions(StsClient sts, int seconds) {
    return StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
        .refreshRequest(r -> r.roleArn("arn:aws:iam::123456789012:role/slipway-backups").roleSessionName("slipway-operator")
            .durationSeconds(seconds))
        .prefetchTime(Duration.ofSeconds(4)).staleTime(Duration.ofSeconds(1))
        .build();
  }

  private static boolean sleep(Duration d, java.util.concurrent.atomic.AtomicBoolean done) {
    Instant until = Instant.now().plus(d);
    while (Instant.now().isBefore(until)) {
      if (done.get()) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  record Result(int exit, String output) {}

  /** The URLs as the kubelet puts a Secret's key in place: the whole file at once. */
  private static void writeUrls(Path urls, BackupStore.Upload upload) {
    try {
      Path next = urls.resolveSibling(urls.getFileName() + ".next");
      Files.writeString(next, upload.partUrls().stream().map(Object::toString).collect(Collectors.joining("\n")));
      Files.move(next, urls, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Transfers.UPLOAD with the pod's paths pointed at this directory, as the Job's container runs it. */
  private static Result runUpload(Path dir, byte[] dump, BackupStore.Upload upload) throws IOException, InterruptedException {
    Path urls = dir.resolve("urls");
    writeUrls(urls, upload);
    return runUpload(dir, dump, urls, Map.of());
  }

  private static Result runUpload(Path dir, byte[] dump, Path urls, Map<String, String> env) throws IOException, InterruptedException {
    Path file = dir.resolve("database.dump");
    Files.write(file, dump);
    String script = Transfers.UPLOAD.replace(Transfers.DUMP, file.toString())
        .replace(Transfers.SECRET_DIRECTORY + "/" + Transfers.URLS_KEY, urls.toString());
    ProcessBuilder pb = new ProcessBuilder("python3", "-c", script).redirectErrorStream(true);
    pb.environment().put(Transfers.PART_SIZE_VARIABLE, Long.toString(PART_SIZE));
    pb.environment().put(Transfers.HEADERS_VARIABLE, "{}");
    pb.environment().putAll(env);
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
