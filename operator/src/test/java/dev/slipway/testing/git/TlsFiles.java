package dev.slipway.testing.git;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A server certificate for an IP address, signed by a test CA, made with the openssl CLI (as the
 * real node's own certificates are), and the SSLContext a JDK server presents it with.
 */
final class TlsFiles {

  private TlsFiles() {}

  static SSLContext serverContext(String ip, Path caCertificate, Path caKey) {
    Path dir = FixtureSupport.tempDirectory("slipway-tls-");
    try {
      Path key = dir.resolve("server.key");
      Path csr = dir.resolve("server.csr");
      Path crt = dir.resolve("server.crt");
      Path ext = dir.resolve("ext.cnf");
      Path p12 = dir.resolve("server.p12");
      Files.writeString(ext, "subjectAltName=IP:" + ip + "\nextendedKeyUsage=serverAuth\n");
      FixtureSupport.run(List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
          "-subj", "/CN=" + ip, "-out", csr.toString()), dir);
      FixtureSupport.run(List.of("openssl", "x509", "-req", "-in", csr.toString(), "-CA", caCertificate.toString(),
          "-CAkey", caKey.toString(), "-CAcreateserial", "-CAserial", dir.resolve("ca.srl").toString(), "-days", "2",
          "-extfile", ext.toString(), "-out", crt.toString()), dir);
      FixtureSupport.run(List.of("openssl", "pkcs12", "-export", "-inkey", key.toString(), "-in", crt.toString(),
          "-certfile", caCertificate.toString(), "-passout", "pass:test", "-out", p12.toString()), dir);
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(p12)) {
        store.load(in, "test".toCharArray());
      }
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, "test".toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the test server certificate", e);
    } finally {
      FixtureSupport.deleteRecursively(dir);
    }
  }
}
