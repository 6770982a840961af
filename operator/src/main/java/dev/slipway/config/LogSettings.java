package dev.slipway.config;

/**
 * Log levels. Logback reads these variables itself (logback.xml, with the same defaults, which
 * {@code SettingsDeclarationsTest} checks); they are declared here for the README and the chart.
 */
public record LogSettings(
    @Env(value = "SLIPWAY_LOG_LEVEL", defaultValue = "INFO", chart = "logLevel", doc = "Log level of Slipway's own loggers.")
    String level,

    @Env(value = "SLIPWAY_ROOT_LOG_LEVEL", defaultValue = "INFO", chart = "rootLogLevel", doc = "Log level of everything else.")
    String rootLevel) {}
