package dev.slipway.environment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.promote.PromotionException.Reason;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Built's reason for a failed promotion copy: the kind of failure, as Git's reasons tell them apart. */
class PromotionReasonsTest {

  @Test
  void aFailedCopySaysWhatKindOfFailureItWas() {
    Map<Reason, String> table = Map.of(
        Reason.Unauthorized, "PromotionUnauthorized",
        Reason.NotFound, "PromotionNotFound",
        Reason.Unreachable, "PromotionUnreachable",
        Reason.Timeout, "PromotionTimeout",
        Reason.Tls, "PromotionTls",
        Reason.Invalid, "PromotionInvalid",
        Reason.Failed, "PromotionFailed");
    assertThat(table).hasSize(Reason.values().length);
    table.forEach((reason, built) -> assertThat(Reasons.Built.promotionFailed(reason).name()).as(reason.name()).isEqualTo(built));
    assertThat(Reasons.Built.promotionFailed(null).name()).isEqualTo("PromotionFailed");
  }
}
