package dev.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slipway.api.v1alpha1.DataSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** "No sanitising, on purpose" ({@code sanitize: []}) and "not said" (absent) stay apart both ways. */
class DataSpecTest {

  @Test
  void anEmptySanitizeCommandIsNotTheSameAsNone() {
    assertThat(Serialization.unmarshal("{\"sanitize\": []}", DataSpec.class).getSanitize()).isNotNull().isEmpty();
    assertThat(Serialization.unmarshal("{}", DataSpec.class).getSanitize()).isNull();
    assertThat(Serialization.asJson(new DataSpec(List.of()))).isEqualTo("{\"sanitize\":[]}");
    assertThat(Serialization.asJson(new DataSpec())).isEqualTo("{}");
  }
}
