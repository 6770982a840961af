package dev.slipway.render;

import dev.slipway.api.v1alpha1.Project;
import dev.slipway.config.OperatorConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code slipway render FILE [--namespace NS] [--commit SHA] [--digest sha256:...] [--backup ENV]
 * [--restore ENV --from ENV]}: prints as YAML every object the operator would create for the
 * Project in FILE, without any cluster; with {@code --backup} also the Jobs a Backup of that
 * Environment runs, with {@code --restore} those of a Restore into it from {@code --from}.
 * Operator settings (registry, base domain, ingress class, TLS issuer, ...) come from the same
 * environment variables the operator reads.
 */
public final class RenderCommand {

  private RenderCommand() {}

  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    String file = null;
    String namespace = "default";
    String commit = Renderer.Inputs.PLACEHOLDER_COMMIT;
    String digest = Renderer.Inputs.PLACEHOLDER_DIGEST;
    String backup = null;
    String restore = null;
    String from = null;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--namespace" -> namespace = args[++i];
          case "--commit" -> commit = args[++i];
          case "--digest" -> digest = args[++i];
          case "--backup" -> backup = args[++i];
          case "--restore" -> restore = args[++i];
          case "--from" -> from = args[++i];
          default -> {
            if (args[i].startsWith("-") || file != null) {
              throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            file = args[i];
          }
        }
      }
      if (file == null) {
        throw new IllegalArgumentException("no Project file given");
      }
      OperatorConfig config = OperatorConfig.fromEnvironment(env);
      if (config.registry().url().isEmpty()) {
        config = config.with("SLIPWAY_REGISTRY", "registry.example.com/slipway");
      }
      Project project = Serialization.unmarshal(Files.readString(Path.of(file)), Project.class);
      if (project == null || project.getSpec() == null || project.getSpec().getSource() == null) {
        throw new IllegalArgumentException(file + " is not a Project with spec.source");
      }
      if ((restore == null) != (from == null)) {
        throw new IllegalArgumentException("--restore ENVIRONMENT and --from ENVIRONMENT go together");
      }
      List<HasMetadata> objects = new java.util.ArrayList<>(Renderer.render(project, new Renderer.Inputs(namespace, commit, digest), config));
      objects.addAll(DataJobs.render(project, objects, new DataJobs.Request(backup, restore, from), config));
      out.println("# Rendered by Slipway for Project " + project.getMetadata().getName() + " (" + objects.size() + " objects).");
      if (Renderer.Inputs.PLACEHOLDER_COMMIT.equals(commit) || Renderer.Inputs.PLACEHOLDER_DIGEST.equals(digest)) {
        out.println("# Commit and image digest are stand-ins (--commit, --digest); a cluster resolves and builds them.");
      }
      for (HasMetadata o : objects) {
        out.print(Serialization.asYaml(o));
      }
      return 0;
    } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
      err.println("slipway render: " + (e.getMessage() == null ? "missing value for " + args[args.length - 1] : e.getMessage()));
      err.println("usage: slipway render FILE [--namespace NS] [--commit SHA] [--digest sha256:...] [--backup ENV] [--restore ENV --from ENV]");
      return 2;
    } catch (IOException e) {
      err.println("slipway render: cannot read " + file + ": " + e.getMessage());
      return 1;
    }
  }
}
