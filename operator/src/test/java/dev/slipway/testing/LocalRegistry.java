package dev.slipway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.Port;
import dev.slipway.promote.ImageReference;
import dev.slipway.promote.RegistryCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real OCI registry on loopback for tests: Debian's {@code docker-registry}
 * (github.com/docker/distribution) started with storage in its own directory on
 * 127.0.0.1:&lt;free port&gt;, plain HTTP. Usage:
 *
 * <pre>{@code
 * try (LocalRegistry registry = LocalRegistry.start()) {
 *   ImageReference image = registry.pushTestImage("team-a/shop", "abc");   // host/team-a/shop@sha256:...
 *   assertThat(registry.manifestDigest("team-a/shop", "abc")).isEqualTo(image.digest());
 * }
 * }</pre>
 *
 * <p>Clients reach it over plain HTTP, so jib needs {@code setAllowInsecureRegistries(true)}.
 * {@link #startWithBasicAuth()} starts one that requires {@link #USERNAME}/{@link #PASSWORD}
 * (htpasswd, bcrypt); since jib sends credentials over plain HTTP only when the system property
 * {@code sendCredentialsOverHttp} is {@code true}, that method sets it for the JVM.
 *
 * <p>The directory (under {@code target/local-registry/} when the working directory has a {@code
 * target/}, the temporary directory otherwise) keeps the registry's config and log ({@code
 * registry.log}); its storage is deleted on {@link #close()}. The process is stopped on {@code
 * close()} and, failing that, when the JVM exits. Nothing here skips: when the binary is missing or
 * the registry does not start, {@link #start()} fails with the reason and the log's tail.
 */
public final class LocalRegistry implements AutoCloseable {

  public static final Path BINARY = Path.of("/usr/bin/docker-registry");
  /** The user of a registry started with {@link #startWithBasicAuth()}. */
  public static final String USERNAME = "slipway";
  /** The password of a registry started with {@link #startWithBasicAuth()}. */
  public static final String PASSWORD = "slipway-test-pw";
  /**
   * bcrypt (cost 4, the minimum, so each request stays fast) of {@link #PASSWORD}, made with
   * Python's {@code crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))}; the
   * registry accepts only bcrypt in htpasswd files.
   */
  private static final String PASSWORD_BCRYPT = "$2b$04$XDZw4XnIROahU7fLG1dyAOUSYD30jjmZewMdtH5Wuy.TrLFfL9/WO";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final String MANIFEST_TYPES = String.join(", ",
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.list.v2+json");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final int port;
  private final boolean auth;
  private final Process process;
  private final Thread shutdownHook;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private LocalRegistry(Path dir, int port, boolean auth, Process process) {
    this.dir = dir;
    this.port = port;
    this.auth = auth;
    this.process = process;
    this.shutdownHook = new Thread(this::stop, "local-registry-stop-" + port);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts an open registry (no authentication) and waits until it answers. */
  public static LocalRegistry start() {
    return start(false);
  }

  /**
   * Starts a registry that requires basic authentication as {@link #USERNAME}/{@link #PASSWORD}
   * and sets the system property {@code sendCredentialsOverHttp=true} (jib refuses to send
   * credentials over plain HTTP otherwise).
   */
  public static LocalRegistry startWithBasicAuth() {
    System.setProperty("sendCredentialsOverHttp", "true");
    return start(true);
  }

  private static LocalRegistry start(boolean auth) {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is missing: install Debian's docker-registry package");
    }
    Path dir;
    try {
      Path base = Files.isDirectory(Path.of("target")) ? Path.of("target", "local-registry").toAbsolutePath()
          : Path.of(System.getProperty("java.io.tmpdir"));
      Files.createDirectories(base);
      dir = Files.createTempDirectory(base, "registry-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the local registry's directory", e);
    }
    // A free port can be taken between probing and binding: try a few.
    IllegalStateException failure = null;
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return startOn(dir, freePort(), auth);
      } catch (IllegalStateException e) {
        failure = failure == null ? e : failure;
        if (!String.valueOf(e.getMessage()).contains("address already in use")) {
          throw e;
        }
      }
    }
    throw failure;
  }

  private static LocalRegistry startOn(Path dir, int port, boolean auth) {
    Path config = dir.resolve("config.yml");
    Path log = dir.resolve("registry.log");
    Process process;
    try {
      StringBuilder yaml = new StringBuilder()
          .append("version: 0.1\n")
          .append("log:\n  level: info\n")
          .append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("storage")).append('\n')
          .append("  delete:\n    enabled: true\n")
          .append("http:\n  addr: 127.0.0.1:").append(port).append('\n')
          .append("  secret: ").append(UUID.randomUUID()).append('\n');
      if (auth) {
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, USERNAME + ":" + PASSWORD_BCRYPT + "\n");
        yaml.append("auth:\n  htpasswd:\n    realm: slipway-test\n    path: ").append(htpasswd).append('\n');
      }
      Files.writeString(config, yaml.toString());
      ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_"));
      process = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + BINARY + ": " + e.getMessage(), e);
    }
    LocalRegistry registry = new LocalRegistry(dir, port, auth, process);
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    String lastError = "no answer yet";
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        registry.close();
        throw new IllegalStateException("the local registry exited with status " + process.exitValue()
            + " before answering on 127.0.0.1:" + port + "; " + tail(log));
      }
      try {
        int status = registry.send(registry.request("/v2/").GET(), HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200) {
          return registry;
        }
        lastError = "GET /v2/ answered " + status;
      } catch (IOException e) {
        lastError = e.toString();
      }
      sleep(50);
    }
    registry.close();
    throw new IllegalStateException("the local registry did not answer on 127.0.0.1:" + port + " within "
        + START_TIMEOUT.toSeconds() + "s (" + lastError + "); " + tail(log));
  }

  /** {@code 127.0.0.1:PORT}. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** The registry's working directory (config, log, storage). */
  public Path directory() {
    return dir;
  }

  /** {@link #USERNAME}/{@link #PASSWORD} for a registry with authentication, empty otherwise. */
  public Optional<RegistryCredentials> credentials() {
    return auth ? Optional.of(new RegistryCredentials(USERNAME, PASSWORD)) : Optional.empty();
  }

  /**
   * Builds a small image with jib ({@code Jib.fromScratch()} plus one layer holding a file with
   * random content, so every call gives a new digest), with entrypoint {@code /app/serve
   * --port=8000}, arguments {@code --workers 2}, env {@code APP_MODE=test}, user {@code
   * 1000:1000}, working directory {@code /app}, exposed port 8000/tcp and label {@code
   * dev.slipway.test=true}; pushes it to {@code host()/repository:tag} and returns it by digest.
   */
  public ImageReference pushTestImage(String repository, String tag) {
    try {
      Path work = Files.createTempDirectory(dir, "image-");
      Path payload = work.resolve("payload.txt");
      Files.writeString(payload, UUID.randomUUID() + "\n");
      RegistryImage to = RegistryImage.named(host() + "/" + repository + ":" + tag);
      credentials().ifPresent(c -> to.addCredential(c.username(), c.password()));
      JibContainer container = Jib.fromScratch()
          .addFileEntriesLayer(FileEntriesLayer.builder()
              .setName("payload")
              .addEntry(payload, AbsoluteUnixPath.get("/app/payload.txt"))
              .build())
          .setEntrypoint("/app/serve", "--port=8000")
          .setProgramArguments("--workers", "2")
          .addEnvironmentVariable("APP_MODE", "test")
          .setUser("1000:1000")
          .setWorkingDirectory(AbsoluteUnixPath.get("/app"))
          .addExposedPort(Port.tcp(8000))
          .addLabel("dev.slipway.test", "true")
          .containerize(Containerizer.to(to)
              .setAllowInsecureRegistries(true)
              .setBaseImageLayersCache(work.resolve("base-cache"))
              .setApplicationLayersCache(work.resolve("app-cache"))
              .setToolName("slipway-tests")
              .setToolVersion("0"));
      deleteRecursively(work);
      return new ImageReference(host(), repository, null, container.getDigest().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while pushing a test image", e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot push a test image to " + host() + "/" + repository + ":" + tag
          + ": " + e + "; " + tail(dir.resolve("registry.log")), e);
    }
  }

  /** Whether the registry has a manifest for the tag or digest (HEAD /v2/repository/manifests/reference). */
  public boolean hasManifest(String repository, String reference) {
    int status = head(repository, reference).statusCode();
    if (status != 200 && status != 404) {
      throw new IllegalStateException("HEAD manifest " + repository + ":" + reference + " answered " + status);
    }
    return status == 200;
  }

  /**
   * The digest of the manifest stored for the tag or digest (the {@code Docker-Content-Digest} of
   * HEAD /v2/repository/manifests/reference).
   *
   * @throws IllegalStateException when there is none
   */
  public String manifestDigest(String repository, String reference) {
    HttpResponse<Void> response = head(repository, reference);
    if (response.statusCode() != 200) {
      throw new IllegalStateException("no manifest " + repository + ":" + reference + " in " + host()
          + " (HEAD answered " + response.statusCode() + ")");
    }
    return response.headers().firstValue("Docker-Content-Digest")
        .orElseThrow(() -> new IllegalStateException("HEAD manifest " + repository + ":" + reference
            + " answered without Docker-Content-Digest"));
  }

  /** The manifest stored for the tag or digest, as JSON (GET /v2/repository/manifests/reference). */
  public JsonNode manifest(String repository, String reference) {
    return getJson("/v2/" + repository + "/manifests/" + reference, MANIFEST_TYPES);
  }

  /**
   * The image configuration (the config blob the manifest of the tag or digest points to), whose
   * {@code config} object holds Entrypoint, Cmd, Env, User, WorkingDir, Labels and ExposedPorts.
   */
  public JsonNode imageConfig(String repository, String reference) {
    JsonNode manifest = manifest(repository, reference);
    String configDigest = manifest.path("config").path("digest").asText("");
    if (configDigest.isEmpty()) {
      throw new IllegalStateException("manifest " + repository + ":" + reference + " has no config (an index?): " + manifest);
    }
    return getJson("/v2/" + repository + "/blobs/" + configDigest, "*/*");
  }

  /** Stops the registry and deletes its storage (the config and log stay). */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down; the hook runs anyway
    }
    deleteRecursively(dir.resolve("storage"));
  }

  private void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private HttpResponse<Void> head(String repository, String reference) {
    try {
      return send(request("/v2/" + repository + "/manifests/" + reference)
          .method("HEAD", HttpRequest.BodyPublishers.noBody())
          .header("Accept", MANIFEST_TYPES), HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      throw new UncheckedIOException("HEAD manifest " + repository + ":" + reference + " failed", e);
    }
  }

  private JsonNode getJson(String path, String accept) {
    try {
      HttpResponse<String> response = send(request(path).GET().header("Accept", accept),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " failed", e);
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://" + host() + path))
        .timeout(Duration.ofSeconds(10));
    if (auth) {
      String basic = Base64.getEncoder().encodeToString((USERNAME + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      builder.header("Authorization", "Basic " + basic);
    }
    return builder;
  }

  private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) throws IOException {
    try {
      return http.send(request.build(), handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on loopback", e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
      List<String> last = new ArrayList<>(lines.subList(Math.max(0, lines.size() - 30), lines.size()));
      return "last lines of " + log + ":\n" + String.join("\n", last);
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the local registry", e);
    }
  }

  private static void deleteRecursively(Path path) {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a leftover directory under target/ or /tmp is harmless
    }
  }
}
