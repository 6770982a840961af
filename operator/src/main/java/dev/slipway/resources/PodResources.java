package dev.slipway.resources;

import dev.slipway.api.v1alpha1.ComputeResources;
import dev.slipway.api.v1alpha1.ProjectResources;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The requests and limits of the pods Slipway makes: the operator's settings for the workload,
 * with what the Project asks for on top, key by key, within the platform's maximum. Every
 * container gets cpu, memory and ephemeral-storage, requested and limited, so no pod of one tenant
 * can take a node's disk or memory from the others, and the scheduler reserves what each needs.
 */
public final class PodResources {

  /** A Project value the platform does not allow; {@code field} is its path in the Project. */
  public record Refusal(String field, String message) {
    @Override
    public String toString() {
      return field + ": " + message;
    }
  }

  /** Either requirements, or why the Project's values cannot be used. */
  public record Resolved(ResourceRequirements requirements, Refusal refusal) {
    public boolean refused() {
      return refusal != null;
    }
  }

  /** The reason a Backup fails with, and an Environment's Deployed condition says, for such a value. */
  public static final String REFUSED = "ResourcesRefused";

  private PodResources() {}

  /** What containers of {@code workload} get, for a Project that asks for {@code declared} (null: nothing of its own). */
  public static Resolved resolve(Workload workload, ComputeResources declared, OperatorConfig config) {
    Budget budget = config.resources(workload);
    Amounts askedRequests = declared == null ? Amounts.NONE : Amounts.of(declared.getRequests());
    Amounts askedLimits = declared == null ? Amounts.NONE : Amounts.of(declared.getLimits());
    String field = "spec.resources." + workload.projectField();
    for (var asked : new Object[][] {{"requests", askedRequests}, {"limits", askedLimits}}) {
      Amounts amounts = (Amounts) asked[1];
      for (String kind : Amounts.KINDS) {
        String value = amounts.get(kind);
        if (value == null) {
          continue;
        }
        String path = field + "." + asked[0] + "." + kind;
        if (Amounts.amount(value).signum() <= 0) {
          return refused(path, value + " must be more than 0");
        }
        String most = budget.max() == null ? null : budget.max().get(kind);
        if (most != null && Amounts.amount(value).compareTo(Amounts.amount(most)) > 0) {
          return refused(path, value + " is above the platform's maximum of " + most + " (" + workload.maxVariable() + ")");
        }
      }
    }
    Amounts requests = budget.requests().overriddenBy(askedRequests);
    Map<String, String> limits = new LinkedHashMap<>(budget.limits().overriddenBy(askedLimits).values());
    for (String kind : Amounts.KINDS) {
      String request = requests.get(kind);
      String limit = limits.get(kind);
      if (Amounts.amount(request).compareTo(Amounts.amount(limit)) <= 0) {
        continue;
      }
      if (askedLimits.get(kind) != null) {
        return refused(field + ".requests." + kind, request + " is above its limit of " + limit + " (" + field + ".limits." + kind + ")");
      }
      // A request raised above the default limit takes the limit with it (still within the maximum).
      limits.put(kind, request);
    }
    ResourceRequirements requirements = new ResourceRequirementsBuilder()
        .withRequests(requests.quantities())
        .withLimits(new Amounts(limits).quantities())
        .build();
    return new Resolved(requirements, null);
  }

  /** As {@link #resolve}, for code that runs only after the refusal was checked (a refusal here is a bug). */
  public static ResourceRequirements requirements(Workload workload, ComputeResources declared, OperatorConfig config) {
    Resolved resolved = resolve(workload, declared, config);
    if (resolved.refused()) {
      throw new IllegalArgumentException(resolved.refusal().toString());
    }
    return resolved.requirements();
  }

  /** The operator's own settings for a workload no Project sizes. */
  public static ResourceRequirements requirements(Workload workload, OperatorConfig config) {
    return requirements(workload, null, config);
  }

  /** The first value of a Project's resources the platform does not allow, if any. */
  public static Optional<Refusal> refusal(ProjectResources declared, OperatorConfig config) {
    if (declared == null) {
      return Optional.empty();
    }
    for (Workload w : new Workload[] {Workload.WEB, Workload.BUILD, Workload.BACKUP}) {
      Resolved r = resolve(w, declared(declared, w), config);
      if (r.refused()) {
        return Optional.of(r.refusal());
      }
    }
    return Optional.empty();
  }

  /** What a Project declares for one workload (null: nothing). */
  public static ComputeResources declared(ProjectResources declared, Workload workload) {
    if (declared == null) {
      return null;
    }
    return switch (workload) {
      case WEB -> declared.getWeb();
      case BUILD -> declared.getBuild();
      case BACKUP -> declared.getBackup();
      case LOCAL_DATABASE -> null;
    };
  }

  /** The ephemeral-storage limit: what the pod's emptyDir volumes are sized to, so no volume outgrows the pod. */
  public static Quantity ephemeralStorageLimit(ResourceRequirements requirements) {
    return requirements.getLimits().get(Amounts.EPHEMERAL_STORAGE);
  }

  private static Resolved refused(String field, String message) {
    return new Resolved(null, new Refusal(field, message));
  }
}
