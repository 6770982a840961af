package dev.slipway.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Seeded random generators for property-style tests: a value from a {@link Random}, so one seed
 * replays a whole run. Ranges and lengths pick their bounds more often than the rest (the edge
 * values where bugs live), as property-testing libraries do.
 *
 * <pre>
 * Gen&lt;String&gt; name = Gen.frequency(95, Gen.strings("abc-", 1, 20), 5, Gen.of("", "-x", "x".repeat(64)));
 * name.samples(seed).limit(500)
 * </pre>
 */
@FunctionalInterface
public interface Gen<T> {

  /** One value, using only {@code random} for its choices. */
  T next(Random random);

  /** An endless stream of values from {@code seed}: the same seed gives the same stream. */
  default Stream<T> samples(long seed) {
    Random random = new Random(seed);
    return Stream.generate(() -> next(random));
  }

  default <R> Gen<R> map(Function<? super T, ? extends R> f) {
    return r -> f.apply(next(r));
  }

  /** A list of {@code min} to {@code max} values (each size bound picked a tenth of the time). */
  default Gen<List<T>> list(int min, int max) {
    return r -> {
      int size = between(min, max).next(r);
      List<T> out = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        out.add(next(r));
      }
      return out;
    };
  }

  @SafeVarargs
  static <T> Gen<T> of(T... values) {
    List<T> list = List.of(values);
    return r -> list.get(r.nextInt(list.size()));
  }

  static <T> Gen<T> just(T value) {
    return r -> value;
  }

  /** One of the generators, each as likely. */
  @SafeVarargs
  static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
    return r -> gens[r.nextInt(gens.length)].next(r);
  }

  /** Two generators weighted: {@code weightA} to {@code weightB}. */
  static <T> Gen<T> frequency(int weightA, Gen<? extends T> a, int weightB, Gen<? extends T> b) {
    return r -> r.nextInt(weightA + weightB) < weightA ? a.next(r) : b.next(r);
  }

  /** Three generators weighted. */
  static <T> Gen<T> frequency(int weightA, Gen<? extends T> a, int weightB, Gen<? extends T> b, int weightC, Gen<? extends T> c) {
    return r -> {
      int x = r.nextInt(weightA + weightB + weightC);
      return x < weightA ? a.next(r) : x < weightA + weightB ? b.next(r) : c.next(r);
    };
  }

  /** An int in [min, max]; min and max each a tenth of the time. */
  static Gen<Integer> between(int min, int max) {
    return r -> {
      int roll = r.nextInt(10);
      if (roll == 0 || min == max) {
        return min;
      }
      if (roll == 1) {
        return max;
      }
      return (int) (min + (long) (r.nextDouble() * ((long) max - min + 1)));
    };
  }

  /** A string of {@code minLength} to {@code maxLength} characters, each from {@code chars}. */
  static Gen<String> strings(String chars, int minLength, int maxLength) {
    int[] points = chars.codePoints().toArray();
    return r -> {
      int length = between(minLength, maxLength).next(r);
      StringBuilder s = new StringBuilder(length);
      for (int i = 0; i < length; i++) {
        s.appendCodePoint(points[r.nextInt(points.length)]);
      }
      return s.toString();
    };
  }

  /** Every character from {@code first} to {@code last}, for {@link #strings}. */
  static String range(char first, char last) {
    StringBuilder s = new StringBuilder();
    for (char c = first; c <= last; c++) {
      s.append(c);
    }
    return s.toString();
  }
}
