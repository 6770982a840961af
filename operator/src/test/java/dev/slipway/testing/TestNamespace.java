package dev.slipway.testing;

/** A namespace made for one test class on the local control plane, deleted after it. */
public record TestNamespace(String name, LocalControlPlane controlPlane) {

  void delete() {
    controlPlane.client().namespaces().withName(name).delete();
  }

  @Override
  public String toString() {
    return name;
  }
}
