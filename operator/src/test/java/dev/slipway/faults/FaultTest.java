package dev.slipway.faults;

import dev.slipway.testing.ControlPlaneTest;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A fault scenario: an integration test against the local control plane, tagged {@code faults}
 * (make faults runs every one), whose result and figures go to the table ({@link FaultReport}).
 * Scenarios that take more than a minute are tagged {@code faults-slow} too: make test leaves them out.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ControlPlaneTest
@Tag("faults")
@ExtendWith(FaultReport.class)
public @interface FaultTest {}
