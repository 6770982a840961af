package dev.slipway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** How the operator follows Git: polling, the webhook, trust and transport. */
public record SourceSettings(
    /* How often each environment's branch is resolved again. */
    @Env(value = "SLIPWAY_POLL_INTERVAL", defaultValue = "60s", atLeast = "5s", chart = "source.pollInterval",
        doc = "How often each Environment's branch is resolved (at least 5 s).")
    Duration pollInterval,

    /* Upper bound of one ls-remote. */
    @Env(value = "SLIPWAY_GIT_TIMEOUT", defaultValue = "30s", atLeast = "1s", chart = "source.gitTimeout",
        doc = "Upper bound of one remote lookup.")
    Duration gitTimeout,

    /* A PEM bundle of CAs trusted for Git over https besides the JVM's own (private Git servers). */
    @Env(value = "SLIPWAY_GIT_CA_FILE", format = Format.READABLE_FILE, chart = "source.caConfigMap",
        doc = "A PEM file of CAs the operator trusts for Git over `https://` besides the JVM's (a Git server behind a private CA;"
            + " chart: `source.caConfigMap`). Builds of `https://` sources get the same certificates (public data, in the fetch"
            + " container's environment) and trust them beside the git image's own.")
    Optional<String> caFile,

    /* Token a Git webhook must present; empty disables the webhook endpoint. */
    @Env(value = "SLIPWAY_WEBHOOK_TOKEN", secret = true, chart = "webhook.existingSecret", defaultDoc = "unset (webhook off)",
        doc = "Token for `POST /hooks/git/<namespace>/<project>` (header `X-Slipway-Token` or `Authorization: Bearer`).")
    Optional<String> webhookToken,

    /* Whether source credentials may go over plain http:// to hosts other than loopback. */
    @Env(value = "SLIPWAY_GIT_ALLOW_PLAIN_HTTP", defaultValue = "false", chart = "source.allowPlainHttp",
        doc = "Send source credentials over plain `http://` to hosts other than loopback (a trusted network only).")
    boolean allowPlainHttp) {

  /** The text of {@link #caFile()} (public certificates), which builds get to trust the same servers. */
  public Optional<String> caCertificates() {
    return caFile.map(file -> {
      try {
        return Files.readString(Path.of(file)).strip();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read SLIPWAY_GIT_CA_FILE " + file + ": " + e.getMessage(), e);
      }
    });
  }

  @Override
  public String toString() {
    return Settings.describe(this);
  }
}
