package dev.slipway.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Starts the shared control plane and gives each test class a namespace of its own. */
public final class ControlPlaneExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(ControlPlaneExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    LocalControlPlane cp = LocalControlPlane.get();
    String name = (context.getRequiredTestClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2")
        + "-" + UUID.randomUUID().toString().substring(0, 6)).toLowerCase(Locale.ROOT);
    if (name.length() > 63) {
      name = name.substring(name.length() - 63).replaceFirst("^-+", "");
    }
    cp.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    context.getStore(STORE).put(TestNamespace.class, new TestNamespace(name, cp));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    TestNamespace ns = context.getStore(STORE).get(TestNamespace.class, TestNamespace.class);
    if (ns != null) {
      ns.delete();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == LocalControlPlane.class || type == TestNamespace.class || type == KubernetesClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    if (type == LocalControlPlane.class) {
      return LocalControlPlane.get();
    }
    if (type == KubernetesClient.class) {
      return LocalControlPlane.get().client();
    }
    // Stores fall back to their parents: a method's context finds its class's namespace.
    return extensionContext.getStore(STORE).get(TestNamespace.class, TestNamespace.class);
  }
}
