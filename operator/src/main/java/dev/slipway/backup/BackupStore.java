package dev.slipway.backup;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Where dumps are kept. The operator never moves a dump itself: it hands the Job a URL valid for
 * one object and one verb, and asks the store afterwards what arrived. So no dump passes through
 * the operator's memory, and no storage credentials reach a pod.
 */
public interface BackupStore {

  /** A URL a pod may PUT exactly this object to until it expires, and the headers it must send. */
  Transfer upload(String key, Duration validFor);

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

  /** A store operation that failed; the message names the bucket and key, never a credential. */
  final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
