package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.EnvironmentStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which status changes of a source Environment wake the Environments promoting from it. */
class PromotionSignalsTest {

  @Test
  void onlyWhatAPromotionReadsWakesTheTargets() {
    EnvironmentStatus building = status(null, "False");
    EnvironmentStatus ready = status("registry/shop@sha256:1", "True");
    assertThat(PromotionSignals.promotableChanged(null, building)).as("a first status").isTrue();
    assertThat(PromotionSignals.promotableChanged(building, ready)).as("Ready with an image").isTrue();
    assertThat(PromotionSignals.promotableChanged(ready, status("registry/shop@sha256:2", "True"))).as("a new image").isTrue();
    assertThat(PromotionSignals.promotableChanged(ready, status("registry/shop@sha256:1", "False"))).as("no longer Ready").isTrue();
    EnvironmentStatus sameButNewMessage = status("registry/shop@sha256:1", "True");
    sameButNewMessage.setUrl("https://elsewhere.example.com");
    assertThat(PromotionSignals.promotableChanged(ready, sameButNewMessage)).as("news a promotion does not read").isFalse();
  }

  private static EnvironmentStatus status(String image, String ready) {
    EnvironmentStatus s = new EnvironmentStatus();
    s.setImage(image);
    s.setConditions(List.of(new ConditionBuilder().withType("Ready").withStatus(ready).build()));
    return s;
  }
}
