package dev.slipway.database;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.background.BackgroundEventSource;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs database provisioning (SQL on a shared server, AWS calls for RDS) on threads of its own,
 * so a slow or unreachable server holds none of the reconcile threads and stalls no other
 * environment. The reconciler asks for an environment's state ({@link #observe}); it gets the
 * latest answer for exactly that request (or none yet), a new look is started when that answer
 * is older than it should be, and the Environment is reconciled again only when an answer
 * differs from the one before.
 */
public final class ProvisioningWork extends BackgroundEventSource<ProvisioningWork.Answer, Environment> {

  private static final Logger log = LoggerFactory.getLogger(ProvisioningWork.class);

  /** The latest answer for one environment and the request it answers. */
  public record Answer(String requestKey, ProvisionState state, Instant at) {}

  private final Clock clock;
  private final Map<ResourceID, Answer> answers = new ConcurrentHashMap<>();
  private final Set<ResourceID> running = ConcurrentHashMap.newKeySet();
  private final Set<ResourceID> forgotten = ConcurrentHashMap.newKeySet();

  public ProvisioningWork(Clock clock, int threads) {
    super(Answer.class, "database-provisioning", "slipway-database", threads);
    this.clock = clock;
  }

  @Override
  protected void forgetAll() {
    answers.clear();
    running.clear();
  }

  /**
   * The latest answer for this request, if there is one. A look is started when there is none,
   * or when it is older than {@code maxAge} says for its phase (unless one runs already).
   */
  public Optional<ProvisionState> observe(ResourceID id, DatabaseRequest request, Supplier<ProvisionState> look,
      java.util.function.Function<ProvisionState, Duration> maxAge) {
    forgotten.remove(id);
    String key = key(request);
    Answer answer = answers.get(id);
    boolean current = answer != null && answer.requestKey().equals(key);
    boolean stale = !current || Duration.between(answer.at(), Instant.now(clock)).compareTo(maxAge.apply(answer.state())) >= 0;
    if (stale) {
      submit(id, key, look);
    }
    return current ? Optional.of(answer.state()) : Optional.empty();
  }

  /** Whether a look for this environment runs now (deletion waits for it, so it cannot undo a drop). */
  public boolean busy(ResourceID id) {
    return running.contains(id);
  }

  /** Drops the environment's answers; a look still running is not reported. */
  public void forget(ResourceID id) {
    forgotten.add(id);
    answers.remove(id);
  }

  private void submit(ResourceID id, String key, Supplier<ProvisionState> look) {
    if (!running.add(id)) {
      return;
    }
    boolean started = runInBackground(() -> {
      ProvisionState state;
      try {
        state = look.get();
      } catch (RuntimeException e) {
        // Provisioners report failures as states; this is a bug, told without the exception text.
        log.warn("database provisioning for {} failed unexpectedly: {}", id, e.getClass().getName());
        state = new ProvisionState(ProvisionState.Phase.Failed, "ProvisioningError",
            "provisioning failed unexpectedly (" + e.getClass().getSimpleName() + "); retrying", null, null);
      } finally {
        running.remove(id);
      }
      if (forgotten.contains(id)) {
        return;
      }
      Answer before = answers.put(id, new Answer(key, state, Instant.now(clock)));
      if (before == null || !before.requestKey().equals(key) || !sameOutcome(before.state(), state)) {
        getEventHandler().handleEvent(new Event(id));
      }
    });
    if (!started) {
      running.remove(id);
    }
  }

  private static boolean sameOutcome(ProvisionState a, ProvisionState b) {
    return a.phase() == b.phase() && Objects.equals(a.reason(), b.reason()) && Objects.equals(a.message(), b.message())
        && Objects.equals(a.endpoint(), b.endpoint()) && a.passwordApplied() == b.passwordApplied();
  }

  /**
   * Identifies a request without keeping its password: a SHA-256 over its fields. Whether the
   * password is pending is left out: the answer to a pending request holds for the settled one.
   */
  static String key(DatabaseRequest r) {
    String text = String.join("\u0000", r.namespace(), r.project(), r.environment(), String.valueOf(r.ownerUid()),
        String.valueOf(r.stage()), String.valueOf(r.version()), String.valueOf(r.instanceClass()), String.valueOf(r.storageGiB()),
        String.valueOf(r.password()));
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Set<Answer> getSecondaryResources(Environment primary) {
    Answer a = answers.get(ResourceID.fromResource(primary));
    return a == null ? Set.of() : Set.of(a);
  }
}
