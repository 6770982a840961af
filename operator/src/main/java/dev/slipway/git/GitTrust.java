package dev.slipway.git;

import java.io.IOException;
import java.io.InputStream;
import java.net.Proxy;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

/**
 * The certificate authorities the operator trusts for Git over https: the JVM's own, plus the
 * ones in SLIPWAY_GIT_CA_FILE (a PEM bundle) for Git servers behind a private CA. Applied per
 * connection (never to the JVM's default SSL context, which the Kubernetes and AWS clients share).
 */
public final class GitTrust {

  private final X509TrustManager trust;
  private final int extraCertificates;

  private GitTrust(X509TrustManager trust, int extraCertificates) {
    this.trust = trust;
    this.extraCertificates = extraCertificates;
  }

  /** The JVM's authorities plus every certificate in the PEM file; a clear error when unusable. */
  public static GitTrust withBundle(Path pemFile) {
    Collection<? extends java.security.cert.Certificate> certificates;
    try (InputStream in = Files.newInputStream(pemFile)) {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException | CertificateException e) {
      throw new IllegalArgumentException("cannot read the CA bundle " + pemFile + ": " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("the CA bundle " + pemFile + " holds no certificate");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (var c : certificates) {
        store.setCertificateEntry("slipway-git-ca-" + i++, c);
      }
      return new GitTrust(new EitherTrustManager(List.of(trustManager(store), trustManager(null))), certificates.size());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot use the CA bundle " + pemFile + ": " + e.getMessage(), e);
    }
  }

  public int extraCertificates() {
    return extraCertificates;
  }

  /** A JGit connection factory whose https connections trust these authorities. */
  public JDKHttpConnectionFactory connectionFactory() {
    TrustManager[] managers = {trust};
    return new JDKHttpConnectionFactory() {
      @Override
      public HttpConnection create(URL url, Proxy proxy) throws IOException {
        HttpConnection connection = super.create(url, proxy);
        if ("https".equalsIgnoreCase(url.getProtocol())) {
          try {
            connection.configure(null, managers, null);
          } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for " + url.getHost() + ": " + e.getMessage(), e);
          }
        }
        return connection;
      }
    };
  }

  private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    for (TrustManager m : factory.getTrustManagers()) {
      if (m instanceof X509TrustManager x509) {
        return x509;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  /** Trusts a chain when any of its managers does (the bundle's CAs first, then the JVM's). */
  private static final class EitherTrustManager implements X509TrustManager {
    private final List<X509TrustManager> managers;

    EitherTrustManager(List<X509TrustManager> managers) {
      this.managers = managers;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      CertificateException first = null;
      for (X509TrustManager m : managers) {
        try {
          m.checkServerTrusted(chain, authType);
          return;
        } catch (CertificateException e) {
          first = first == null ? e : first;
        }
      }
      throw first;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("the operator does not accept client connections here");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      List<X509Certificate> all = new ArrayList<>();
      for (X509TrustManager m : managers) {
        all.addAll(List.of(m.getAcceptedIssuers()));
      }
      return all.toArray(X509Certificate[]::new);
    }
  }
}
