package dev.slipway.promote;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
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
      throw new PromotionException(PromotionException.Reason.Invalid, "source image " + source
          + " has no digest; only images referenced by digest are promoted");
    }
    String tag = target.tag() != null ? target.tag() : source.tag() != null ? source.tag() : "latest";
    ImageReference destination = new ImageReference(target.registry(), target.repository(), tag, null);
    CopyForensics copy = new CopyForensics(source, destination, credentialsFor(source.registry()),
        credentialsFor(destination.registry()));

    long started = System.nanoTime();
    Path work;
    try {
      Files.createDirectories(workDirectory);
      work = Files.createTempDirectory(workDirectory, "slipway-promote-");
    } catch (IOException e) {
      throw new PromotionException(PromotionException.Reason.Failed, "cannot create a working directory under " + workDirectory + ": " + e.getMessage(), e);
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
        throw new PromotionException(PromotionException.Reason.Timeout, "copying " + source.byDigest() + " to " + destination
            + " did not finish within " + format(timeout), e);
      } catch (InterruptedException e) {
        result.cancel(true);
        Thread.currentThread().interrupt();
        throw new PromotionException(PromotionException.Reason.Failed, "copying " + source.byDigest() + " to " + destination
            + " was interrupted", e);
      } catch (ExecutionException e) {
        throw copy.translate(e.getCause());
      }
      ImageReference copied = destination.withTag(null).withDigest(container.getDigest().toString());
      LOG.debug("Copied {} to {} as {} in {} ms", source.byDigest(), destination, copied.digest(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return copied;
    } catch (InvalidImageReferenceException e) {
      // ImageReference accepts only what jib accepts; this would be a bug, not bad input.
      throw new PromotionException(PromotionException.Reason.Invalid, "jib refused the image reference " + e.getInvalidReference(), e);
    } finally {
      executor.shutdownNow();
      deleteRecursively(work);
    }
  }

  private Optional<RegistryCredentials> credentialsFor(String registry) throws PromotionException {
    try {
      return Objects.requireNonNullElse(credentials.apply(registry), Optional.empty());
    } catch (RuntimeException e) {
      throw new PromotionException(PromotionException.Reason.Failed, "cannot read the credentials for registry " + registry + ": "
          + e.getMessage(), e);
    }
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
