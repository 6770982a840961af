package dev.slipway.testing;

/** A namespace made for one test class on the local control plane, deleted after it. */
public record TestNamespace(String name, LocalControlPlane controlPlane) {

  /** Fails the test class if a generated password leaked here, then deletes the namespace. */
  void delete() {
    java.util.List<String> leaks = controlPlane.secretWatch().leaks(controlPlane.client(), name);
    controlPlane.client().namespaces().withName(name).delete();
    if (!leaks.isEmpty()) {
      throw new AssertionError("credentials leaked: " + leaks);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
