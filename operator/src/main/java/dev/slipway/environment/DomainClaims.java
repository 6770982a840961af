package dev.slipway.environment;

import dev.slipway.api.v1alpha1.Environment;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which of an Environment's custom domains it may serve. Names under the platform's base domain
 * belong to the platform (every environment gets {@code <project>-<environment>.<base domain>},
 * and a tenant must not take another's, or one a future environment will get). A domain another
 * Environment already serves stays with it: the first to serve it keeps it; among claims that no
 * Ingress serves yet, the oldest Environment. The refusal says which field and why, and nothing
 * about the other tenant.
 */
final class DomainClaims {

  /** Index of the Environment cache: the custom domains each Environment names. */
  static final String BY_DOMAIN = "domain";
  static final String CONDITION = "DomainsAccepted";
  static final String REFUSED = "DomainRefused";
  /** How soon a refused domain is looked at again (the Environment that holds it may let it go). */
  static final java.time.Duration RECHECK = java.time.Duration.ofMinutes(1);

  /** @param accepted the custom domains it serves; @param refusals one line per refused domain */
  record Outcome(List<String> accepted, List<String> refusals) {

    boolean anyRefused() {
      return !refusals.isEmpty();
    }

    /** The condition to report, or null when the Environment names no custom domain. */
    ConditionValue condition() {
      if (accepted.isEmpty() && refusals.isEmpty()) {
        return null;
      }
      if (refusals.isEmpty()) {
        return ConditionValue.yes("Accepted", "serves " + String.join(", ", accepted));
      }
      return ConditionValue.no(REFUSED, String.join("; ", refusals)
          + (accepted.isEmpty() ? "" : "; serves " + String.join(", ", accepted)));
    }

    /** The Environment as the web objects are made from it: with the accepted domains only. */
    Environment served(Environment environment) {
      if (refusals.isEmpty()) {
        return environment;
      }
      Environment copy = Serialization.clone(environment);
      copy.getSpec().setDomains(List.copyOf(accepted));
      return copy;
    }
  }

  private DomainClaims() {}

  static List<String> index(Environment e) {
    return e.getSpec() == null || e.getSpec().getDomains() == null ? List.of() : List.copyOf(e.getSpec().getDomains());
  }

  /**
   * @param claimants the Environments naming a domain (the cache's {@link #BY_DOMAIN} index)
   * @param ingresses an Environment's Ingress by its id (same name and namespace), from the cache
   */
  static Outcome check(Environment environment, OperatorConfig config, Function<String, List<Environment>> claimants,
      Function<ResourceID, Optional<Ingress>> ingresses) {
    List<String> domains = index(environment);
    List<String> accepted = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    String own = config.baseDomain().map(d -> environment.getSpec().getProject() + "-" + environment.getSpec().getEnvironment() + "." + d)
        .orElse(null);
    for (int i = 0; i < domains.size(); i++) {
      String domain = domains.get(i);
      String field = "spec.domains[" + i + "] " + domain;
      if (domain.equals(own)) {
        accepted.add(domain);
        continue;
      }
      Optional<String> base = config.baseDomain().filter(d -> domain.equals(d) || (domain.endsWith("." + d)
          && !domain.substring(0, domain.length() - d.length() - 1).contains(".")));
      if (base.isPresent()) {
        refusals.add(field + ": names directly under " + base.get() + " are the platform's (each environment is served at"
            + " <project>-<environment>." + base.get() + "); use a domain of your own");
        continue;
      }
      if (!firstToClaim(environment, domain, claimants.apply(domain), ingresses)) {
        refusals.add(field + ": already served by another environment, which keeps it (the first to serve a domain does);"
            + " ask the platform team if it should be yours");
        continue;
      }
      accepted.add(domain);
    }
    return new Outcome(List.copyOf(accepted), List.copyOf(refusals));
  }

  /** Whether {@code environment} keeps {@code domain} among all that name it: the one serving it, else the oldest. */
  private static boolean firstToClaim(Environment environment, String domain, List<Environment> claimants,
      Function<ResourceID, Optional<Ingress>> ingresses) {
    List<Environment> others = claimants.stream()
        .filter(e -> !Objects.equals(e.getMetadata().getUid(), environment.getMetadata().getUid()))
        .filter(e -> e.getMetadata().getDeletionTimestamp() == null)
        .toList();
    if (others.isEmpty()) {
      return true;
    }
    List<Environment> all = new ArrayList<>(others);
    all.add(environment);
    Comparator<Environment> oldestFirst = Comparator
        .comparing((Environment e) -> Optional.ofNullable(e.getMetadata().getCreationTimestamp()).orElse("9999"))
        .thenComparing(e -> e.getMetadata().getNamespace())
        .thenComparing(e -> e.getMetadata().getName());
    List<Environment> serving = all.stream().filter(e -> serves(ingresses.apply(ResourceID.fromResource(e)), domain)).toList();
    Environment keeper = (serving.isEmpty() ? all : serving).stream().min(oldestFirst).orElseThrow();
    return keeper == environment;
  }

  private static boolean serves(Optional<Ingress> ingress, String domain) {
    return ingress.map(i -> i.getSpec() != null && i.getSpec().getRules() != null
        && i.getSpec().getRules().stream().anyMatch(r -> domain.equals(r.getHost()))).orElse(false);
  }
}
