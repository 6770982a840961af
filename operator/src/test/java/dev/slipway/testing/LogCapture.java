package dev.slipway.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures every log line of the JVM (Slipway's own at DEBUG) while open, with stack traces,
 * so a test can assert what never appears in the logs.
 */
public final class LogCapture implements AutoCloseable {

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger slipway = (Logger) LoggerFactory.getLogger("dev.slipway");
  private final Level previousSlipwayLevel;
  private final Level previousRootLevel;

  public LogCapture() {
    previousSlipwayLevel = slipway.getLevel();
    previousRootLevel = root.getLevel();
    slipway.setLevel(Level.DEBUG);
    root.setLevel(Level.INFO);
    appender.setContext(root.getLoggerContext());
    appender.start();
    root.addAppender(appender);
  }

  /** Every captured line: formatted message plus stack trace, if any. */
  public synchronized List<String> lines() {
    return List.copyOf(appender.list).stream()
        .map(e -> e.getLoggerName() + " " + e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())))
        .toList();
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
    slipway.setLevel(previousSlipwayLevel);
    root.setLevel(previousRootLevel);
  }
}
