package dev.slipway.promote;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.http.ResponseException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one image copy saw go wrong, turned into a {@link PromotionException} with a reason and a
 * message safe to show in a status: jib's exceptions do not say which registry failed, so the
 * I/O errors jib logs are kept ({@link #onLog}) and matched to the exception it throws
 * ({@link #translate}); credentials never appear in a message ({@link #redact}).
 */
final class CopyForensics {

  private static final Logger LOG = LoggerFactory.getLogger(JibImageCopier.class);
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");
  private static final Pattern IO_ERROR = Pattern.compile("I/O error for image \\[([^\\]]+)\\]");
  private static final Pattern CREDENTIALS_NOT_SENT = Pattern.compile("credentials for ([^/\\s]+)/");
  private static final Pattern URL_HOST = Pattern.compile("https?://([^/\\s]+)");


  final ImageReference source;
  final ImageReference target;
  final Optional<RegistryCredentials> sourceCredentials;
  final Optional<RegistryCredentials> targetCredentials;
  /** I/O errors jib logged, in order, per failing request. */
  private final List<IoError> ioErrors = new CopyOnWriteArrayList<>();
  private final Map<Thread, IoError> pending = new ConcurrentHashMap<>();

  CopyForensics(ImageReference source, ImageReference target, Optional<RegistryCredentials> sourceCredentials,
      Optional<RegistryCredentials> targetCredentials) {
    this.source = source;
    this.target = target;
    this.sourceCredentials = sourceCredentials;
    this.targetCredentials = targetCredentials;
  }

  /** What jib logged about one failed request: "I/O error for image [image]:", the class, the message. */
  private record IoError(String image, String exceptionClass, String message) {}

  /**
   * Jib's I/O exceptions (a refused connection...) do not say which registry failed, but jib logs
   * three lines from the failing thread just before throwing: "I/O error for image
   * [registry/repository]:", the exception's class and its message. Remember them, so the thrown
   * exception can be matched to its registry even when other requests fail as a consequence.
   */
  void onLog(LogEvent event) {
    String message = ANSI.matcher(event.getMessage()).replaceAll("").strip();
    if (event.getLevel() == LogEvent.Level.ERROR) {
      Thread thread = Thread.currentThread();
      Matcher m = IO_ERROR.matcher(message);
      IoError partial = pending.get(thread);
      if (m.find()) {
        pending.put(thread, new IoError(m.group(1), null, null));
      } else if (partial != null && partial.exceptionClass() == null) {
        pending.put(thread, new IoError(partial.image(), message, null));
      } else if (partial != null) {
        pending.remove(thread);
        ioErrors.add(new IoError(partial.image(), partial.exceptionClass(), message));
      }
    }
    if (!message.isEmpty()) {
      LOG.debug("jib {}: {}", event.getLevel().name().toLowerCase(Locale.ROOT), message);
    }
  }

  /** The failure jib threw (through the executor), as a reason and a message safe to show. */
  PromotionException translate(Throwable failure) {
    Throwable thrown = stripWrappers(failure);
    Throwable cause = unwrap(thrown);
    return new PromotionException(reason(cause), redact(describe(cause, thrown)), cause);
  }

  /**
   * Why a copy failed, from what jib threw (already stripped of wrappers), as Git's failures are
   * classified: credentials refused or missing, something not found, a registry not reached, no
   * answer in time, TLS; anything else is {@link PromotionException.Reason#Failed}.
   */
  static PromotionException.Reason reason(Throwable cause) {
    if (cause instanceof RegistryUnauthorizedException || cause instanceof RegistryAuthenticationFailedException
        || cause != null && cause.getClass().getSimpleName().equals("RegistryCredentialsNotSentException")) {
      return PromotionException.Reason.Unauthorized;
    }
    if (cause instanceof InsecureRegistryException || cause instanceof SSLException) {
      return PromotionException.Reason.Tls;
    }
    if (cause instanceof RegistryException) {
      return isNotFound(cause.getMessage()) ? PromotionException.Reason.NotFound : PromotionException.Reason.Failed;
    }
    if (cause instanceof UnknownHostException || cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
      return PromotionException.Reason.Unreachable;
    }
    if (cause instanceof SocketTimeoutException
        || cause != null && cause.getClass().getSimpleName().equals("ConnectTimeoutException")) {
      return PromotionException.Reason.Timeout;
    }
    return PromotionException.Reason.Failed;
  }

  private String describe(Throwable cause, Throwable thrown) {
    String image = source.byDigest();
    String copying = "copying " + image + " to " + target;
    if (cause instanceof RegistryUnauthorizedException e) {
      String registry = registryOf(e.getImageReference());
      int status = e.getCause() instanceof ResponseException r ? r.getStatusCode() : 0;
      if (!hasCredentials(registry)) {
        return "registry " + registry + " requires credentials for " + e.getImageReference()
            + " and none are configured (" + copying + ")";
      }
      if (status == 403) {
        return "registry " + registry + " denied access to " + e.getImageReference()
            + " with the configured credentials (HTTP 403; " + copying + ")";
      }
      return "registry " + registry + " refused the credentials for " + e.getImageReference()
          + (status > 0 ? " (HTTP " + status + "; " : " (") + copying + ")";
    }
    if (cause instanceof RegistryAuthenticationFailedException e) {
      return "registry " + e.getServerUrl() + " refused the credentials for " + e.getServerUrl() + "/"
          + e.getImageName() + " (token authentication failed; " + copying + ")";
    }
    if (cause != null && cause.getClass().getSimpleName().equals("RegistryCredentialsNotSentException")) {
      // "Required credentials for <registry>/<repository> were not sent because the connection was over HTTP"
      String registry = find(CREDENTIALS_NOT_SENT, cause.getMessage()).orElseGet(() -> failedRegistry(thrown));
      return "registry " + registry + " requires credentials, which are not sent over plain HTTP "
          + "(run with -DsendCredentialsOverHttp=true to allow it; " + copying + ")";
    }
    if (cause instanceof InsecureRegistryException) {
      // "Failed to verify the server at https://<registry>/v2/... because only secure connections are allowed."
      String registry = find(URL_HOST, cause.getMessage()).orElseGet(() -> failedRegistry(thrown));
      return "registry " + registry + " has no trusted TLS certificate (" + copying
          + "); list it as an insecure registry only if that is intended";
    }
    if (cause instanceof RegistryException && isNotFound(cause.getMessage())) {
      if (isAboutSource(cause.getMessage())) {
        return "source image " + image + " not found";
      }
      return "a registry reported something missing while " + copying + ": "
          + firstLine(cause.getMessage());
    }
    if (cause instanceof RegistryException) {
      return "registry error while " + copying + ": " + firstLine(cause.getMessage());
    }
    if (cause instanceof UnknownHostException) {
      return "registry " + failedRegistry(thrown) + " unreachable: unknown host (" + copying + ")";
    }
    if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
      return "registry " + failedRegistry(thrown) + " unreachable: "
          + (cause instanceof NoRouteToHostException ? "no route to host" : "connection refused")
          + " (" + copying + ")";
    }
    if (cause instanceof SocketTimeoutException
        || cause != null && cause.getClass().getSimpleName().equals("ConnectTimeoutException")) {
      return "registry " + failedRegistry(thrown) + " unreachable: no answer within "
          + System.getProperty("jib.httpTimeout", "20000") + " ms (" + copying + ")";
    }
    if (cause instanceof SSLException) {
      return "TLS failure talking to registry " + failedRegistry(thrown) + " (" + copying + "): "
          + firstLine(cause.getMessage());
    }
    if (cause instanceof CacheDirectoryCreationException) {
      return "cannot create jib's working directory (" + copying + "): " + firstLine(cause.getMessage());
    }
    if (cause instanceof IOException) {
      return "I/O error while " + copying + ": " + cause.getClass().getSimpleName() + ": "
          + firstLine(cause.getMessage());
    }
    if (cause instanceof InterruptedException || cause instanceof CancellationException) {
      return copying + " was interrupted";
    }
    return "unexpected failure while " + copying + ": " + cause;
  }

  private boolean hasCredentials(String registry) {
    return registry.equalsIgnoreCase(source.registry()) && sourceCredentials.isPresent()
        || registry.equalsIgnoreCase(target.registry()) && targetCredentials.isPresent();
  }

  /** Jib names pulls of the base image "pull image manifest for <source>"; pushes otherwise. */
  private boolean isAboutSource(String message) {
    String m = String.valueOf(message);
    return m.contains(source.repositoryReference()) && !m.contains(target.repositoryReference())
        || m.contains("pull image manifest");
  }

  /**
   * The registry of the request that failed with this exception or one it wraps (see {@link
   * #onLog}): the first logged I/O error with the same class and message, else with the same
   * class, else both registries.
   */
  private String failedRegistry(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure; t != null && chain.size() < 20 && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    Optional<IoError> exact = ioErrors.stream()
        .filter(e -> chain.stream().anyMatch(t -> t.getClass().getName().equals(e.exceptionClass())
            && (t.getMessage() == null ? "(null exception message)" : t.getMessage().strip()).equals(e.message())))
        .findFirst();
    return exact
        .or(() -> ioErrors.stream()
            .filter(e -> chain.stream().anyMatch(t -> t.getClass().getName().equals(e.exceptionClass())))
            .findFirst())
        .map(e -> registryOf(e.image()))
        .orElseGet(() -> source.registry().equalsIgnoreCase(target.registry())
            ? source.registry()
            : source.registry() + " or " + target.registry());
  }

  private static Optional<String> find(Pattern pattern, String message) {
    Matcher m = pattern.matcher(String.valueOf(message));
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private static String registryOf(String imageReference) {
    int slash = imageReference.indexOf('/');
    return slash < 0 ? imageReference : imageReference.substring(0, slash);
  }

  /** Belt and braces: no message leaves with a password in it. */
  String redact(String message) {
    String m = message;
    for (Optional<RegistryCredentials> c : List.of(sourceCredentials, targetCredentials)) {
      if (c.isPresent() && !c.get().password().isEmpty()) {
        m = m.replace(c.get().password(), "****");
      }
    }
    return m;
  }

  static boolean isNotFound(String message) {
    String m = String.valueOf(message).toLowerCase(Locale.ROOT);
    return m.contains("manifest unknown") || m.contains("manifest_unknown") || m.contains("name unknown")
        || m.contains("name_unknown") || m.contains("repository name not known") || m.contains("not found")
        || m.contains("blob unknown") || m.contains("blob_unknown");
  }

  /** Strips the ExecutionException/CompletionException layers jib and the executor add. */
  static Throwable stripWrappers(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; depth < 20 && t != null && t.getCause() != null && isWrapper(t); depth++) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Goes down to a network failure (refused connection, unknown host, timeout) or registry failure
   * when jib wrapped one in another I/O exception.
   */
  static Throwable unwrap(Throwable thrown) {
    if (thrown == null || thrown instanceof RegistryException) {
      return thrown;
    }
    Throwable next = thrown.getCause();
    for (int depth = 0; depth < 20 && next != null && next != thrown; depth++) {
      if (next instanceof ConnectException || next instanceof UnknownHostException
          || next instanceof SocketTimeoutException || next instanceof NoRouteToHostException
          || next instanceof RegistryException) {
        return next;
      }
      next = next.getCause();
    }
    return thrown;
  }

  private static boolean isWrapper(Throwable t) {
    return t instanceof ExecutionException || t instanceof CompletionException
        || t.getClass().getName().equals("com.google.common.util.concurrent.UncheckedExecutionException");
  }

  static String firstLine(String message) {
    if (message == null) {
      return "(no details)";
    }
    String m = ANSI.matcher(message).replaceAll("").strip();
    int newline = m.indexOf('\n');
    return newline < 0 ? m : m.substring(0, newline).strip();
  }
}
