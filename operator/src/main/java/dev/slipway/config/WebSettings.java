package dev.slipway.config;

import java.time.Duration;
import java.util.Optional;

/** How environments are served: hosts, Ingress, TLS, probes and rollouts. */
public record WebSettings(
    /* Environments are served at <project>-<environment>.<baseDomain>. */
    @Env(value = "SLIPWAY_BASE_DOMAIN", format = Format.DOMAIN, chart = "ingress.baseDomain", defaultDoc = "unset (no generated host)",
        doc = "Environments are served at `<project>-<environment>.<base domain>`.")
    Optional<String> baseDomain,

    @Env(value = "SLIPWAY_INGRESS_CLASS", format = Format.DNS_LABEL, chart = "ingress.className",
        doc = "`ingressClassName` of the Ingresses.")
    Optional<String> ingressClass,

    /* cert-manager issuer for TLS certificates; none means plain HTTP. */
    @Env(value = "SLIPWAY_TLS_ISSUER", format = Format.DNS_LABEL, chart = "ingress.tls.issuer", defaultDoc = "unset (plain HTTP)",
        doc = "cert-manager issuer for the Ingresses' certificates.")
    Optional<String> tlsIssuer,

    @Env(value = "SLIPWAY_TLS_ISSUER_KIND", defaultValue = "ClusterIssuer", chart = "ingress.tls.issuerKind",
        doc = "`ClusterIssuer` or `Issuer`.")
    IssuerKind tlsIssuerKind,

    /* Path the web pods answer readiness probes on. */
    @Env(value = "SLIPWAY_HEALTH_PATH", defaultValue = "/healthz", format = Format.URL_PATH, chart = "healthPath",
        doc = "Path of the web pods' readiness probe (may check the database).")
    String healthPath,

    /* What the liveness and startup probes ask: alive without the database (readiness asks healthPath). */
    @Env(value = "SLIPWAY_LIVENESS_PATH", defaultValue = "/livez", format = Format.URL_PATH, chart = "livenessPath",
        doc = "Path of the web pods' liveness and startup probes (must not depend on the database).")
    String livenessPath,

    /* How long a rollout may make no progress before it counts as failed (the Deployment's progressDeadlineSeconds). */
    @Env(value = "SLIPWAY_ROLLOUT_DEADLINE", defaultValue = "10m", atLeast = "10s", chart = "rolloutDeadline",
        doc = "A rollout without progress this long has failed (the Deployment's `progressDeadlineSeconds`).")
    Duration rolloutDeadline) {

  /** Which kind of cert-manager issuer {@link #tlsIssuer()} names. */
  public enum IssuerKind {
    ClusterIssuer,
    Issuer
  }
}
