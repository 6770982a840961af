package dev.slipway.promote;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A parsed image reference: registry host[:port], repository path, optional tag, optional digest.
 *
 * <p>Slipway always names the registry: {@code shop:abc} or {@code team-a/shop} (which Docker
 * would resolve against Docker Hub) are refused, so an image reference in a status or a Deployment
 * says exactly where the image is. The forms accepted are {@code host[:port]/repository[:tag]},
 * {@code host[:port]/repository@digest} and {@code host[:port]/repository:tag@digest}, where the
 * host is a DNS name, an IPv4 address or a bracketed IPv6 address and the first path component is
 * taken as the host only when it contains a dot or a colon or is {@code localhost} (Docker's
 * rule). Repository components are lower-case ({@code [a-z0-9]+} joined by {@code .}, {@code _},
 * {@code __} or dashes), tags are at most 128 characters of {@code [A-Za-z0-9_.-]} not starting
 * with {@code .} or {@code -}, and digests are {@code sha256:} with 64 or {@code sha512:} with
 * 128 lower-case hex digits.
 *
 * @param registry registry host, with the port when it is not the default
 * @param repository repository path inside the registry, without leading or trailing slash
 * @param tag tag, or {@code null}
 * @param digest manifest digest such as {@code sha256:...}, or {@code null}
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

  private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
  private static final Pattern HOST =
      Pattern.compile("(?:" + LABEL + "(?:\\." + LABEL + ")*|\\[[0-9A-Fa-f:.]+\\])(?::([0-9]{1,5}))?");
  private static final Pattern REPOSITORY_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}");
  private static final int MAX_NAME_LENGTH = 255;

  public ImageReference {
    checkRegistry(registry, null);
    checkRepository(repository, null);
    if (tag != null) {
      checkTag(tag, null);
    }
    if (digest != null) {
      checkDigest(digest, null);
    }
    if (registry.length() + 1 + repository.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "image name " + registry + "/" + repository + " is longer than " + MAX_NAME_LENGTH + " characters");
    }
  }

  /**
   * Parses {@code host[:port]/repository[:tag][@digest]}.
   *
   * @throws IllegalArgumentException naming the reference and what is wrong with it
   */
  public static ImageReference parse(String reference) {
    if (reference == null || reference.isBlank()) {
      throw new IllegalArgumentException("image reference is empty");
    }
    if (!reference.equals(reference.strip()) || reference.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("image reference '" + reference + "' contains white space");
    }
    String rest = reference;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      checkDigest(digest, reference);
    }
    int slash = rest.indexOf('/');
    String first = slash < 0 ? rest : rest.substring(0, slash);
    if (slash < 0 || !looksLikeHost(first)) {
      throw new IllegalArgumentException(
          "image reference '" + reference + "' has no registry host; "
              + "write it as host[:port]/repository[:tag][@digest], e.g. registry.example.com/team-a/shop:1.0");
    }
    String registry = first;
    checkRegistry(registry, reference);
    String path = rest.substring(slash + 1);
    String tag = null;
    int colon = path.lastIndexOf(':');
    if (colon >= 0) {
      tag = path.substring(colon + 1);
      path = path.substring(0, colon);
      checkTag(tag, reference);
    }
    checkRepository(path, reference);
    return new ImageReference(registry, path, tag, digest);
  }

  /** {@code registry/repository}. */
  public String repositoryReference() {
    return registry + "/" + repository;
  }

  /**
   * {@code registry/repository@digest}.
   *
   * @throws IllegalStateException when this reference has no digest
   */
  public String byDigest() {
    if (digest == null) {
      throw new IllegalStateException("image reference " + this + " has no digest");
    }
    return repositoryReference() + "@" + digest;
  }

  /** The same image name with this digest ({@code null} removes the digest). */
  public ImageReference withDigest(String digest) {
    return new ImageReference(registry, repository, tag, digest);
  }

  /** The same image name with this tag ({@code null} removes the tag). */
  public ImageReference withTag(String tag) {
    return new ImageReference(registry, repository, tag, digest);
  }

  /** The canonical form: {@code registry/repository[:tag][@digest]}; {@link #parse} reads it back. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(repositoryReference());
    if (tag != null) {
      s.append(':').append(tag);
    }
    if (digest != null) {
      s.append('@').append(digest);
    }
    return s.toString();
  }

  private static boolean looksLikeHost(String component) {
    return component.contains(".") || component.contains(":") || component.equals("localhost");
  }

  private static String in(String reference) {
    return reference == null ? "" : " in image reference '" + reference + "'";
  }

  private static void checkRegistry(String registry, String reference) {
    if (registry == null || registry.isEmpty()) {
      throw new IllegalArgumentException("registry host is missing" + in(reference));
    }
    var m = HOST.matcher(registry);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + registry + "' is not a registry host (host name, IPv4 or [IPv6] address, optional :port)" + in(reference));
    }
    if (m.group(1) != null) {
      int port = Integer.parseInt(m.group(1));
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("registry port " + port + " is out of range 1-65535" + in(reference));
      }
    }
  }

  private static void checkRepository(String repository, String reference) {
    if (repository == null || repository.isEmpty()) {
      throw new IllegalArgumentException("repository is missing" + in(reference));
    }
    for (String component : repository.split("/", -1)) {
      if (!REPOSITORY_COMPONENT.matcher(component).matches()) {
        String hint = component.equals(component.toLowerCase(Locale.ROOT))
            ? "path components are lower-case letters and digits separated by '.', '_', '__' or '-'"
            : "repository names are lower-case";
        throw new IllegalArgumentException("invalid repository '" + repository + "'" + in(reference) + ": " + hint);
      }
    }
  }

  private static void checkTag(String tag, String reference) {
    if (!TAG.matcher(tag).matches()) {
      throw new IllegalArgumentException(
          "invalid tag '" + tag + "'" + in(reference)
              + ": at most 128 of A-Z a-z 0-9 _ . -, not starting with '.' or '-'");
    }
  }

  private static void checkDigest(String digest, String reference) {
    if (!DIGEST.matcher(digest).matches()) {
      throw new IllegalArgumentException(
          "invalid digest '" + digest + "'" + in(reference)
              + ": expected sha256: followed by 64 lower-case hex digits (or sha512: and 128)");
    }
  }
}
