package dev.slipway.image;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.Port;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the operator's container image with jib-core, without a Docker engine: the base image
 * (a Java 17 runtime, pinned by digest) plus one layer holding the operator jar, run as a
 * non-root user. {@code make image} pushes it; {@code make image-tar} writes a tarball.
 *
 * <p>Usage: {@code OperatorImage --jar JAR (--to IMAGE | --tar FILE --name IMAGE) [--base IMAGE] [--insecure]
 * [--label KEY=VALUE]...}. Labels go into the image's config, so the same jar with another
 * {@code org.opencontainers.image.revision} is another digest; the creation time is fixed, so the
 * same inputs give the same digest.
 */
public final class OperatorImage {

  /** Eclipse Temurin 17 JRE, pinned by the digest of its multi-arch index (check it with 'crane digest'). */
  public static final String DEFAULT_BASE =
      "docker.io/library/eclipse-temurin:17-jre@sha256:13cc28a6cc72a38ce1f00c906be3580c1a3e604b8984d694f369a96742abc93b";

  /** The user the chart's security context expects. */
  public static final String USER = "65532";

  public static final List<String> ENTRYPOINT =
      List.of("java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/slipway-operator.jar");

  private OperatorImage() {}

  public static JibContainer build(Path jar, String base, String name, Path tar, boolean insecure) throws Exception {
    return build(jar, base, name, tar, insecure, Map.of());
  }

  public static JibContainer build(Path jar, String base, String name, Path tar, boolean insecure, Map<String, String> labels)
      throws Exception {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("no operator jar at " + jar + " (run make build)");
    }
    ImageReference baseRef = ImageReference.parse(base);
    RegistryImage from = RegistryImage.named(baseRef)
        .addCredentialRetriever(CredentialRetrieverFactory.forImage(baseRef, e -> { }).dockerConfig());
    Containerizer to;
    ImageReference target = ImageReference.parse(name);
    if (tar != null) {
      to = Containerizer.to(TarImage.at(tar).named(target));
    } else {
      to = Containerizer.to(RegistryImage.named(target)
          .addCredentialRetriever(CredentialRetrieverFactory.forImage(target, e -> { }).dockerConfig()));
    }
    JibContainerBuilder image = Jib.from(from)
        .addLayer(List.of(jar), AbsoluteUnixPath.get("/app"))
        .setEntrypoint(ENTRYPOINT)
        .setProgramArguments(List.of())
        .setUser(USER)
        .setWorkingDirectory(AbsoluteUnixPath.get("/app"))
        .setExposedPorts(Set.of(Port.tcp(8080)))
        .addLabel("org.opencontainers.image.title", "slipway-operator")
        .setCreationTime(Instant.EPOCH);
    labels.forEach(image::addLabel);
    return image.containerize(to.setAllowInsecureRegistries(insecure).setToolName("slipway"));
  }

  public static void main(String[] args) throws Exception {
    Path jar = Path.of("operator/target/slipway-operator.jar");
    String base = DEFAULT_BASE;
    String to = null;
    String name = null;
    Path tar = null;
    boolean insecure = false;
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--jar" -> jar = Path.of(args[++i]);
        case "--base" -> base = args[++i];
        case "--to" -> to = args[++i];
        case "--tar" -> tar = Path.of(args[++i]);
        case "--name" -> name = args[++i];
        case "--insecure" -> insecure = true;
        case "--label" -> {
          String label = args[++i];
          int eq = label.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--label wants KEY=VALUE, not " + label);
          }
          labels.put(label.substring(0, eq), label.substring(eq + 1));
        }
        default -> throw new IllegalArgumentException("unexpected argument " + args[i]);
      }
    }
    if ((to == null) == (tar == null) || (tar != null && name == null)) {
      System.err.println("usage: OperatorImage --jar JAR (--to IMAGE | --tar FILE --name IMAGE) [--base IMAGE] [--insecure] [--label KEY=VALUE]...");
      System.exit(2);
    }
    JibContainer result = build(jar, base, to != null ? to : name, tar, insecure, labels);
    System.out.println((tar != null ? tar + " " : "") + result.getTargetImage() + "@" + result.getDigest());
  }
}
