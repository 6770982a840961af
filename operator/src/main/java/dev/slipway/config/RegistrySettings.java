package dev.slipway.config;

import java.util.Optional;

/** The registry builds push to and promotion copies within. */
public record RegistrySettings(
    /* Registry and path prefix images are pushed under, e.g. registry.example.com/slipway. */
    @Env(value = "SLIPWAY_REGISTRY", format = Format.REGISTRY, chart = "registry.url", defaultDoc = "unset (no builds)",
        doc = "Registry and path prefix for images, e.g. `registry.example.com/slipway`.")
    Optional<String> url,

    @Env(value = "SLIPWAY_REGISTRY_INSECURE", defaultValue = "false", chart = "registry.insecure",
        doc = "Plain-HTTP registry (Kaniko `--insecure`, jib).")
    boolean insecure,

    /* dockerconfigjson Secret (in each project's namespace) with push credentials. */
    @Env(value = "SLIPWAY_REGISTRY_SECRET", format = Format.DNS_LABEL, chart = "registry.secret",
        doc = "`kubernetes.io/dockerconfigjson` Secret, in each project namespace, that build Jobs push with; each namespace's"
            + " must be its own credential, limited to `<registry>/<namespace>/` (see [Build credentials](#build-credentials))."
            + " Set, a namespace without it gets no build (`RegistryCredentialsMissing`); unset, builds push without credentials"
            + " and the operator warns at start.")
    Optional<String> secret,

    /* Whether each namespace's push credential must be its own (the default) or one may serve them all. */
    @Env(value = "SLIPWAY_REGISTRY_CREDENTIALS", defaultValue = "per-namespace", format = Format.KEBAB, chart = "registry.credentials",
        doc = "`per-namespace`: builds of namespaces whose push Secrets hold one and the same credential are refused"
            + " (`SharedRegistryCredential`), and the operator names those namespaces at start; `shared`: one credential may"
            + " serve every namespace (a single team's cluster), said at start.")
    Credentials credentials,

    /* A docker config.json the operator itself uses to copy promoted images (mounted from a Secret). */
    @Env(value = "SLIPWAY_REGISTRY_AUTH_FILE", chart = "registry.authSecret",
        doc = "A docker `config.json` the operator copies promoted images with.")
    Optional<String> authFile,

    @Env(value = "SLIPWAY_REGISTRY_LAYOUT", defaultValue = "shared", format = Format.KEBAB, chart = "registry.layout",
        doc = "`shared`: every stage runs from the build repository; `per-stage`: promotion copies into `<project>-<stage>`.")
    Layout layout) {

  /** Where promoted images live: beside the builds, or in a repository per stage. */
  public enum Layout {
    /** Every stage runs images from {@code <registry>/<namespace>/<project>}. */
    SHARED,
    /** Promotion copies the image into {@code <registry>/<namespace>/<project>-<stage>}. */
    PER_STAGE
  }

  /** What the push credentials in the namespaces are (see build.RegistryCredentialCheck). */
  public enum Credentials {
    /** Each namespace's push Secret is its own: one found in two namespaces refuses their builds. */
    PER_NAMESPACE,
    /** One credential may serve every namespace (a single team's cluster): said at start, not refused. */
    SHARED
  }

  /** The registry's host[:port], without the path prefix. */
  public Optional<String> host() {
    return url.map(r -> r.contains("/") ? r.substring(0, r.indexOf('/')) : r);
  }
}
