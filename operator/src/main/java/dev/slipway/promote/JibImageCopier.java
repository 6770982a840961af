package dev.slipway.promote;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.http.ResponseException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies an image between repositories with jib-core: the source image, by digest, is the base
 * image of a jib build that adds nothing, pushed to the target repository and tag.
 *
 * <p><b>What is kept.</b> Layers are copied as they are (same blobs; within one registry jib mounts
 * them from the source repository instead of uploading them, across registries it streams only the
 * ones the target lacks). The container configuration is carried over by jib: entrypoint, cmd,
 * env, user, working directory, labels, exposed ports, volumes, health check, architecture, OS and
 * history. The manifest and config are however <em>written by jib</em>: as a Docker V2.2 manifest,
 * single platform (linux/amd64 unless the image says otherwise; a multi-platform index is reduced
 * to that platform), {@code created} set to the epoch, and without fields jib does not model
 * (e.g. {@code StopSignal}, {@code Shell}, {@code OnBuild}, annotations). So:
 *
 * <ul>
 *   <li>for an image jib built with its defaults (Docker V2.2, created at the epoch) the copy is
 *       byte-identical and the returned digest equals the source digest (verified by {@code
 *       JibImageCopierIT});
 *   <li>for an image built otherwise (an OCI manifest, a real creation time, a multi-platform index)
 *       the returned digest differs from the source digest. The layers and the runtime config are
 *       still the same and the returned digest is what the target repository stores, so deploying
 *       it is correct; it is simply not the source digest.
 * </ul>
 *
 * <p><b>Limits.</b> Each HTTP request is bounded by jib's {@code jib.httpTimeout} system property
 * (milliseconds, default 20000; the only knob jib offers) and the whole copy by the timeout given
 * here (default {@link #DEFAULT_TIMEOUT}). Jib's allow-insecure switch covers both ends of a copy,
 * so it is on when either registry is listed as insecure. Jib sends credentials over plain HTTP
 * only when the JVM runs with {@code -DsendCredentialsOverHttp=true}. Layers that have to be
 * streamed go through a temporary directory that is deleted after each copy. Jib's log events go
 * to SLF4J at DEBUG under this class's logger. Instances are thread-safe; copies run independently.
 */
public final class JibImageCopier implements ImageCopier {

  /** Bound of one copy unless another is given. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(JibImageCopier.class);
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");
  private static final Pattern IO_ERROR = Pattern.compile("I/O error for image \\[([^\\]]+)\\]");
  private static final Pattern CREDENTIALS_NOT_SENT = Pattern.compile("credentials for ([^/\\s]+)/");
  private static final Pattern URL_HOST = Pattern.compile("https?://([^/\\s]+)");
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Function<String, Optional<RegistryCredentials>> credentials;
  private final Set<String> insecureRegistries;
  private final Duration timeout;
  private final Path workDirectory;

  /**
   * @param credentials registry host to credentials (may be empty)
   * @param insecureRegistries hosts reached over plain HTTP or with untrusted certificates
   *     (loopback registries in tests)
   */
  public JibImageCopier(
      Function<String, Optional<RegistryCredentials>> credentials, Set<String> insecureRegistries) {
    this(credentials, insecureRegistries, DEFAULT_TIMEOUT, Path.of(System.getProperty("java.io.tmpdir")));
  }

  /**
   * @param credentials registry host to credentials (may be empty)
   * @param insecureRegistries hosts reached over plain HTTP or with untrusted certificates
   * @param timeout bound of one copy, from start to the pushed manifest
   * @param workDirectory where each copy makes (and deletes) its temporary layer directory
   */
  public JibImageCopier(
      Function<String, Optional<RegistryCredentials>> credentials,
      Set<String> insecureRegistries,
      Duration timeout,
      Path workDirectory) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.insecureRegistries = Set.copyOf(insecureRegistries);
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.workDirectory = Objects.requireNonNull(workDirectory, "workDirectory");
  }

  /**
   * {@inheritDoc}
   *
   * <p>The target's digest, if any, is ignored; without a tag the source's tag is used, and without
   * either jib's {@code latest}. The result carries no tag: {@code registry/repository@digest} of
   * the target repository.
   */
  @Override
  public ImageReference copy(ImageReference source, ImageReference target) throws PromotionException {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(target, "target");
    if (source.digest() == null) {
      throw new PromotionException("source image " + source
          + " has no digest; only images referenced by digest are promoted");
    }
    String tag = target.tag() != null ? target.tag() : source.tag() != null ? source.tag() : "latest";
    ImageReference destination = new ImageReference(target.registry(), target.repository(), tag, null);
    Copy copy = new Copy(source, destination, credentialsFor(source.registry()), credentialsFor(destination.registry()));

    long started = System.nanoTime();
    Path work;
    try {
      Files.createDirectories(workDirectory);
      work = Files.createTempDirectory(workDirectory, "slipway-promote-");
    } catch (IOException e) {
      throw new PromotionException("cannot create a working directory under " + workDirectory + ": " + e.getMessage(), e);
    }
    ExecutorService executor = Executors.newCachedThreadPool(daemonThreads());
    try {
      RegistryImage from = RegistryImage.named(source.byDigest());
      copy.sourceCredentials.ifPresent(c -> from.addCredential(c.username(), c.password()));
      RegistryImage to = RegistryImage.named(destination.toString());
      copy.targetCredentials.ifPresent(c -> to.addCredential(c.username(), c.password()));
      Containerizer containerizer = Containerizer.to(to)
          .setAllowInsecureRegistries(
              insecureRegistries.contains(source.registry()) || insecureRegistries.contains(destination.registry()))
          .setExecutorService(executor)
          .setBaseImageLayersCache(work.resolve("base"))
          .setApplicationLayersCache(work.resolve("application"))
          .setAlwaysCacheBaseImage(false)
          .setToolName("slipway")
          .addEventHandler(LogEvent.class, copy::onLog);
      Future<JibContainer> result = executor.submit(() -> Jib.from(from).containerize(containerizer));
      JibContainer container;
      try {
        container = result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        result.cancel(true);
        throw new PromotionException("copying " + source.byDigest() + " to " + destination
            + " did not finish within " + format(timeout), e);
      } catch (InterruptedException e) {
        result.cancel(true);
        Thread.currentThread().interrupt();
        throw new PromotionException("copying " + source.byDigest() + " to " + destination + " was interrupted", e);
      } catch (ExecutionException e) {
        throw copy.translate(e.getCause());
      }
      ImageReference copied = destination.withTag(null).withDigest(container.getDigest().toString());
      LOG.debug("Copied {} to {} as {} in {} ms", source.byDigest(), destination, copied.digest(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return copied;
    } catch (InvalidImageReferenceException e) {
      // ImageReference accepts only what jib accepts; this would be a bug, not bad input.
      throw new PromotionException("jib refused the image reference " + e.getInvalidReference(), e);
    } finally {
      executor.shutdownNow();
      deleteRecursively(work);
    }
  }

  private Optional<RegistryCredentials> credentialsFor(String registry) throws PromotionException {
    try {
      return Objects.requireNonNullElse(credentials.apply(registry), Optional.empty());
    } catch (RuntimeException e) {
      throw new PromotionException("cannot read the credentials for registry " + registry + ": " + e.getMessage(), e);
    }
  }

  /** One copy: what the failure messages need to know. */
  private static final class Copy {

    private final ImageReference source;
    private final ImageReference target;
    private final Optional<RegistryCredentials> sourceCredentials;
    private final Optional<RegistryCredentials> targetCredentials;
    /** I/O errors jib logged, in order, per failing request. */
    private final List<IoError> ioErrors = new CopyOnWriteArrayList<>();
    private final Map<Thread, IoError> pending = new ConcurrentHashMap<>();

    Copy(ImageReference source, ImageReference target, Optional<RegistryCredentials> sourceCredentials,
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

    PromotionException translate(Throwable failure) {
      Throwable thrown = stripWrappers(failure);
      Throwable cause = unwrap(thrown);
      return new PromotionException(redact(describe(cause, thrown)), cause);
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
    private String redact(String message) {
      String m = message;
      for (Optional<RegistryCredentials> c : List.of(sourceCredentials, targetCredentials)) {
        if (c.isPresent() && !c.get().password().isEmpty()) {
          m = m.replace(c.get().password(), "****");
        }
      }
      return m;
    }
  }

  private static boolean isNotFound(String message) {
    String m = String.valueOf(message).toLowerCase(Locale.ROOT);
    return m.contains("manifest unknown") || m.contains("manifest_unknown") || m.contains("name unknown")
        || m.contains("name_unknown") || m.contains("repository name not known") || m.contains("not found")
        || m.contains("blob unknown") || m.contains("blob_unknown");
  }

  /** Strips the ExecutionException/CompletionException layers jib and the executor add. */
  private static Throwable stripWrappers(Throwable failure) {
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
  private static Throwable unwrap(Throwable thrown) {
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

  private static String firstLine(String message) {
    if (message == null) {
      return "(no details)";
    }
    String m = ANSI.matcher(message).replaceAll("").strip();
    int newline = m.indexOf('\n');
    return newline < 0 ? m : m.substring(0, newline).strip();
  }

  private static String format(Duration d) {
    return d.toSeconds() >= 60 && d.toSeconds() % 60 == 0 ? d.toMinutes() + "m" : d.toMillis() / 1000.0 + "s";
  }

  private static ThreadFactory daemonThreads() {
    return runnable -> {
      Thread thread = new Thread(runnable, "slipway-promote-" + THREADS.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  private static void deleteRecursively(Path path) {
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          LOG.debug("Cannot delete {}: {}", p, e.toString());
        }
      });
    } catch (IOException e) {
      LOG.debug("Cannot delete {}: {}", path, e.toString());
    }
  }
}
