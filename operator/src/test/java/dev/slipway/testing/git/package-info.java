/**
 * Real Git servers on loopback for tests, no mocks: a bare repository ({@link
 * dev.slipway.testing.git.GitRemote}) served by {@code git daemon} ({@link
 * dev.slipway.testing.git.GitDaemon}), by {@code git-http-backend} behind basic auth ({@link
 * dev.slipway.testing.git.GitHttpServer}) and by OpenSSH's sshd with generated keys ({@link
 * dev.slipway.testing.git.GitSshServer}).
 *
 * <pre>{@code
 * try (GitRemote remote = new GitRemote("shop");
 *     GitHttpServer http = new GitHttpServer("alice", "s3cret");
 *     GitSshServer ssh = new GitSshServer()) {
 *   String sha = remote.commit("develop", Map.of("manage.py", "..."), "first commit");
 *   resolver.resolve(http.url(remote), "develop", new GitCredentials("alice", "s3cret", null, null));
 *   resolver.resolve(ssh.url(remote), "develop",
 *       new GitCredentials(null, null, ssh.clientPrivateKey(), ssh.knownHosts()));
 * }
 * }</pre>
 *
 * <p>Each fixture starts in its constructor on a free 127.0.0.1 port (and waits until it accepts
 * connections), lives in its own temporary directory, and is stopped and removed by close() or,
 * if a test forgets, when the JVM exits. One server can serve any number of remotes: url(remote)
 * publishes a remote on that server. They need Debian's git (git daemon,
 * /usr/lib/git-core/git-http-backend), openssh-server (/usr/sbin/sshd) and ssh-keygen.
 */
package dev.slipway.testing.git;
