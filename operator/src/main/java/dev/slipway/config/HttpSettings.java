package dev.slipway.config;

import java.time.Duration;

/** The operator's own HTTP ports: metrics, the Git webhook, and the kubelet's probes. */
public record HttpSettings(
    @Env(value = "SLIPWAY_HTTP_PORT", defaultValue = "8080", min = 0, max = 65535, chart = "http.port",
        doc = "Port for `/metrics` (Prometheus), `/healthz`, `/readyz` and the Git webhook; anyone who reaches it may call it."
            + " `0` picks a free port.")
    int port,

    /*
     * The port that answers only /healthz and /readyz, for the kubelet: callers of the HTTP port
     * can never delay a probe. Unset: 8081, or a free port when the HTTP port is 0 (tests, and
     * several operators on one machine).
     */
    @Env(value = "SLIPWAY_PROBE_PORT", min = 0, max = 65535, chart = "http.probePort",
        defaultDoc = "`" + HttpSettings.DEFAULT_PROBE_PORT + "` (a free port when `SLIPWAY_HTTP_PORT` is `0`)",
        doc = "Port that answers only `/healthz` (liveness) and `/readyz` (readiness), on a server of its own: point the"
            + " kubelet's probes here (the chart does), keep it out of Services. Must differ from `SLIPWAY_HTTP_PORT`.")
    Integer probePort,

    /* How long one connection to either port may take, from accept to the last byte answered. */
    @Env(value = "SLIPWAY_HTTP_REQUEST_TIMEOUT", defaultValue = "10s", atLeast = "1s", chart = "http.requestTimeout",
        doc = "How long one connection to either port may take, from accept to the last byte of the answer (at least 1 s);"
            + " slow or half-sent requests are closed then.")
    Duration requestTimeout,

    /* Connections the HTTP port holds open at once; more are closed at accept. */
    @Env(value = "SLIPWAY_HTTP_MAX_CONNECTIONS", defaultValue = "256", min = 1, max = 10000, chart = "http.maxConnections",
        doc = "Connections the HTTP port holds open at once (1–10000); more are closed at accept. The probe port holds 16 of its own.")
    int maxConnections) {

  public static final int DEFAULT_PROBE_PORT = 8081;

  public HttpSettings {
    if (probePort != null && probePort != 0 && probePort == port) {
      throw new OperatorConfig.ConfigException("SLIPWAY_PROBE_PORT must differ from SLIPWAY_HTTP_PORT (" + port
          + "): probes get a port of their own");
    }
    if (probePort == null) {
      probePort = port == 0 ? 0 : DEFAULT_PROBE_PORT;
    }
  }
}
