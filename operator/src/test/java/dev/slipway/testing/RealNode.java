package dev.slipway.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The control plane WITH a real one-node cluster (kubelet, containerd, kube-proxy,
 * kube-scheduler, CoreDNS) and an OCI registry that both this JVM and the pods reach, for the
 * real-node test tier (classes named {@code RealNode*IT}, their own Failsafe execution).
 *
 * <p>Started once per JVM by {@code e2e/harness -node} from what {@code e2e/build-node.sh} built
 * (binaries and images, cached in ~/.cache/slipway/node), with the CRDs from crds/ installed;
 * stopped when the JVM ends. The harness undoes its host changes on exit, and a watchdog does it
 * when the harness is killed. One real node per machine: a second JVM waits for the first (see
 * e2e/node/README.md).
 *
 * <pre>{@code
 * RealNode node = RealNode.get();
 * node.client().pods()...;                    // admin client
 * node.kanikoImage();                         // 10.200.0.1:5000/slipway/kaniko-executor@sha256:...
 * node.registryFromPods();                    // 10.200.0.1:5000 (plain HTTP)
 * node.registryDigest("smoke/app", "abc");    // what the registry serves for that tag
 * node.ingressClass();                        // "traefik": set it as an Ingress's ingressClassName
 * node.ingressGet("shop-test.apps.test", "/", Duration.ofSeconds(3)); // via Traefik on 10.200.0.1:80
 * }</pre>
 *
 * <p>The ingress controller is Traefik v3 (built from its Go module), a host process on the node
 * IP: {@link #ingressAddress()} on port 80, {@link #ingressHttpsAddress()} on 443, serving the
 * Ingresses of class {@link #ingressClass()} by forwarding to the pods' IPs.
 *
 * <p>PersistentVolumeClaims bind to the node's default StorageClass {@code slipway-local} (20
 * hostPath volumes, emptied and made Available again when their claim goes).
 *
 * <p>Nothing here skips: without root, or when the node cannot start, every test using it fails
 * with the reason.
 */
public final class RealNode {

  private static RealNode instance;
  private static RuntimeException startFailure;

  private final Path repoRoot;
  private final Path bundle;
  private final Path stateDir;
  private final Path kubeconfig;
  private final Process harness;
  private final Map<String, String> ready;
  private final Map<String, String> images;
  private final KubernetesClient client;
  private final Duration startup;
  private final SecretWatch secretWatch;

  private RealNode(Path repoRoot, Path bundle, Path stateDir, Process harness, Map<String, String> ready,
      Map<String, String> images, Duration startup) {
    this.repoRoot = repoRoot;
    this.bundle = bundle;
    this.stateDir = stateDir;
    this.kubeconfig = Path.of(ready.get("kubeconfig"));
    this.harness = harness;
    this.ready = ready;
    this.images = images;
    this.startup = startup;
    this.client = newClient();
    this.secretWatch = new SecretWatch(client, () -> SecretWatch.filesBelow(stateDir.resolve("audit.log"), stateDir.resolve("logs"),
        stateDir.resolve("pod-logs")));
  }

  /** The shared real node, started on first use. */
  public static synchronized RealNode get() {
    if (startFailure != null) {
      throw startFailure;
    }
    if (instance == null) {
      try {
        instance = start();
      } catch (Exception e) {
        startFailure = new IllegalStateException("the real node could not be started: " + e.getMessage(), e);
        throw startFailure;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "real-node-stop"));
    }
    return instance;
  }

  private static RealNode start() throws Exception {
    Instant began = Instant.now();
    Path root = LocalControlPlane.repoRoot();
    Path bundle = bundle(root);
    Path state = stateDir(root);
    Files.createDirectories(state.getParent());
    List<String> command = List.of(
        bundle.resolve("bin/harness").toString(),
        "-bin", bundle.resolve("bin").toString(),
        "-dir", state.toString(),
        "-crds", root.resolve("crds").toString(),
        "-node",
        "-registry-seed", bundle.resolve("registry").toRealPath().toString(),
        "-exit-on-stdin-close");
    // generous: another JVM's node may hold the machine's lock for a while
    HarnessProcess.Started started = HarnessProcess.start(command, "real-node", Duration.ofMinutes(15));
    Process process = started.process();
    Map<String, String> fields = started.ready();
    Map<String, String> images = readEnv(bundle.resolve("images.env"));
    return new RealNode(root, bundle, state, process, fields, images, Duration.between(began, Instant.now()));
  }

  /**
   * SLIPWAY_NODE_BUNDLE when the caller built it already, otherwise build (or find in the cache)
   * now with e2e/build-node.sh.
   */
  private static Path bundle(Path root) throws IOException, InterruptedException {
    String fromEnv = System.getenv("SLIPWAY_NODE_BUNDLE");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    return HarnessProcess.built(root.resolve("e2e/build-node.sh"), Duration.ofMinutes(60));
  }

  /**
   * operator/target/realnode, unless that path is so long that the node's Unix sockets below it
   * would pass the 108-byte limit; then a directory under /tmp.
   */
  private static Path stateDir(Path root) {
    Path preferred = root.resolve("operator/target/realnode").toAbsolutePath().normalize();
    if (preferred.toString().length() <= 48) {
      return preferred;
    }
    return Path.of("/tmp/slipway-realnode-" + Integer.toHexString(preferred.toString().hashCode()));
  }

  private static Map<String, String> readEnv(Path file) throws IOException {
    Map<String, String> m = new HashMap<>();
    for (String l : Files.readAllLines(file)) {
      int eq = l.indexOf('=');
      if (eq > 0 && !l.startsWith("#")) {
        m.put(l.substring(0, eq).trim(), l.substring(eq + 1).trim());
      }
    }
    return m;
  }

  public KubernetesClient client() {
    return client;
  }

  /** A new client of its own, as the cluster's administrator. */
  public KubernetesClient newClient() {
    return HarnessProcess.clientFor(kubeconfig);
  }


  /** A client with the operator's own identity (user slipway-operator), as LocalControlPlane's. */
  public KubernetesClient newOperatorClient() {
    return HarnessProcess.clientFor(operatorKubeconfig());
  }


  /** An administrator's kubeconfig. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** A kubeconfig with the operator's own identity (user slipway-operator, see LocalControlPlane). */
  public Path operatorKubeconfig() {
    return stateDir.resolve("operator.kubeconfig");
  }

  public String apiserverUrl() {
    return ready.get("apiserver");
  }

  public String nodeName() {
    return ready.get("node");
  }

  /** The node IP (a /32 on lo): the API server, kubelet, CoreDNS and the registry listen on it. */
  public String nodeIp() {
    return ready.get("node-ip");
  }

  public String podCidr() {
    return ready.get("pod-cidr");
  }

  /** The registry as pods see it: host:port, plain HTTP. */
  public String registryFromPods() {
    return ready.get("registry");
  }

  /**
   * The registry as this machine sees it: the same address (the node IP is on this machine), plain
   * HTTP. jib needs setAllowInsecureRegistries(true), Kaniko --insecure/--skip-tls-verify.
   */
  public String registryFromHost() {
    return ready.get("registry");
  }

  /** The ingress controller's HTTP address, host:port on the node IP ("10.200.0.1:80"). */
  public String ingressAddress() {
    return readyField("ingress");
  }

  /**
   * The ingress controller's HTTPS address ("10.200.0.1:443"): every Ingress is served there with
   * TLS, with the certificate of its TLS Secret, or Traefik's generated default certificate.
   */
  public String ingressHttpsAddress() {
    return readyField("ingress-https");
  }

  /** The IngressClass the ingress controller serves ("traefik", controller traefik.io/ingress-controller). */
  public String ingressClass() {
    return readyField("ingress-class");
  }

  /**
   * The ingress controller's access log (Common Log Format plus the router's name and the
   * backend's URL, which is a pod IP: {@code ... "<router>" "http://10.244.0.7:8080" 2ms}).
   */
  public Path ingressAccessLog() {
    return stateDir.resolve("logs/traefik-access.log");
  }

  /** An answer from {@link #ingressGet}: status, headers (lower-case names, last value wins), body. */
  public record HttpAnswer(int status, Map<String, String> headers, String body) {
  }

  /**
   * One GET through the ingress controller with the given Host header (Java's HttpClient cannot set
   * Host): HTTP/1.1, {@code Connection: close}, at most {@code timeout} for connecting and for
   * each read. Throws IOException when no answer comes; callers loop, bounded.
   */
  public HttpAnswer ingressGet(String host, String path, Duration timeout) throws IOException {
    return request(ingressAddress(), false, host, path, timeout);
  }

  /** {@link #ingressGet} over TLS on {@link #ingressHttpsAddress()}, SNI = host, any certificate accepted. */
  public HttpAnswer ingressGetHttps(String host, String path, Duration timeout) throws IOException {
    return request(ingressHttpsAddress(), true, host, path, timeout);
  }

  private static HttpAnswer request(String address, boolean tls, String host, String path, Duration timeout) throws IOException {
    int colon = address.lastIndexOf(':');
    InetSocketAddress target = new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    int millis = (int) timeout.toMillis();
    try (Socket plain = new Socket()) {
      plain.connect(target, millis);
      plain.setSoTimeout(millis);
      Socket socket = plain;
      if (tls) {
        SSLSocket ssl = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, host, target.getPort(), true);
        SSLParameters params = ssl.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(host)));
        ssl.setSSLParameters(params);
        ssl.startHandshake();
        socket = ssl;
      }
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: slipway-tests\r\nAccept: */*\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] raw = readAll(socket.getInputStream(), 16 << 20);
      return parse(raw);
    }
  }

  private static byte[] readAll(InputStream in, int limit) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    int n;
    while ((n = in.read(chunk)) >= 0) {
      buffer.write(chunk, 0, n);
      if (buffer.size() > limit) {
        throw new IOException("answer larger than " + limit + " bytes");
      }
    }
    return buffer.toByteArray();
  }

  private static HttpAnswer parse(byte[] raw) throws IOException {
    int end = -1;
    for (int i = 0; i + 3 < raw.length; i++) {
      if (raw[i] == '\r' && raw[i + 1] == '\n' && raw[i + 2] == '\r' && raw[i + 3] == '\n') {
        end = i;
        break;
      }
    }
    if (end < 0) {
      throw new IOException("no complete HTTP answer (" + raw.length + " bytes)");
    }
    String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
    String[] status = lines[0].split(" ", 3);
    if (status.length < 2 || !status[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP answer: " + lines[0]);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int c = lines[i].indexOf(':');
      if (c > 0) {
        headers.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
      }
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    } else if (headers.containsKey("content-length")) {
      int length = Integer.parseInt(headers.get("content-length"));
      if (length > body.length) {
        throw new IOException("answer cut short: " + body.length + " of " + length + " bytes");
      }
      body = java.util.Arrays.copyOf(body, length);
    }
    return new HttpAnswer(Integer.parseInt(status[1]), headers, new String(body, StandardCharsets.UTF_8));
  }

  private static byte[] dechunk(byte[] body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int pos = 0;
    while (true) {
      int lineEnd = pos;
      while (lineEnd + 1 < body.length && !(body[lineEnd] == '\r' && body[lineEnd + 1] == '\n')) {
        lineEnd++;
      }
      if (lineEnd + 1 >= body.length) {
        throw new IOException("chunked answer cut short");
      }
      String sizeField = new String(body, pos, lineEnd - pos, StandardCharsets.US_ASCII).split(";", 2)[0].trim();
      int size = Integer.parseInt(sizeField, 16);
      pos = lineEnd + 2;
      if (size == 0) {
        return out.toByteArray();
      }
      if (pos + size > body.length) {
        throw new IOException("chunked answer cut short");
      }
      out.write(body, pos, size);
      pos += size + 2;
    }
  }

  private static SSLContext trustAll() throws IOException {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  private String readyField(String name) {
    String value = ready.get(name);
    if (value == null) {
      throw new IllegalStateException("the harness reported no " + name + " (started with -ingress=false, or an older bundle?)");
    }
    return value;
  }

  /** The pause (sandbox) image the node uses. */
  public String pauseImage() {
    return image("PAUSE");
  }

  /** The Kaniko executor (chainguard-dev/kaniko v1.25.5, FROM scratch), by digest. */
  public String kanikoImage() {
    return image("KANIKO");
  }

  /** Debian minbase + git + openssh-client with a passwd entry for uid 65532, by digest. */
  public String gitImage() {
    return image("GIT");
  }

  /** Postgres 15 from Debian's packages behind the official image's contract, uid 999, by digest. */
  public String postgresImage() {
    return image("POSTGRES");
  }

  /**
   * Debian (bookworm) with python3, venv, pip, python3-dev and build-essential: the OS image for
   * base-images/runtime/Dockerfile's UBUNTU_IMAGE build argument here, by digest.
   */
  public String osBaseImage() {
    return image("OS");
  }

  /**
   * The operator image's base here: a jlinked Java 17 runtime (Debian's OpenJDK, only the modules
   * the operator uses, its default CDS archive) on a root file system of glibc, libgcc, libstdc++
   * and zlib from Debian's packages, user 65532, no shell; by digest.
   */
  public String operatorBaseImage() {
    return image("JLINK");
  }

  private String image(String key) {
    String repo = images.get(key + "_IMAGE");
    String digest = images.get(key + "_DIGEST");
    if (repo == null || digest == null) {
      throw new IllegalStateException("no " + key + " image in " + bundle.resolve("images.env"));
    }
    int colon = repo.lastIndexOf(':');
    String name = colon > repo.lastIndexOf('/') ? repo.substring(0, colon) : repo;
    return registryFromPods() + "/" + name + "@" + digest;
  }

  /** The CA every image trusts (and nothing else): issue test servers' certificates from it. */
  public Path testCaCertificate() {
    return bundle.resolve("test-ca/ca.crt");
  }

  public Path testCaKey() {
    return bundle.resolve("test-ca/ca.key");
  }

  /** Every binary: kubectl, crane, crictl, the control plane's and the node's. */
  public Path binDir() {
    return bundle.resolve("bin");
  }

  public Path stateDir() {
    return stateDir;
  }

  /** The API server's audit log of write requests (metadata and user agent, no bodies). */
  public Path auditLog() {
    return stateDir.resolve("audit.log");
  }

  /** The files of base-images/boilerplates/NAME as Git would track them (no caches, no build output). */
  public Map<String, String> boilerplate(String name) {
    Path dir = repoRoot.resolve("base-images/boilerplates").resolve(name);
    Map<String, String> files = new LinkedHashMap<>();
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        String rel = dir.relativize(p).toString();
        if (List.of("__pycache__", "staticfiles", "node_modules").stream().noneMatch(part -> ("/" + rel).contains("/" + part + "/"))
            && !rel.endsWith(".pyc") && !p.getFileName().toString().equals("db.sqlite3")) {
          files.put(rel, Files.readString(p, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return files;
  }

  /** GET through the ingress controller with this Host, retried (bounded) until it answers 200. */
  public HttpAnswer ingressGetOk(String host, String path, Duration within) {
    Instant deadline = Instant.now().plus(within);
    String last = "no answer";
    while (Instant.now().isBefore(deadline)) {
      try {
        HttpAnswer r = ingressGet(host, path, Duration.ofSeconds(5));
        if (r.status() == 200) {
          return r;
        }
        last = "HTTP " + r.status() + ": " + r.body().substring(0, Math.min(200, r.body().length()));
      } catch (IOException e) {
        last = e.toString();
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("GET http://" + host + path + " through the ingress did not answer 200 within " + within + ": " + last);
  }

  public Path repoRootPath() {
    return repoRoot;
  }

  /** How long getting the node took in this JVM (build check, lock, start, Ready). */
  public Duration startup() {
    return startup;
  }

  /** The digest the registry serves for repository:tag, if it has the tag. */
  public Optional<String> registryDigest(String repository, String tag) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + registryFromHost() + "/v2/" + repository + "/manifests/" + tag))
        .method("HEAD", HttpRequest.BodyPublishers.noBody())
        .header("Accept", String.join(",",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json"))
        .timeout(Duration.ofSeconds(10))
        .build();
    try {
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() == 404) {
        return Optional.empty();
      }
      if (response.statusCode() != 200) {
        throw new IllegalStateException("registry answered HTTP " + response.statusCode() + " for " + repository + ":" + tag);
      }
      return response.headers().firstValue("Docker-Content-Digest");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs kubectl against the node's cluster; returns exit code and combined output. */
  public LocalControlPlane.CommandResult kubectl(String... args) {
    return HarnessProcess.kubectl(binDir().resolve("kubectl"), kubeconfig, repoRoot, args);
  }

  // ---- the platform: runtime image, wheel builder and package index (e2e/node/platform.sh) ----

  private Map<String, String> platform;

  /**
   * The platform's own images and package index on this node, made once per JVM by
   * e2e/node/platform.sh (Kaniko builds the runtime base image, the wheel-builder stage and the
   * package index image in real pods; the index runs in slipway-platform, seeded with this machine's
   * downloads; a wheel-building Job compiles what has no wheel). Cached by its inputs: a few
   * seconds when nothing changed, a few minutes cold.
   */
  public synchronized Map<String, String> platform() {
    if (platform != null) {
      return platform;
    }
    List<String> command = List.of(repoRoot.resolve("e2e/node/platform.sh").toString(),
        "--kubeconfig", kubeconfig.toString(), "--bundle", bundle.toString(),
        "--registry", registryFromPods(), "--node-ip", nodeIp(), "--state", stateDir.resolve("platform-state").toString());
    try {
      Process p = new ProcessBuilder(command).directory(repoRoot.toFile()).redirectErrorStream(true).start();
      List<String> lines = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          System.out.println("[platform] " + (line.startsWith("SLIPWAY_PACKAGE_INDEX_PACKAGES=") ? line.substring(0, Math.min(line.length(), 160)) + "…" : line));
          lines.add(line);
        }
      }
      if (!p.waitFor(40, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("e2e/node/platform.sh failed:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
      }
      Map<String, String> values = new HashMap<>();
      for (String line : lines) {
        int eq = line.indexOf('=');
        if (line.startsWith("SLIPWAY_") && eq > 0) {
          values.put(line.substring(0, eq), line.substring(eq + 1).replace("\"", ""));
        }
      }
      platform = Map.copyOf(values);
      return platform;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The runtime base image Kaniko built here from base-images/runtime/Dockerfile (Debian OS image), by digest. */
  public String runtimeImage() {
    return platform().get("SLIPWAY_RUNTIME_IMAGE");
  }

  /** The runtime Dockerfile's wheel-builder stage (compilers, the runtime's Python), by digest. */
  public String wheelBuilderImage() {
    return platform().get("SLIPWAY_WHEEL_BUILDER_IMAGE");
  }

  /** The package index image (base-images/package-index, on the runtime image), by digest. */
  public String packageIndexImage() {
    return platform().get("SLIPWAY_PACKAGE_INDEX_IMAGE");
  }

  /** The package index as pods (and builds) reach it: http://…svc.cluster.local:8080/simple/. */
  public String packageIndexUrl() {
    return platform().get("SLIPWAY_PIP_INDEX_URL");
  }

  /** The distribution files the package index serves (seeded ones and the wheels the Job built). */
  public List<String> packageIndexPackages() {
    return List.of(platform().get("SLIPWAY_PACKAGE_INDEX_PACKAGES").split(" "));
  }

  /**
   * The run-wide secret check over what the real-node tier left: the statuses, Events and Jobs of
   * every namespace, then every log line of this JVM, the node components' and pods' logs (the
   * in-cluster operator's among them) and the audit log.
   */
  private void checkSecrets() {
    try {
      Path uploadPassword = stateDir.resolve("helm-upload-password");
      if (Files.exists(uploadPassword)) {
        SecretCheck.remember(Files.readString(uploadPassword));
      }
      for (var namespace : client.namespaces().list().getItems()) {
        String name = namespace.getMetadata().getName();
        if (!name.startsWith("kube-")) {
          secretWatch.leaks(client, name);
        }
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("real node: the secret check could not read the cluster: " + e);
    }
    secretWatch.close();
  }

  /**
   * Closing the harness's standard input asks it to stop; it then removes the pods, stops every
   * component and undoes its host changes, which takes some seconds. SIGTERM follows if it has not
   * ended after two minutes, SIGKILL after three (its watchdog then cleans up).
   */
  private void stop() {
    checkSecrets();
    client.close();
    try {
      harness.getOutputStream().close();
    } catch (IOException ignored) {
      // destroy below is the firm request
    }
    try {
      if (!harness.waitFor(2, TimeUnit.MINUTES)) {
        harness.destroy();
        if (!harness.waitFor(1, TimeUnit.MINUTES)) {
          harness.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      harness.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
