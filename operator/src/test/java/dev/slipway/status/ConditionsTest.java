package dev.slipway.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {

  private static Clock at(String instant) {
    return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
  }

  @Test
  void newConditionCarriesEveryField() {
    List<Condition> c = new Conditions(null, 3, at("2026-01-01T10:00:00.123Z"))
        .set("Ready", false, "NotDeployed", "nothing yet").build();
    assertThat(c).singleElement().satisfies(cond -> {
      assertThat(cond.getType()).isEqualTo("Ready");
      assertThat(cond.getStatus()).isEqualTo("False");
      assertThat(cond.getReason()).isEqualTo("NotDeployed");
      assertThat(cond.getMessage()).isEqualTo("nothing yet");
      assertThat(cond.getObservedGeneration()).isEqualTo(3L);
      assertThat(cond.getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
    });
  }

  @Test
  void transitionTimeMovesOnlyWhenTheStatusFlips() {
    List<Condition> first = new Conditions(null, 1, at("2026-01-01T10:00:00Z"))
        .set("Ready", false, "Building", "building abc").build();
    List<Condition> sameStatus = new Conditions(first, 2, at("2026-01-01T11:00:00Z"))
        .set("Ready", false, "Deploying", "rolling out").build();
    assertThat(sameStatus.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
    assertThat(sameStatus.get(0).getReason()).isEqualTo("Deploying");
    assertThat(sameStatus.get(0).getObservedGeneration()).isEqualTo(2L);

    List<Condition> flipped = new Conditions(sameStatus, 2, at("2026-01-01T12:00:00Z"))
        .set("Ready", true, "Available", "2/2 pods").build();
    assertThat(flipped.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T12:00:00Z");
  }

  @Test
  void settingATypeTwiceKeepsTheLastAndOrderOfFirstSet() {
    List<Condition> c = new Conditions(null, 1, at("2026-01-01T10:00:00Z"))
        .set("SourceResolved", true, "Resolved", "")
        .set("Ready", false, "A", "")
        .set("Ready", true, "B", "")
        .build();
    assertThat(c).extracting(Condition::getType).containsExactly("SourceResolved", "Ready");
    assertThat(Conditions.isTrue(c, "Ready")).isTrue();
    assertThat(Conditions.find(c, "Missing")).isEmpty();
  }

  @Test
  void unchangedInputGivesAnIdenticalStatus() {
    List<Condition> first = new Conditions(null, 1, at("2026-01-01T10:00:00Z")).set("Ready", false, "A", "m").build();
    List<Condition> again = new Conditions(first, 1, at("2026-01-02T10:00:00Z")).set("Ready", false, "A", "m").build();
    assertThat(Statuses.sameContent(first, again)).isTrue();
  }

  @Test
  void removeLeavesAConditionOut() {
    Conditions c = new Conditions(null, 1, at("2026-01-01T10:00:00Z"))
        .set("Ready", false, "Building", "").set("Reconciling", true, "Building", "building");
    assertThat(c.remove("Reconciling").build()).extracting(Condition::getType).containsExactly("Ready");
  }
}
