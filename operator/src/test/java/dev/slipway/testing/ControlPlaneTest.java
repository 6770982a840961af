package dev.slipway.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An integration test against the real local control plane. Test methods and constructors can
 * take a {@link LocalControlPlane} or a {@link TestNamespace} (a fresh namespace per test class).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("integration")
@ExtendWith(ControlPlaneExtension.class)
public @interface ControlPlaneTest {}
