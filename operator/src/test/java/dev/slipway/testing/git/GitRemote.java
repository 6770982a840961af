package dev.slipway.testing.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * A bare Git repository in a temporary directory, the remote a test resolves or clones from.
 * Serve it with {@link GitDaemon}, {@link GitHttpServer} or {@link GitSshServer}, or use
 * {@link #fileUrl()} directly.
 *
 * <pre>{@code
 * try (GitRemote remote = new GitRemote("shop")) {
 *   String sha = remote.commit("develop", Map.of("manage.py", "print('hi')\n"), "first");
 *   // remote.fileUrl() -> file:///tmp/slipway-git-remote-.../shop.git
 * }
 * }</pre>
 *
 * <p>Commits are written straight into the bare repository with JGit (objects, then the branch
 * ref, updated only if it still points at the parent), which is what a push does, without a
 * working tree or a server in between. Removed on close() or at JVM exit.
 */
public final class GitRemote implements AutoCloseable {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
  private static final PersonIdent AUTHOR_TEMPLATE = new PersonIdent("Slipway Test", "test@slipway.dev");

  private final String name;
  private final Path directory;
  private final Path bare;
  private final Repository repository;
  private boolean closed;

  /** A remote with a generated unique name (repo-1, repo-2, ...). */
  public GitRemote() {
    this("repo-" + COUNTER.incrementAndGet());
  }

  /** A remote named {@code name}: servers serve it as {@code <name>.git}. */
  public GitRemote(String name) {
    if (!NAME.matcher(name).matches() || name.endsWith(".git")) {
      throw new IllegalArgumentException("a remote name is letters, digits, '.', '_', '-' without .git: " + name);
    }
    this.name = name;
    this.directory = FixtureSupport.tempDirectory("slipway-git-remote-");
    this.bare = directory.resolve(name + ".git");
    try {
      Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
      this.repository = new FileRepositoryBuilder().setGitDir(bare.toFile()).setMustExist(true).build();
    } catch (GitAPIException | IOException e) {
      throw new IllegalStateException("cannot create bare repository " + bare, e);
    }
    FixtureSupport.closeOnExit(this);
  }

  public String name() {
    return name;
  }

  /** The bare repository directory ({@code .../<name>.git}). */
  public Path bareRepository() {
    return bare;
  }

  /** file:///.../name.git */
  public String fileUrl() {
    String uri = bare.toUri().toString(); // file:///...name.git/ (a directory)
    return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
  }

  /**
   * Commits {@code files} (path → UTF-8 content; a null content deletes the path) onto
   * {@code branch} and returns the new commit's SHA. The parent is the branch's current head; a
   * new branch starts from the head of the default branch (main) if there is one, else as a root
   * commit. All other files of the parent are kept.
   */
  public synchronized String commit(String branch, Map<String, String> files, String message) {
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(files, "files");
    String refName = Constants.R_HEADS + branch;
    if (!Repository.isValidRefName(refName)) {
      throw new IllegalArgumentException("not a valid branch name: " + branch);
    }
    try (ObjectInserter inserter = repository.newObjectInserter();
        ObjectReader reader = repository.newObjectReader();
        RevWalk walk = new RevWalk(reader)) {
      ObjectId parent = repository.resolve(refName);
      ObjectId start = parent != null ? parent : repository.resolve(Constants.R_HEADS + "main");
      DirCache index = DirCache.newInCore();
      if (start != null) {
        RevCommit startCommit = walk.parseCommit(start);
        DirCacheBuilder builder = index.builder();
        builder.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, startCommit.getTree());
        builder.finish();
      }
      DirCacheEditor editor = index.editor();
      for (Map.Entry<String, String> file : files.entrySet()) {
        String path = file.getKey();
        if (file.getValue() == null) {
          editor.add(new DirCacheEditor.DeletePath(path));
          continue;
        }
        ObjectId blob = inserter.insert(Constants.OBJ_BLOB, file.getValue().getBytes(StandardCharsets.UTF_8));
        editor.add(new DirCacheEditor.PathEdit(path) {
          @Override
          public void apply(DirCacheEntry entry) {
            entry.setFileMode(FileMode.REGULAR_FILE);
            entry.setObjectId(blob);
          }
        });
      }
      editor.finish();
      ObjectId tree = index.writeTree(inserter);

      PersonIdent person = new PersonIdent(AUTHOR_TEMPLATE, Instant.now());
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(tree);
      if (start != null) {
        commit.setParentId(start);
      }
      commit.setAuthor(person);
      commit.setCommitter(person);
      commit.setMessage(message == null ? "commit" : message);
      ObjectId id = inserter.insert(commit);
      inserter.flush();

      RefUpdate update = repository.updateRef(refName);
      update.setNewObjectId(id);
      update.setExpectedOldObjectId(parent == null ? ObjectId.zeroId() : parent);
      update.setRefLogMessage("commit: " + message, false);
      RefUpdate.Result result = update.update(walk);
      if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FAST_FORWARD) {
        throw new IllegalStateException("cannot update " + refName + ": " + result);
      }
      return id.name();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The commit the branch points at, or null if there is no such branch. */
  public synchronized String head(String branch) {
    try {
      ObjectId id = repository.resolve(Constants.R_HEADS + branch);
      return id == null ? null : id.name();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes a branch (as {@code git push origin :branch} would). */
  public synchronized void deleteBranch(String branch) {
    try {
      RefUpdate update = repository.updateRef(Constants.R_HEADS + branch);
      update.setForceUpdate(true);
      RefUpdate.Result result = update.delete();
      if (result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE) {
        throw new IllegalStateException("cannot delete branch " + branch + ": " + result);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    repository.close();
    FixtureSupport.deleteRecursively(directory);
    FixtureSupport.closed(this);
  }

  @Override
  public String toString() {
    return "GitRemote[" + bare + "]";
  }
}
