package dev.slipway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The API server's audit log of the operator's requests (the benchmark's audit policy logs every
 * request of user slipway-operator at Metadata level, reads included), counted by verb and
 * resource within time windows.
 */
final class Audit {

  static final Set<String> WRITES = Set.of("create", "update", "patch", "delete", "deletecollection");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The policy: every request of the operator's user at Metadata level, nothing else. */
  static final String POLICY = """
      apiVersion: audit.k8s.io/v1
      kind: Policy
      omitStages: ["RequestReceived"]
      rules:
      - level: Metadata
        users: ["slipway-operator"]
      - level: None
      """;

  /** One request: when the API server received it, verb, and "resource[/subresource]" (with its API group for leases). */
  record Request(Instant at, String verb, String group, String resource, String namespace, String name, int code) {
    /** A request that changes stored state (access reviews are "create"s that store nothing). */
    boolean isWrite() {
      return WRITES.contains(verb) && !resource.endsWith("reviews");
    }

    /** Leader election renews its Lease every few seconds whatever else happens. */
    boolean isLease() {
      return resource.equals("leases");
    }
  }

  private final List<Request> requests = new ArrayList<>();

  private Audit() {}

  static Audit read(Path file) throws IOException {
    Audit audit = new Audit();
    if (!Files.exists(file)) {
      return audit;
    }
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode e = JSON.readTree(line);
        String verb = e.path("verb").asText();
        String stage = e.path("stage").asText();
        // a watch is logged when its response starts and when it ends; count it once
        if (verb.equals("watch") ? !stage.equals("ResponseStarted") : !stage.equals("ResponseComplete")) {
          continue;
        }
        JsonNode ref = e.path("objectRef");
        String resource = ref.path("resource").asText("");
        if (ref.hasNonNull("subresource")) {
          resource += "/" + ref.path("subresource").asText();
        }
        if (resource.isEmpty()) {
          resource = e.path("requestURI").asText();
        }
        audit.requests.add(new Request(Instant.parse(e.path("requestReceivedTimestamp").asText()), verb, ref.path("apiGroup").asText(""), resource,
            ref.path("namespace").asText(""), ref.path("name").asText(""), e.path("responseStatus").path("code").asInt()));
      }
    }
    return audit;
  }

  /**
   * Follows the log as it grows: when the operator last wrote something besides its Lease (for
   * telling when a converged system has gone quiet).
   */
  static final class Tail {
    private final Path file;
    private long offset;
    private Instant lastWrite = Instant.EPOCH;

    Tail(Path file) throws IOException {
      this.file = file;
      this.offset = Files.exists(file) ? Files.size(file) : 0;
    }

    Instant lastWrite() throws IOException {
      try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
        long end = f.length();
        if (end <= offset) {
          return lastWrite;
        }
        byte[] chunk = new byte[(int) Math.min(end - offset, 64L << 20)];
        f.seek(offset);
        f.readFully(chunk);
        String text = new String(chunk, StandardCharsets.UTF_8);
        int complete = text.lastIndexOf('\n');
        if (complete < 0) {
          return lastWrite;
        }
        offset += text.substring(0, complete + 1).getBytes(StandardCharsets.UTF_8).length;
        for (String line : text.substring(0, complete).split("\n")) {
          if (line.contains("\"ResponseComplete\"") && !line.contains("\"leases\"") && !line.contains("reviews\"")
              && WRITES.stream().anyMatch(v -> line.contains("\"verb\":\"" + v + "\""))) {
            lastWrite = Instant.parse(JSON.readTree(line).path("requestReceivedTimestamp").asText());
          }
        }
      }
      return lastWrite;
    }
  }

  List<Request> between(Instant from, Instant to) {
    return requests.stream().filter(r -> !r.at().isBefore(from) && !r.at().isAfter(to)).toList();
  }

  /** "verb resource" -> count, sorted. */
  static Map<String, Integer> byVerbAndResource(List<Request> requests) {
    Map<String, Integer> counts = new TreeMap<>();
    for (Request r : requests) {
      counts.merge(r.verb() + " " + r.resource(), 1, Integer::sum);
    }
    return counts;
  }

  /** Write requests, leases left out (leader election renews its Lease whatever else happens). */
  static List<Request> writesWithoutLease(List<Request> requests) {
    return requests.stream().filter(Request::isWrite).filter(r -> !r.isLease()).toList();
  }
}
