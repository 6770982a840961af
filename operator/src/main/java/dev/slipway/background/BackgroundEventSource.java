package dev.slipway.background;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * An event source that runs slow work (JDBC, AWS, image copies) on threads of its own and wakes
 * the resource when an answer is there, so that reconcile threads never wait on it. Owns its pool:
 * made on start, stopped (interrupting what runs) on stop, after which {@link #forgetAll()} drops
 * the answers kept so far.
 */
public abstract class BackgroundEventSource<R, P extends HasMetadata> extends AbstractEventSource<R, P> {

  private final String threadName;
  private final int threads;
  private volatile ExecutorService executor;

  protected BackgroundEventSource(Class<R> resourceClass, String name, String threadName, int threads) {
    super(resourceClass, name);
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1: " + threads);
    }
    this.threadName = threadName;
    this.threads = threads;
  }

  @Override
  public synchronized void start() throws OperatorException {
    if (executor == null) {
      executor = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        return t;
      });
    }
    super.start();
  }

  @Override
  public synchronized void stop() throws OperatorException {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
    forgetAll();
    super.stop();
  }

  /** Runs the work on the pool; false when the source is not started (the work is not run). */
  protected boolean runInBackground(Runnable work) {
    ExecutorService ex = executor;
    if (ex == null) {
      return false;
    }
    try {
      ex.submit(work);
      return true;
    } catch (RejectedExecutionException e) {
      return false; // stopped meanwhile
    }
  }

  /** Drops every answer kept (on stop). */
  protected abstract void forgetAll();
}
