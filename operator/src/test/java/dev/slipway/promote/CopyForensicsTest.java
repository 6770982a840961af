package dev.slipway.promote;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.api.LogEvent;
import dev.slipway.promote.PromotionException.Reason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** How a failed copy is classified and described, from the exceptions jib throws (no registry needed). */
class CopyForensicsTest {

  private static final ImageReference SOURCE = ImageReference.parse(
      "src.example:5000/team-a/shop@sha256:" + "a".repeat(64));
  private static final ImageReference TARGET = ImageReference.parse("dst.example:5000/team-a/shop-live:3f2a9c1");

  private static CopyForensics copy(Optional<RegistryCredentials> source, Optional<RegistryCredentials> target) {
    return new CopyForensics(SOURCE, TARGET, source, target);
  }

  @Test
  void everyKindOfFailureHasItsReason() throws Exception {
    Map<Throwable, Reason> table = new LinkedHashMap<>();
    table.put(new RegistryUnauthorizedException("dst.example:5000", "team-a/shop-live", null), Reason.Unauthorized);
    table.put(new RegistryAuthenticationFailedException("dst.example:5000", "team-a/shop-live", "token refused"), Reason.Unauthorized);
    table.put(new RegistryCredentialsNotSentException("Required credentials for dst.example:5000/team-a/shop-live were not sent"),
        Reason.Unauthorized);
    table.put(new InsecureRegistryException(new URL("https://dst.example:5000/v2/"), null), Reason.Tls);
    table.put(new SSLHandshakeException("PKIX path building failed"), Reason.Tls);
    table.put(new RegistryException("pull image manifest for src.example:5000/team-a/shop: MANIFEST_UNKNOWN"), Reason.NotFound);
    table.put(new RegistryException("blob unknown to registry"), Reason.NotFound);
    table.put(new RegistryException("500 Internal Server Error"), Reason.Failed);
    table.put(new UnknownHostException("dst.example"), Reason.Unreachable);
    table.put(new ConnectException("Connection refused"), Reason.Unreachable);
    table.put(new NoRouteToHostException("No route to host"), Reason.Unreachable);
    table.put(new SocketTimeoutException("Read timed out"), Reason.Timeout);
    table.put(new ConnectTimeoutException("Connect to dst.example:5000 timed out"), Reason.Timeout);
    table.put(new CacheDirectoryCreationException(new IOException("read-only file system")), Reason.Failed);
    table.put(new IOException("Broken pipe"), Reason.Failed);
    table.put(new InterruptedException(), Reason.Failed);
    table.put(new IllegalStateException("a bug"), Reason.Failed);
    table.forEach((failure, reason) -> assertThat(CopyForensics.reason(failure)).as(failure.toString()).isEqualTo(reason));
  }

  @Test
  void theReasonIsFoundThroughTheWrappersJibAndTheExecutorAdd() {
    PromotionException e = copy(Optional.empty(), Optional.empty())
        .translate(new ExecutionException(new IOException("I/O error", new ConnectException("Connection refused"))));
    assertThat(e.reason()).isEqualTo(Reason.Unreachable);
    assertThat(e.getMessage()).startsWith("registry src.example:5000 or dst.example:5000 unreachable: connection refused");
  }

  @Test
  void theLoggedIoErrorNamesTheRegistryThatFailed() {
    CopyForensics copy = copy(Optional.empty(), Optional.empty());
    copy.onLog(LogEvent.error("I/O error for image [dst.example:5000/team-a/shop-live]:"));
    copy.onLog(LogEvent.error("java.net.ConnectException"));
    copy.onLog(LogEvent.error("Connection refused"));
    PromotionException e = copy.translate(new ExecutionException(new ConnectException("Connection refused")));
    assertThat(e.reason()).isEqualTo(Reason.Unreachable);
    assertThat(e.getMessage()).startsWith("registry dst.example:5000 unreachable: connection refused");
  }

  @Test
  void missingCredentialsAndRefusedOnesAreToldApart() {
    RegistryUnauthorizedException refused = new RegistryUnauthorizedException("dst.example:5000", "team-a/shop-live", null);
    PromotionException none = copy(Optional.empty(), Optional.empty()).translate(refused);
    assertThat(none.reason()).isEqualTo(Reason.Unauthorized);
    assertThat(none.getMessage()).contains("requires credentials").contains("none are configured");
    PromotionException wrong = copy(Optional.empty(), Optional.of(new RegistryCredentials("ci", "s3cret-token"))).translate(refused);
    assertThat(wrong.reason()).isEqualTo(Reason.Unauthorized);
    assertThat(wrong.getMessage()).contains("refused the credentials");
  }

  @Test
  void aMissingSourceImageIsNotFoundAndNoMessageCarriesAPassword() {
    CopyForensics copy = copy(Optional.of(new RegistryCredentials("ci", "s3cret-token")), Optional.empty());
    PromotionException missing = copy.translate(new RegistryException("pull image manifest for src.example:5000/team-a/shop failed: "
        + "manifest unknown"));
    assertThat(missing.reason()).isEqualTo(Reason.NotFound);
    assertThat(missing.getMessage()).isEqualTo("source image " + SOURCE.byDigest() + " not found");
    PromotionException leaky = copy.translate(new RegistryException("registry said: bad password s3cret-token"));
    assertThat(leaky.reason()).isEqualTo(Reason.Failed);
    assertThat(leaky.getMessage()).doesNotContain("s3cret-token").contains("****");
  }

  /** Jib's own class of this name is internal; the forensics know it by its simple name. */
  private static final class RegistryCredentialsNotSentException extends RegistryException {
    RegistryCredentialsNotSentException(String message) {
      super(message);
    }
  }

  /** Apache HttpClient's (under google-http-client), known by its simple name. */
  private static final class ConnectTimeoutException extends IOException {
    ConnectTimeoutException(String message) {
      super(message);
    }
  }
}
