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
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      f.seek(mark);
      byte[] rest = new byte[(int) (f.length() - mark)];
      f.readFully(rest);
      for (String line : new String(rest, StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode e = JSON.readTree(line);
        String verb = e.path("verb").asText();
        if (!WRITES.contains(verb) || !user.equals(e.path("user").path("username").asText())) {
          continue;
        }
        JsonNode ref = e.path("objectRef");
        writes.add(new Write(user, verb, ref.path("resource").asText(), ref.path("subresource").isMissingNode() ? null
            : ref.path("subresource").asText(), ref.path("namespace").asText(), ref.path("name").asText()));
      }
    }
    return writes;
  }
}
