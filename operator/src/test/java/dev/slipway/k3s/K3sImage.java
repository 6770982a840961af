package dev.slipway.k3s;

import java.util.Map;
import org.testcontainers.utility.DockerImageName;

/**
 * Which image the K3sContainer tier runs: real k3s when SLIPWAY_K3S_IMAGE names one (a laptop or CI
 * with a Docker engine that can pull or has rancher/k3s), otherwise the stand-in slipway/k3s-compat
 * that e2e/k3s/image.sh built and loaded (SLIPWAY_K3S_COMPAT_IMAGE, set by e2e/k3s/run.sh).
 */
record K3sImage(DockerImageName name, boolean realK3s) {

  static final String REAL = "SLIPWAY_K3S_IMAGE";
  static final String COMPAT = "SLIPWAY_K3S_COMPAT_IMAGE";
  private static final DockerImageName K3S = DockerImageName.parse("rancher/k3s");

  static K3sImage from(Map<String, String> env) {
    String real = env.getOrDefault(REAL, "").trim();
    if (!real.isEmpty()) {
      DockerImageName name = DockerImageName.parse(real);
      if (!name.isCompatibleWith(K3S)) {
        throw new IllegalStateException(REAL + "=" + real + " is no rancher/k3s image (the stand-in goes in " + COMPAT + ")");
      }
      return new K3sImage(name, true);
    }
    String compat = env.getOrDefault(COMPAT, "").trim();
    if (compat.isEmpty()) {
      throw new IllegalStateException("no k3s image: run e2e/k3s/run.sh (it starts a Docker engine and builds the stand-in "
          + "slipway/k3s-compat), or set " + REAL + "=rancher/k3s:<version> to run against real k3s");
    }
    DockerImageName name = DockerImageName.parse(compat);
    if (name.getRepository().equals(K3S.getRepository())) {
      throw new IllegalStateException(COMPAT + "=" + compat + ": the stand-in must not be named rancher/k3s");
    }
    return new K3sImage(name.asCompatibleSubstituteFor(K3S), false);
  }

  /** What the tier runs against, in the words its output uses. */
  String describe() {
    return realK3s
        ? "real k3s " + name.asCanonicalNameString() + " (privileged, as k3s needs)"
        : "the stand-in " + name.asCanonicalNameString() + " (not k3s: upstream etcd, kube-apiserver and "
            + "kube-controller-manager behind k3s's command line; unprivileged, every capability dropped)";
  }
}
