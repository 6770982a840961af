package dev.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GenTest {

  private static final Gen<List<String>> LISTS = Gen.strings("ab-ü", 0, 8).list(0, 4);

  @Test
  void theSameSeedReplaysTheSameValues() {
    assertThat(LISTS.samples(42).limit(200).toList()).isEqualTo(LISTS.samples(42).limit(200).toList());
    assertThat(LISTS.samples(42).limit(200).toList()).isNotEqualTo(LISTS.samples(43).limit(200).toList());
  }

  @Test
  void rangesStayInsideAndPickTheirBounds() {
    List<Integer> values = Gen.between(-3, 7).samples(1).limit(1000).toList();
    assertThat(values).allMatch(v -> v >= -3 && v <= 7).contains(-3, 7, 0);
    assertThat(values.stream().filter(v -> v == -3).count()).as("the lower bound, about a tenth of the time and more").isGreaterThan(80);
    assertThat(Gen.between(Integer.MAX_VALUE - 1, Integer.MAX_VALUE).samples(2).limit(100).toList())
        .allMatch(v -> v >= Integer.MAX_VALUE - 1);
  }

  @Test
  void stringsUseOnlyTheirCharactersAndLengths() {
    List<String> values = Gen.strings("xü", 2, 5).samples(3).limit(500).toList();
    assertThat(values).allMatch(s -> s.codePointCount(0, s.length()) >= 2 && s.codePointCount(0, s.length()) <= 5)
        .allMatch(s -> s.matches("[xü]+"));
    assertThat(values.stream().map(String::length)).contains(2, 5);
  }

  @Test
  void frequencyWeighsItsGenerators() {
    long a = Gen.frequency(95, Gen.just("a"), 5, Gen.just("b")).samples(4).limit(2000).filter("a"::equals).count();
    assertThat(a).isBetween(1800L, 1960L);
  }
}
