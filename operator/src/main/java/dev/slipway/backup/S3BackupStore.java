package dev.slipway.backup;

import dev.slipway.config.OperatorConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Dumps in an S3 bucket: presigned part uploads and GET URLs for the Jobs; creating, completing and
 * abandoning multipart uploads, HeadObject and DeleteObject for the operator. With an endpoint
 * override (an S3-compatible store, moto in the tests) addressing is path-style. With a KMS key
 * every upload is SSE-KMS (set when the upload is created).
 */
public final class S3BackupStore implements BackupStore {

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);

  private final String bucket;
  private final String kmsKey;
  private final S3Client s3;
  private final S3Presigner presigner;
  private final AwsCredentialsProvider credentials;
  private final Clock clock;

  public S3BackupStore(String bucket, String region, URI endpoint, String kmsKey, AwsCredentialsProvider credentials) {
    this(bucket, region, endpoint, kmsKey, credentials, Clock.systemUTC());
  }

  S3BackupStore(String bucket, String region, URI endpoint, String kmsKey, AwsCredentialsProvider credentials, Clock clock) {
    this.bucket = bucket;
    this.kmsKey = kmsKey;
    this.credentials = credentials;
    this.clock = clock;
    S3Configuration pathStyle = S3Configuration.builder().pathStyleAccessEnabled(endpoint != null).build();
    S3ClientBuilder client = S3Client.builder()
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .serviceConfiguration(pathStyle)
        .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(10)).build())
        .overrideConfiguration(c -> c.apiCallTimeout(CALL_TIMEOUT));
    S3Presigner.Builder presign = S3Presigner.builder().region(Region.of(region)).credentialsProvider(credentials).serviceConfiguration(pathStyle);
    if (endpoint != null) {
      client.endpointOverride(endpoint);
      presign.endpointOverride(endpoint);
    }
    this.s3 = client.build();
    this.presigner = presign.build();
  }

  /** The store the operator's settings call for, if a bucket is configured. */
  public static Optional<BackupStore> fromConfig(OperatorConfig config) {
    return config.backupBucket().map(bucket -> {
      AwsCredentialsProvider credentials = config.awsAccessKeyId().isPresent() && config.awsSecretAccessKey().isPresent()
          ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.awsAccessKeyId().get(), config.awsSecretAccessKey().get()))
          : DefaultCredentialsProvider.builder().build();
      return new S3BackupStore(bucket, config.backupRegion().orElseThrow(), config.backupEndpoint().map(URI::create).orElse(null),
          config.backupKmsKey().orElse(null), credentials);
    });
  }

  @Override
  public Upload startUpload(String key, int parts, Duration validFor) {
    return call("start an upload to", key, () -> {
      String uploadId = s3.createMultipartUpload(c -> {
        c.bucket(bucket).key(key).contentType("application/octet-stream");
        if (kmsKey != null) {
          c.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(kmsKey);
        }
      }).uploadId();
      return sign(key, uploadId, parts, validFor);
    });
  }

  @Override
  public Upload signParts(String key, String uploadId, int parts, Duration validFor) {
    return call("sign the parts of the upload to", key, () -> sign(key, uploadId, parts, validFor));
  }

  private Upload sign(String key, String uploadId, int parts, Duration validFor) throws URISyntaxException {
    // The URLs die with the credentials that signed them. Resolved first: the presigner gets these
    // or newer ones from the same provider, so the expiry said here is never later than the real one.
    Instant now = clock.instant();
    Instant expires = now.plus(validFor);
    Instant session = credentials.resolveCredentials().expirationTime().orElse(null);
    if (session != null && session.isBefore(expires)) {
      expires = session;
    }
    List<URI> urls = new ArrayList<>(parts);
    Map<String, String> headers = Map.of();
    for (int part = 1; part <= parts; part++) {
      int number = part;
      var signed = presigner.presignUploadPart(p -> p.signatureDuration(validFor)
          .uploadPartRequest(u -> u.bucket(bucket).key(key).uploadId(uploadId).partNumber(number)));
      urls.add(signed.url().toURI());
      headers = headersToSend(signed.signedHeaders());
    }
    return new Upload(uploadId, List.copyOf(urls), headers, now, expires);
  }

  @Override
  public boolean completeUpload(String key) {
    return call("complete the upload to", key, () -> {
      // The upload with the most parts is the one the Job used; any other is a start that ran twice.
      MultipartUpload chosen = null;
      List<Part> chosenParts = List.of();
      List<MultipartUpload> uploads = uploadsOf(key);
      for (MultipartUpload upload : uploads) {
        List<Part> parts = s3.listParts(l -> l.bucket(bucket).key(key).uploadId(upload.uploadId())).parts();
        if (chosen == null || parts.size() > chosenParts.size()) {
          chosen = upload;
          chosenParts = parts;
        }
      }
      boolean complete = !chosenParts.isEmpty();
      for (MultipartUpload upload : uploads) {
        if (upload != chosen || !complete) {
          abort(key, upload);
        }
      }
      if (complete) {
        String uploadId = chosen.uploadId();
        List<CompletedPart> completed = chosenParts.stream()
            .sorted(Comparator.comparing(Part::partNumber))
            .map(p -> CompletedPart.builder().partNumber(p.partNumber()).eTag(p.eTag()).build())
            .toList();
        s3.completeMultipartUpload(c -> c.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(completed)));
      }
      return complete;
    });
  }

  @Override
  public void abortUploads(String key) {
    call("abandon the uploads to", key, () -> unlessMissing(() -> {
      uploadsOf(key).forEach(upload -> abort(key, upload));
      return null;
    }, null)); // no bucket, no uploads
  }

  private List<MultipartUpload> uploadsOf(String key) {
    return s3.listMultipartUploads(l -> l.bucket(bucket).prefix(key)).uploads().stream().filter(u -> key.equals(u.key())).toList();
  }

  private void abort(String key, MultipartUpload upload) {
    try {
      s3.abortMultipartUpload(a -> a.bucket(bucket).key(key).uploadId(upload.uploadId()));
    } catch (NoSuchUploadException e) {
      // already gone
    }
  }

  @Override
  public Transfer download(String key, Duration validFor) {
    return call("sign a download of", key, () -> {
      var signed = presigner.presignGetObject(p -> p.signatureDuration(validFor).getObjectRequest(g -> g.bucket(bucket).key(key)));
      return new Transfer(signed.url().toURI(), headersToSend(signed.signedHeaders()));
    });
  }

  /** The signed headers the client must send itself; host and content-length it sends anyway. */
  private static Map<String, String> headersToSend(Map<String, List<String>> signed) {
    Map<String, String> headers = new LinkedHashMap<>();
    signed.forEach((name, values) -> {
      if (!name.equalsIgnoreCase("host") && !name.equalsIgnoreCase("content-length")) {
        headers.put(name, String.join(",", values));
      }
    });
    return headers;
  }

  @Override
  public OptionalLong size(String key) {
    return call("look at", key, () -> unlessMissing(() -> OptionalLong.of(s3.headObject(h -> h.bucket(bucket).key(key)).contentLength()),
        OptionalLong.empty()));
  }

  @Override
  public void delete(String key) {
    call("delete", key, () -> unlessMissing(() -> s3.deleteObject(d -> d.bucket(bucket).key(key)), null));
  }

  /** One call to the store, or more; what fails becomes a StoreException naming what and where, never a credential. */
  private <T> T call(String doing, String key, StoreCall<T> call) {
    try {
      return call.run();
    } catch (S3Exception e) {
      throw new StoreException("cannot " + doing + " " + location(key) + ": HTTP " + e.statusCode() + " " + errorCode(e), e);
    } catch (SdkException | URISyntaxException e) {
      throw new StoreException("cannot " + doing + " " + location(key) + ": " + e.getClass().getSimpleName(), e);
    }
  }

  private interface StoreCall<T> {
    T run() throws URISyntaxException;
  }

  /** The call's answer, or {@code missing} when the store says 404 (no such key, upload or bucket). */
  private static <T> T unlessMissing(Supplier<T> call, T missing) {
    try {
      return call.get();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return missing;
      }
      throw e;
    }
  }

  @Override
  public String location(String key) {
    return "s3://" + bucket + "/" + key;
  }

  private static String errorCode(S3Exception e) {
    return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? "" : e.awsErrorDetails().errorCode();
  }
}
