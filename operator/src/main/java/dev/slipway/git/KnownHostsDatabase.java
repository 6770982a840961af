package dev.slipway.git;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;

/**
 * Host keys from the known_hosts text of a Secret, in memory and read-only. JGit's own database
 * reads ~/.ssh/known_hosts and may ask or add keys; an operator must trust exactly what the
 * project's Secret says, and an unknown key is a refusal, never a question.
 *
 * <p>The verdict is kept, because JGit reports a refused key only as a generic failure.
 */
final class KnownHostsDatabase implements ServerKeyDatabase {

  private final String host;
  private final int port;
  private final List<PublicKey> keys = new ArrayList<>();
  private final List<PublicKey> revoked = new ArrayList<>();
  private int unreadable;
  private volatile String problem;

  /** For connections to host:port (port 22 when the URL names none). */
  KnownHostsDatabase(String host, int port, String knownHosts) {
    this.host = host;
    this.port = port;
    if (knownHosts == null || knownHosts.isBlank()) {
      return;
    }
    List<KnownHostEntry> entries;
    try {
      entries = KnownHostEntry.readKnownHostEntries(new BufferedReader(new StringReader(knownHosts)));
    } catch (IOException e) {
      return; // cannot happen reading a string; no entries means every key is refused
    }
    for (KnownHostEntry entry : entries) {
      if (!entry.isHostMatch(host, port) || entry.getKeyEntry() == null) {
        continue;
      }
      String marker = entry.getMarker();
      if (marker != null && !"revoked".equals(marker)) {
        continue; // @cert-authority: host certificates are not supported, so it vouches for nothing
      }
      PublicKey key = null;
      try {
        key = entry.getKeyEntry().resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.IGNORING);
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        // counted below
      }
      if (key == null) {
        unreadable++;
      } else if (marker == null) {
        keys.add(key);
      } else {
        revoked.add(key);
      }
    }
  }

  @Override
  public List<PublicKey> lookup(String connectAddress, InetSocketAddress remoteAddress, Configuration config) {
    return List.copyOf(keys);
  }

  @Override
  public boolean accept(String connectAddress, InetSocketAddress remoteAddress, PublicKey serverKey,
      Configuration config, CredentialsProvider provider) {
    String offered = KeyUtils.getKeyType(serverKey) + " " + KeyUtils.getFingerPrint(serverKey);
    for (PublicKey key : revoked) {
      if (KeyUtils.compareKeys(key, serverKey)) {
        problem = "host key of " + address() + " is marked @revoked in known_hosts (" + offered + ")";
        return false;
      }
    }
    for (PublicKey key : keys) {
      if (KeyUtils.compareKeys(key, serverKey)) {
        return true;
      }
    }
    String hint = unreadable == 0 ? ""
        : "; " + unreadable + " known_hosts entries for it have a key type this operator cannot read";
    problem = keys.isEmpty()
        ? "host key of " + address() + " is not in known_hosts (the server offers " + offered + hint + ")"
        : "host key of " + address() + " does not match known_hosts (the server offers " + offered + hint + ")";
    return false;
  }

  /** Why the server's key was refused, or null if it was not. */
  String problem() {
    return problem;
  }

  private String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
