package dev.slipway.config;

import dev.slipway.api.v1alpha1.DatabaseMode;
import java.time.Duration;
import java.util.Optional;

/** Databases of every mode, and the release Jobs that migrate them. */
public record DatabaseSettings(
    /* The database mode of Projects that name none. */
    @Env(value = "SLIPWAY_DATABASE_MODE", defaultValue = "dedicated", chart = "database.mode",
        doc = "Database mode of Projects that name none: `dedicated`, `shared` or `none`.")
    DatabaseMode mode,

    /* Secret (in the operator's namespace) with the shared Postgres server's admin connection. */
    @Env(value = "SLIPWAY_SHARED_DATABASE_SECRET", format = Format.DNS_LABEL, chart = "database.shared.secretName",
        doc = "Secret (in the operator's namespace) with the shared Postgres server's admin connection.")
    Optional<String> sharedSecret,

    /*
     * The official Postgres image for Local environments, pinned by the digest published for
     * postgres:16 (check it with 'crane digest' when you change it).
     */
    @Env(value = "SLIPWAY_LOCAL_POSTGRES_IMAGE", format = Format.PINNED_IMAGE, chart = "database.localPostgresImage",
        defaultValue = "docker.io/library/postgres:16@sha256:95206741a5b214807675e14165369d05b93a9cf692223b616d07cca227e74b0b",
        doc = "Postgres for stage local; must be pinned by digest.")
    String localPostgresImage,

    @Env(value = "SLIPWAY_MIGRATION_TIMEOUT", defaultValue = "15m", atLeast = "1m", chart = "database.migrationTimeout",
        doc = "`activeDeadlineSeconds` of release Jobs.")
    Duration migrationTimeout,

    /*
     * How often a Ready database is looked at again (its state, the credentials Secret); empty:
     * 10 minutes for RDS, 5 for a shared server.
     */
    @Env(value = "SLIPWAY_DATABASE_RECHECK", atLeast = "5s", chart = "database.recheck", defaultDoc = "`10m` RDS, `5m` shared",
        doc = "How often a Ready database is looked at again, its credentials Secret included: Secrets are not watched, so a"
            + " deleted credentials Secret is made again (with a new password the database is given first) at the latest this"
            + " long after, or at once on a `slipway.dev/refresh`. At least `5s`.")
    Optional<Duration> recheck,

    /* How long a finished release (migration) Job is kept; its result stays in the release history anyway. */
    @Env(value = "SLIPWAY_RELEASE_JOB_TTL", defaultValue = "24h", atLeast = "1m", chart = "database.releaseJobTtl",
        doc = "How long finished release Jobs are kept (their result stays in the release history).")
    Duration releaseJobTtl) {}
