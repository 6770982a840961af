package dev.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SecretCheckTest {

  @Test
  void theIndexFindsExactlyWhatAScanPerCredentialFinds() {
    Random random = new Random(42);
    List<String> credentials = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      credentials.add(word(random, 8 + random.nextInt(40)));
    }
    credentials.add("aaaaaaaa");
    credentials.add("aaaaaaaab");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      text.append(random.nextInt(10) == 0 ? credentials.get(random.nextInt(credentials.size())).substring(0, 7) : word(random, 12));
      if (random.nextInt(50) == 0) {
        text.append(credentials.get(random.nextInt(credentials.size())));
      }
    }
    text.append("aaaaaaaaab"); // both, overlapping
    String t = text.toString();
    Set<String> expected = credentials.stream().filter(t::contains).collect(Collectors.toSet());
    assertThat(expected).contains("aaaaaaaa", "aaaaaaaab").hasSizeGreaterThan(10);
    assertThat(new SecretCheck.Index(credentials).occurring(t)).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(new SecretCheck.Index(credentials).occurring("aaaaaaa")).isEmpty();
    assertThat(new SecretCheck.Index(List.of("12345678")).occurring("12345678")).containsExactly("12345678");
  }

  private static String word(Random random, int length) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < length; i++) {
      b.append((char) ('a' + random.nextInt(4)));
    }
    return b.toString();
  }
}
