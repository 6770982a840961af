package dev.slipway.build;

import dev.slipway.Annotations;
import dev.slipway.Labels;
import dev.slipway.OwnerReferences;
import dev.slipway.config.OperatorConfig;
import dev.slipway.git.GitUrls;
import dev.slipway.resources.PodResources;
import dev.slipway.resources.Workload;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The build Job: an init container fetches the repository at exactly the requested commit, then
 * Kaniko builds it without any layer cache and pushes {@code <repository>:<commit>}, writing the
 * pushed digest to the termination log, where the operator reads it.
 *
 * <p>Layer caching stays off on purpose: cached layers hide unpinned upgrades and differ from
 * build host to build host.
 */
public final class KanikoJob {

  static final String SOURCE_CONTAINER = "source";
  static final String KANIKO_CONTAINER = "kaniko";
  private static final String WORKSPACE = "/workspace";
  private static final String GIT_SECRET_DIR = "/etc/slipway/git";
  private static final long GIT_USER = 65532L;

  /**
   * Fetch script. Everything variable comes in through environment variables, never through
   * the script text, so no URL or branch name can inject shell.
   */
  static final String FETCH_SCRIPT = String.join("\n",
      "set -eu",
      "cd " + WORKSPACE,
      // The emptyDir belongs to root (group 65532 by fsGroup); git refuses a repository it does
      // not own unless told this one is fine.
      "git config --global --add safe.directory " + WORKSPACE,
      "git init -q .",
      "git remote add origin \"$SOURCE_URL\"",
      // SLIPWAY_GIT_CA_FILE's CAs (public certificates), trusted beside the image's own
      "if [ -n \"${SOURCE_CA_CERTIFICATES:-}\" ]; then",
      "  { cat /etc/ssl/certs/ca-certificates.crt 2>/dev/null || true; printf '%s\\n' \"$SOURCE_CA_CERTIFICATES\"; } > /tmp/ca-certificates.crt",
      "  export GIT_SSL_CAINFO=/tmp/ca-certificates.crt",
      "fi",
      "if [ -f " + GIT_SECRET_DIR + "/ssh-privatekey ]; then",
      "  cp " + GIT_SECRET_DIR + "/ssh-privatekey /tmp/id && chmod 600 /tmp/id",
      "  export GIT_SSH_COMMAND=\"ssh -i /tmp/id -o IdentitiesOnly=yes -o UserKnownHostsFile=" + GIT_SECRET_DIR
          + "/known_hosts -o StrictHostKeyChecking=yes\"",
      "fi",
      "if [ -n \"${GIT_PASSWORD:-}${GIT_TOKEN:-}\" ]; then",
      "  git config credential.helper '!f() { echo \"username=${GIT_USERNAME:-x-access-token}\"; echo \"password=${GIT_PASSWORD:-$GIT_TOKEN}\"; }; f'",
      "fi",
      "git fetch -q --depth=1 origin \"$SOURCE_COMMIT\" 2>/dev/null || git fetch -q origin",
      "git -c advice.detachedHead=false checkout -q \"$SOURCE_COMMIT\"",
      "test \"$(git rev-parse HEAD)\" = \"$SOURCE_COMMIT\"",
      "rm -rf .git",
      "echo \"fetched $SOURCE_COMMIT\"");

  /**
   * The fetch runs git, a program the platform chose, on a shallow clone: its needs do not depend
   * on the Dockerfile, so they are fixed. Its root file system is read-only and the clone goes to
   * the workspace volume (sized with the build), so its own disk is its logs and /tmp.
   */
  static final ResourceRequirements FETCH_RESOURCES = new ResourceRequirementsBuilder()
      .addToRequests("cpu", new Quantity("50m")).addToRequests("memory", new Quantity("64Mi"))
      .addToRequests("ephemeral-storage", new Quantity("64Mi"))
      .addToLimits("cpu", new Quantity("1")).addToLimits("memory", new Quantity("512Mi"))
      .addToLimits("ephemeral-storage", new Quantity("256Mi"))
      .build();

  private KanikoJob() {}

