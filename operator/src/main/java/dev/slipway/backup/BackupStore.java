package dev.slipway.backup;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Where dumps are kept. The operator never moves a dump itself: it hands the Job a URL valid for
 * one object and one verb, and asks the store afterwards what arrived. So no dump passes through
 * the operator's memory, and no storage credentials reach a pod.
 */
public interface BackupStore {

  /**
   * Starts a multipart upload of this object and signs a PUT URL for each of its first
   * {@code parts} parts, in order, valid until they expire. (One PUT may carry 5 GiB at most.)
   */
  Upload startUpload(String key, int parts, Duration validFor);

  /**
   * Signs the part URLs of an upload already started again: URLs signed with session credentials
   * (IRSA, EKS Pod Identity) die with the session, often within the hour, long before a large
   * dump is up. The Job reads its URLs afresh for every part.
   */
  Upload signParts(String key, String uploadId, int parts, Duration validFor);

  /**
   * Completes the object from the parts the store received. False when no upload of it has any
   * part; other unfinished uploads of the same object (a start that ran twice) are abandoned.
   */
  boolean completeUpload(String key);

  /** Abandons the object's unfinished uploads: the store keeps (and bills) their parts until then. */
  void abortUploads(String key);

  /** A URL a pod may GET exactly this object from until it expires. */
  Transfer download(String key, Duration validFor);

  /** The stored object's size, or empty when there is no such object. */
  OptionalLong size(String key);

  /** Deletes the object; deleting one that is not there is not an error. */
  void delete(String key);

  /** How people and status name the object, for example {@code s3://bucket/key}. */
  String location(String key);

  /**
   * A presigned request. The URL is a credential for one object: it goes into a Secret the Job
   * reads by secretKeyRef, never into status, Events, logs or a Job's spec. Headers are not secret.
   */
  record Transfer(URI url, Map<String, String> headers) {
    @Override
    public String toString() {
      return "Transfer[url=***, headers=" + headers.keySet() + "]";
    }
  }

  /**
   * Presigned part uploads of upload {@code uploadId}: part {@code i + 1} goes to
   * {@code partUrls.get(i)}, signed at {@code signedAt} and valid until {@code expiresAt} (the
   * signature's own expiry, or the signing credentials', whichever is first). The URLs are
   * credentials, as above; the upload id is not (it is useless without them).
   */
  record Upload(String uploadId, List<URI> partUrls, Map<String, String> headers, Instant signedAt, Instant expiresAt) {
    @Override
    public String toString() {
      return "Upload[" + uploadId + ", " + partUrls.size() + " part urls=***, headers=" + headers.keySet() + ", expires " + expiresAt + "]";
    }
  }

  /** A store operation that failed; the message names the bucket and key, never a credential. */
  final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
