package dev.slipway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The API server's own record of write requests (the harness's audit policy logs create, update,
 * patch and delete at Metadata level): what a client really wrote, not what it meant to.
 */
public final class AuditLog {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> WRITES = Set.of("create", "update", "patch", "delete", "deletecollection");

  /** One write request. */
  public record Write(String user, String verb, String resource, String subresource, String namespace, String name) {
    @Override
    public String toString() {
      return user + " " + verb + " " + resource + (subresource == null ? "" : "/" + subresource) + " " + namespace + "/" + name;
    }
  }

  /**
   * One write request to one object by anyone: who sent it, with which field manager (the
   * {@code fieldManager} query parameter of an apply or update, null without one), and whether it
   * was a dry run (which changes nothing; Flux diffs by server-side dry-run applies).
   */
  public record Request(String user, String fieldManager, String verb, String subresource, boolean dryRun) {
    @Override
    public String toString() {
      return user + " (" + fieldManager + ") " + verb + (subresource == null ? "" : " " + subresource) + (dryRun ? " [dry run]" : "");
    }
  }

  private final Path file;

  public AuditLog(Path file) {
    this.file = file;
  }

  /** Where the log ends now. */
  public long mark() throws IOException {
    return Files.exists(file) ? Files.size(file) : 0;
  }

  /** Write requests by the user logged after the mark. */
  public List<Write> writesSince(long mark, String user) throws IOException {
    List<Write> writes = new ArrayList<>();
    for (JsonNode e : entriesSince(mark)) {
      if (!WRITES.contains(e.path("verb").asText()) || !user.equals(e.path("user").path("username").asText())) {
        continue;
      }
      JsonNode ref = e.path("objectRef");
      writes.add(new Write(user, e.path("verb").asText(), ref.path("resource").asText(), ref.path("subresource").isMissingNode() ? null
          : ref.path("subresource").asText(), ref.path("namespace").asText(), ref.path("name").asText()));
    }
    return writes;
  }

  /** Write requests to one object (and its subresources) logged after the mark, by any user. */
  public List<Request> writesTo(long mark, String resource, String namespace, String name) throws IOException {
    List<Request> requests = new ArrayList<>();
    for (JsonNode e : entriesSince(mark)) {
      JsonNode ref = e.path("objectRef");
      if (!WRITES.contains(e.path("verb").asText()) || !resource.equals(ref.path("resource").asText())
          || !namespace.equals(ref.path("namespace").asText()) || !name.equals(ref.path("name").asText())) {
        continue;
      }
      String uri = e.path("requestURI").asText();
      requests.add(new Request(e.path("user").path("username").asText(), queryParameter(uri, "fieldManager"), e.path("verb").asText(),
          ref.path("subresource").isMissingNode() ? null : ref.path("subresource").asText(), queryParameter(uri, "dryRun") != null));
    }
    return requests;
  }

  private List<JsonNode> entriesSince(long mark) throws IOException {
    List<JsonNode> entries = new ArrayList<>();
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      f.seek(mark);
      byte[] rest = new byte[(int) (f.length() - mark)];
      f.readFully(rest);
      for (String line : new String(rest, StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          entries.add(JSON.readTree(line));
        }
      }
    }
    return entries;
  }

  private static String queryParameter(String uri, String key) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String pair : uri.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      if ((eq < 0 ? pair : pair.substring(0, eq)).equals(key)) {
        return eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
