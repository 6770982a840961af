package dev.slipway.api.v1alpha1;

/**
 * Name rules shared by the CRD schema (as annotation constants) and the controllers.
 *
 * <p>An environment's objects are named {@code <project>-<environment>[-suffix]}; the longest
 * suffixes ({@code -migrate-<sha7>} on Jobs, whose name becomes a 63-character label value, and
 * the controller-revision hash of the Local Postgres StatefulSet) leave room for 40 characters.
 */
public final class Names {

  /** DNS-1123 label: what Kubernetes accepts as a label value and most object names. */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** DNS-1035 label: a DNS label starting with a letter, as Service names must. */
  public static final String DNS_1035_LABEL = "^[a-z]([-a-z0-9]*[a-z0-9])?$";

  // Dots are written [.] rather than escaped: these patterns also go into CEL string
  // literals, where a backslash would start a CEL escape sequence.

  /** DNS-1123 subdomain, for references to Secrets and ConfigMaps. */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A lowercase fully qualified host name (at least two labels). */
  public static final String HOSTNAME =
      "^([a-z0-9]([-a-z0-9]*[a-z0-9])?[.])+[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** A full Git commit SHA-1. */
  public static final String COMMIT_SHA = "^[0-9a-f]{40}$";

  /**
   * Characters a Git ref name may hold and may start with (see git-check-ref-format); the
   * sequence rules ({@code ..}, {@code @{}, {@code .lock}, ...) are CEL rules on the field.
   */
  public static final String GIT_REF_CHARS = "^[^-\\s~^:?*\\[\\\\][^\\s~^:?*\\[\\\\]*$";

  /** Longest {@code <project>-<environment>} name. */
  public static final int MAX_ENVIRONMENT_OBJECT_NAME = 40;

  /** Longest project name: leaves room for '-' and a one-letter environment. */
  public static final int MAX_PROJECT_NAME = MAX_ENVIRONMENT_OBJECT_NAME - 2;

  /** Longest environment name in the mapping. */
  public static final int MAX_ENVIRONMENT_NAME = 20;

  /** Longest project name when the mapping is empty (the default names are test and live). */
  public static final int MAX_PROJECT_NAME_WITH_DEFAULTS = 35;

  private Names() {}

  /** The name of the Environment object (and the base name of its objects). */
  public static String environmentObjectName(String project, String environment) {
    return project + "-" + environment;
  }
}
