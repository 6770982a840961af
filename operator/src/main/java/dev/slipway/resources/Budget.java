package dev.slipway.resources;

import java.util.ArrayList;
import java.util.List;

/**
 * One workload's operator settings: the requests and limits every pod of it gets, and the most a
 * Project may ask for ({@code max} null: a Project cannot size it).
 */
public record Budget(Amounts requests, Amounts limits, Amounts max) {

  /**
   * The contradictions in these settings, each naming the variables: a request above its limit,
   * a limit above the maximum, or a resource missing (every pod asks for all three).
   */
  public List<String> problems(Workload workload) {
    List<String> problems = new ArrayList<>();
    for (String kind : Amounts.KINDS) {
      String request = requests.get(kind);
      String limit = limits.get(kind);
      if (request == null || limit == null) {
        problems.add(workload.requestsVariable() + "/" + workload.limitsVariable() + ": " + kind + " is missing");
        continue;
      }
      if (Amounts.amount(request).signum() <= 0) {
        problems.add(workload.requestsVariable() + ": " + kind + "=" + request + " must be more than 0");
      }
      if (Amounts.amount(request).compareTo(Amounts.amount(limit)) > 0) {
        problems.add(workload.requestsVariable() + ": " + kind + "=" + request + " is above " + workload.limitsVariable() + "'s " + limit);
      }
      String most = max == null ? null : max.get(kind);
      if (most != null && Amounts.amount(limit).compareTo(Amounts.amount(most)) > 0) {
        problems.add(workload.limitsVariable() + ": " + kind + "=" + limit + " is above " + workload.maxVariable() + "'s " + most);
      }
    }
    return problems;
  }
}