  public static Job desired(BuildRequest request, OperatorConfig config) {
    String name = BuildNames.jobName(request.projectName(), request.commit());
    String image = BuildNames.image(config, request.namespace(), request.projectName(), request.commit());
    Map<String, String> labels = new LinkedHashMap<>(Labels.forProject(request.projectName()));
    labels.put(Labels.COMPONENT, Labels.BUILD);
    labels.put(Labels.COMMIT, request.commit());

    ResourceRequirements resources = PodResources.requirements(Workload.BUILD,
        PodResources.declared(request.project().getSpec().getResources(), Workload.BUILD), config);
    List<Volume> volumes = new ArrayList<>();
    // The source and whatever the Dockerfile writes there: no more than the whole pod may use.
    volumes.add(new VolumeBuilder().withName("workspace").withNewEmptyDir().withSizeLimit(PodResources.ephemeralStorageLimit(resources))
        .endEmptyDir().build());
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("64Mi")).endEmptyDir().build());
    List<VolumeMount> sourceMounts = new ArrayList<>(List.of(mount("workspace", WORKSPACE), mount("tmp", "/tmp")));
    List<VolumeMount> kanikoMounts = new ArrayList<>(List.of(mount("workspace", WORKSPACE)));

    String credentials = request.credentialsSecret();
    if (credentials != null) {
      // SSH key and known_hosts, when the Secret has them; optional so token Secrets work too.
      volumes.add(new VolumeBuilder().withName("git-credentials")
          .withNewSecret().withSecretName(credentials).withOptional(true).withDefaultMode(0440)
          .addNewItem().withKey("ssh-privatekey").withPath("ssh-privatekey").endItem()
          .addNewItem().withKey("known_hosts").withPath("known_hosts").endItem()
          .endSecret().build());
      sourceMounts.add(new VolumeMountBuilder().withName("git-credentials").withMountPath(GIT_SECRET_DIR).withReadOnly(true).build());
    }
    config.registrySecret().ifPresent(secret -> {
      volumes.add(new VolumeBuilder().withName("registry-credentials")
          .withNewSecret().withSecretName(secret).withOptional(true)
          .addNewItem().withKey(".dockerconfigjson").withPath("config.json").endItem()
          .endSecret().build());
      kanikoMounts.add(new VolumeMountBuilder().withName("registry-credentials").withMountPath("/kaniko/.docker").withReadOnly(true).build());
    });

    List<EnvVar> sourceEnv = new ArrayList<>();
    sourceEnv.add(new EnvVarBuilder().withName("SOURCE_URL").withValue(request.sourceUrl()).build());
    sourceEnv.add(new EnvVarBuilder().withName("SOURCE_COMMIT").withValue(request.commit()).build());
    sourceEnv.add(new EnvVarBuilder().withName("HOME").withValue("/tmp").build());
    if (request.sourceUrl().startsWith("https://")) {
      config.gitCaCertificates().ifPresent(pem -> sourceEnv.add(new EnvVarBuilder().withName("SOURCE_CA_CERTIFICATES").withValue(pem).build()));
    }
    if (credentials != null) {
      for (String[] kv : new String[][] {{"GIT_USERNAME", "username"}, {"GIT_PASSWORD", "password"}, {"GIT_TOKEN", "token"}}) {
        sourceEnv.add(new EnvVarBuilder().withName(kv[0])
            .withNewValueFrom().withNewSecretKeyRef(kv[1], credentials, true).endValueFrom().build());
      }
    }

    Container source = new ContainerBuilder()
        .withName(SOURCE_CONTAINER)
        .withImage(config.gitImage())
        .withCommand("/bin/sh", "-c", FETCH_SCRIPT)
        .withEnv(sourceEnv)
        .withVolumeMounts(sourceMounts)
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withResources(FETCH_RESOURCES)
        .withNewSecurityContext()
        .withRunAsNonRoot(true).withRunAsUser(GIT_USER).withRunAsGroup(GIT_USER)
        .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
        .withCapabilities(dropAll())
        .endSecurityContext()
        .build();

    List<String> args = new ArrayList<>();
    args.add("--context=dir://" + WORKSPACE);
    args.add("--dockerfile=" + request.dockerfile());
    args.add("--destination=" + image);
    args.add("--cache=false");
    args.add("--digest-file=/dev/termination-log");
    args.add("--label=org.opencontainers.image.revision=" + request.commit());
    args.add("--label=org.opencontainers.image.source=" + GitUrls.redact(request.sourceUrl()));
    config.pipIndexUrl().ifPresent(url -> {
      args.add("--build-arg=PIP_INDEX_URL=" + url);
      // pip refuses an index on plain http:// unless its host is trusted; an in-cluster index
      // (the chart's package index) is served that way
      if (url.startsWith("http://")) {
        args.add("--build-arg=PIP_TRUSTED_HOST=" + java.net.URI.create(url).getHost());
      }
    });
    config.runtimeImage().ifPresent(runtime -> args.add("--build-arg=SLIPWAY_RUNTIME_IMAGE=" + runtime));
    if (config.registryInsecure()) {
      // Pushing there and pulling FROM images there (the runtime base image lives beside the builds).
      args.add("--insecure");
      args.add("--skip-tls-verify");
      args.add("--insecure-pull");
      args.add("--skip-tls-verify-pull");
    }

    // Kaniko unpacks and snapshots a root file system, so it runs as root; it is still not
    // privileged, cannot escalate, and gets no service-account token.
    Container kaniko = new ContainerBuilder()
        .withName(KANIKO_CONTAINER)
        .withImage(config.kanikoImage())
        .withArgs(args)
        .withVolumeMounts(kanikoMounts)
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .withResources(resources)
        .withNewSecurityContext()
        .withPrivileged(false).withAllowPrivilegeEscalation(false)
        .endSecurityContext()
        .build();

    Job job = new JobBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(request.namespace())
        .withLabels(labels)
        .addToAnnotations(Annotations.SOURCE, GitUrls.redact(request.sourceUrl()))
        .addToAnnotations(Annotations.IMAGE, image)
        .endMetadata()
        .withNewSpec()
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(config.buildTimeout().toSeconds())
        .withTtlSecondsAfterFinished((int) Math.min(Integer.MAX_VALUE, config.buildTtl().toSeconds()))
        .withNewTemplate()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withNewSecurityContext()
        .withFsGroup(GIT_USER)
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext()
        .withInitContainers(source)
        .withContainers(kaniko)
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
    // Builds belong to the project: every environment on the same commit shares this one.
    return OwnerReferences.controlledBy(job, request.project());
  }

  private static VolumeMount mount(String name, String path) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).build();
  }

  private static Capabilities dropAll() {
    return new CapabilitiesBuilder().withDrop("ALL").build();
  }
}
