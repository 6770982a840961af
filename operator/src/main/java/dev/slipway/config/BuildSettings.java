package dev.slipway.config;

import java.time.Duration;
import java.util.Optional;

/** Build Jobs: their images, how long they may run and stay, and what builds get. */
public record BuildSettings(
    /*
     * The maintained Kaniko fork, pinned by the digest of its multi-arch index as published on
     * ghcr.io for v1.28.2 (check it with 'crane digest' when you change it).
     */
    @Env(value = "SLIPWAY_KANIKO_IMAGE", format = Format.PINNED_IMAGE, chart = "build.kanikoImage",
        defaultValue = "ghcr.io/osscontainertools/kaniko:v1.28.2@sha256:4ea0e7301e3f6806de15150e4982c73018351e28c1dca6947bd3b4afb5ae3c60",
        doc = "Kaniko executor; must be pinned by digest.")
    String kanikoImage,

    /* Fetches the source at the exact commit before Kaniko runs; pinned like Kaniko. */
    @Env(value = "SLIPWAY_GIT_IMAGE", format = Format.PINNED_IMAGE, chart = "build.gitImage",
        defaultValue = "docker.io/alpine/git:v2.47.1@sha256:39ac44ff6c6f659ee55eedd221a6b7e4cdfcf9d17ea2be024f588c3ddcd3ce7d",
        doc = "Fetches the source in build Jobs; must be pinned by digest.")
    String gitImage,

    /*
     * The platform's runtime base image (base-images/runtime), pinned by digest, passed to every
     * build as the build argument SLIPWAY_RUNTIME_IMAGE (the boilerplates build FROM it); unset:
     * the Dockerfile's own default.
     */
    @Env(value = "SLIPWAY_RUNTIME_IMAGE", format = Format.PINNED_IMAGE, chart = "build.runtimeImage",
        doc = "The platform's runtime base image (`base-images/runtime`), pinned by digest; every build gets it as the build"
            + " argument `SLIPWAY_RUNTIME_IMAGE`, which the boilerplates build `FROM`. Unset: the Dockerfile's own default.")
    Optional<String> runtimeImage,

    @Env(value = "SLIPWAY_BUILD_TIMEOUT", defaultValue = "30m", atLeast = "1m", chart = "build.timeout",
        doc = "`activeDeadlineSeconds` of build Jobs.")
    Duration timeout,

    /* How long finished build Jobs stay for inspection. */
    @Env(value = "SLIPWAY_BUILD_TTL", defaultValue = "24h", atLeast = "1m", chart = "build.ttl",
        doc = "How long finished build Jobs are kept.")
    Duration ttl,

    @Env(value = "SLIPWAY_BUILD_HISTORY", defaultValue = "10", min = 1, max = 100, chart = "build.history",
        doc = "Builds listed in each Environment's status.")
    int history,

    /* The platform's wheel index, passed to builds as the PIP_INDEX_URL build argument. */
    @Env(value = "SLIPWAY_PIP_INDEX_URL", format = Format.HTTP_URL, chart = "build.pipIndexUrl",
        doc = "The platform's wheel index, passed to builds as the `PIP_INDEX_URL` build argument (the chart sets its own"
            + " package index's when `packageIndex.enabled`).")
    Optional<String> pipIndexUrl) {}
