package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.deploy.Release;
import org.junit.jupiter.api.Test;

class ReleaseDecisionTest {

  static final Release OLD = new Release("a".repeat(40), "r/x@sha256:" + "1".repeat(64));
  static final Release NEW = new Release("b".repeat(40), "r/x@sha256:" + "2".repeat(64));

  @Test
  void autoDeployTakesTheNewestRelease() {
    ReleaseDecision d = ReleaseDecision.decide(OLD, NEW, true, false);
    assertThat(d.target()).isEqualTo(NEW);
    assertThat(d.answersRequest()).isFalse();
    assertThat(d.waiting()).isNull();
  }

  @Test
  void manualKeepsWhatRunsUntilAsked() {
    assertThat(ReleaseDecision.decide(OLD, NEW, false, false)).satisfies(d -> {
      assertThat(d.target()).isEqualTo(OLD);
      assertThat(d.waiting()).isEqualTo("AwaitingDeployRequest");
    });
    assertThat(ReleaseDecision.decide(null, NEW, false, false)).satisfies(d -> {
      assertThat(d.target()).isNull();
      assertThat(d.waiting()).isEqualTo("AwaitingDeployRequest");
    });
    assertThat(ReleaseDecision.decide(OLD, NEW, false, true)).satisfies(d -> {
      assertThat(d.target()).isEqualTo(NEW);
      assertThat(d.answersRequest()).isTrue();
    });
    assertThat(ReleaseDecision.decide(NEW, NEW, false, false).waiting()).isNull();
  }

  @Test
  void withoutANewReleaseNothingChangesAndARequestWaits() {
    assertThat(ReleaseDecision.decide(OLD, null, true, false).target()).isEqualTo(OLD);
    ReleaseDecision waiting = ReleaseDecision.decide(OLD, null, false, true);
    assertThat(waiting.target()).isEqualTo(OLD);
    assertThat(waiting.answersRequest()).isFalse();
    assertThat(waiting.waiting()).isEqualTo("DeployRequestWaiting");
    assertThat(ReleaseDecision.decide(null, null, true, false).waiting()).isEqualTo("NothingToDeploy");
  }

  @Test
  void aPerStageCopyIsTheSameReleaseAsItsSource() {
    Release copy = new Release(NEW.commit(), "r/x-live@sha256:" + "3".repeat(64), NEW.image());
    // live runs the copy of test's image: nothing new, a deploy request is answered as it is
    ReleaseDecision d = ReleaseDecision.decide(copy, NEW, false, true);
    assertThat(d.target()).isEqualTo(copy);
    assertThat(d.isNew(copy)).isFalse();
    assertThat(d.answersRequest()).isTrue();
    assertThat(ReleaseDecision.decide(copy, NEW, false, false).waiting()).isNull();
  }
}
