package dev.slipway.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronScheduleTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // schedule          | after                  | next
      "* * * * *           | 2026-12-01T10:15:30Z   | 2026-12-01T10:16:00Z",
      "* * * * *           | 2026-12-01T10:15:00Z   | 2026-12-01T10:16:00Z",
      "*/15 * * * *        | 2026-12-01T10:15:00Z   | 2026-12-01T10:30:00Z",
      "5/15 * * * *        | 2026-12-01T10:51:00Z   | 2026-12-01T11:05:00Z",
      "0 3 * * *           | 2026-12-01T03:00:00Z   | 2026-12-02T03:00:00Z",
      "@daily              | 2026-12-31T23:59:59Z   | 2027-01-01T00:00:00Z",
      "@hourly             | 2026-12-01T10:00:00Z   | 2026-12-01T11:00:00Z",
      "@weekly             | 2026-12-01T00:00:00Z   | 2026-12-06T00:00:00Z", // 1 Dec 2026 is a Tuesday
      "@monthly            | 2026-12-15T00:00:00Z   | 2027-01-01T00:00:00Z",
      "@yearly             | 2026-06-01T00:00:00Z   | 2027-01-01T00:00:00Z",
      "30 2 * * MON-FRI    | 2026-12-04T03:00:00Z   | 2026-12-07T02:30:00Z", // Friday after 02:30 → Monday
      "0 0 * * 7           | 2026-12-01T00:00:00Z   | 2026-12-06T00:00:00Z", // 7 is Sunday
      "0 0 29 2 *          | 2026-03-01T00:00:00Z   | 2028-02-29T00:00:00Z",
      "0 0 31 * *          | 2026-11-01T00:00:00Z   | 2026-12-31T00:00:00Z",
      "0 12 1 jan,jul *    | 2026-12-01T00:00:00Z   | 2027-01-01T12:00:00Z",
      // Both days restricted: either matches (cron's rule). 13 Dec 2026 is a Sunday; 1 Dec a Tuesday.
      "0 0 13 * 5          | 2026-12-01T00:00:00Z   | 2026-12-04T00:00:00Z",
      "0 0 13 * 0          | 2026-12-05T00:00:00Z   | 2026-12-06T00:00:00Z",
      // A day of month with day of week '*' must match both: only the 13th.
      "0 0 13 * *          | 2026-12-01T00:00:00Z   | 2026-12-13T00:00:00Z",
      // A day of week that begins with '*' counts as unrestricted: both must match (the first Sunday).
      "0 0 1-7 * */7       | 2026-12-01T00:00:00Z   | 2026-12-06T00:00:00Z",
  })
  void theNextTimeIsTheFirstMatchingMinuteAfter(String schedule, String after, String next) {
    CronSchedule cron = CronSchedule.parse(schedule);
    assertThat(cron.next(Instant.parse(after))).contains(Instant.parse(next));
    assertThat(cron.previous(Instant.parse(next))).contains(Instant.parse(next));
    assertThat(cron.matches(Instant.parse(next))).isTrue();
  }

  @Test
  void missedTimesCollapseToTheLatestOne() {
    CronSchedule everyMinute = CronSchedule.parse("* * * * *");
    assertThat(everyMinute.previous(Instant.parse("2026-12-01T10:17:42Z"))).contains(Instant.parse("2026-12-01T10:17:00Z"));
    CronSchedule nightly = CronSchedule.parse("0 3 * * *");
    assertThat(nightly.previous(Instant.parse("2026-12-05T02:59:59Z"))).contains(Instant.parse("2026-12-04T03:00:00Z"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "daily            | unknown schedule daily: did you mean @daily?",
      "@fortnightly     | unknown schedule @fortnightly",
      "* * * *          | five fields",
      "60 * * * *       | minute must be within 0-59",
      "* 24 * * *       | hour must be within 0-23",
      "* * 0 * *        | day of month must be within 1-31",
      "* * * 13 *       | month must be within 1-12",
      "* * * * 8        | day of week must be within 0-7",
      "*/0 * * * *      | step must be at least 1",
      "5-1 * * * *      | within 0-59",
      "a * * * *        | bad minute a",
      "1,,2 * * * *     | bad minute (empty)",
      "0 0 30 2 *       | never fires",
      "0 0 31 4,6,9,11 *| never fires",
  })
  void aScheduleThatCannotWorkSaysWhy(String schedule, String message) {
    assertThatThrownBy(() -> CronSchedule.parse(schedule)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }

  /** Against the plainest reading: every minute tried in turn. */
  @Test
  void nextAndPreviousAgreeWithTryingEveryMinute() {
    Random random = new Random(20261201);
    String[][] pool = {
        {"*", "*/7", "0", "59", "10-20", "5,35", "3-50/9"},
        {"*", "*/5", "0", "23", "8-17", "1,13"},
        {"*", "1", "15", "31", "1-10/3", "28-31", "*/10"},
        {"*", "2", "1-6", "jan,feb,dec", "*/4"},
        {"*", "0", "6", "1-5", "sat,sun", "*/3"},
    };
    for (int i = 0; i < 300; i++) {
      StringBuilder s = new StringBuilder();
      for (String[] field : pool) {
        s.append(field[random.nextInt(field.length)]).append(' ');
      }
      CronSchedule cron;
      try {
        cron = CronSchedule.parse(s.toString().trim());
      } catch (IllegalArgumentException e) {
        continue; // a combination that never fires
      }
      Instant from = Instant.parse("2026-01-01T00:00:00Z").plus(random.nextInt(365 * 24 * 60), ChronoUnit.MINUTES)
          .plusSeconds(random.nextInt(60));
      Optional<Instant> next = cron.next(from);
      Optional<Instant> brute = bruteForceNext(cron, from, 400 * 24 * 60);
      if (brute.isPresent()) {
        assertThat(next).as(s + " after " + from).isEqualTo(brute);
        Optional<Instant> previous = cron.previous(brute.get().minusSeconds(1));
        Optional<Instant> brutePrevious = bruteForcePrevious(cron, brute.get().minusSeconds(1), 400 * 24 * 60);
        if (brutePrevious.isPresent()) {
          assertThat(previous).as(s + " before " + brute.get()).isEqualTo(brutePrevious);
        } else {
          Instant horizon = brute.get().minus(400, ChronoUnit.DAYS);
          assertThat(previous.map(p -> p.isBefore(horizon)).orElse(true)).as(s + " before " + brute.get() + ": " + previous).isTrue();
        }
      }
    }
  }

  private static Optional<Instant> bruteForceNext(CronSchedule cron, Instant after, int minutes) {
    Instant t = after.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
    for (int i = 0; i < minutes; i++, t = t.plus(1, ChronoUnit.MINUTES)) {
      if (cron.matches(t)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  private static Optional<Instant> bruteForcePrevious(CronSchedule cron, Instant atOrBefore, int minutes) {
    Instant t = atOrBefore.truncatedTo(ChronoUnit.MINUTES);
    for (int i = 0; i < minutes; i++, t = t.minus(1, ChronoUnit.MINUTES)) {
      if (cron.matches(t)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  @Test
  void aTimeZoneIsReadAsWallClockTimeAcrossDaylightSaving() {
    java.time.ZoneId zurich = CronSchedule.zone("Europe/Zurich");
    CronSchedule halfPastTwo = CronSchedule.parse("30 2 * * *");
    assertThat(halfPastTwo.next(Instant.parse("2026-12-04T10:00:00Z"), zurich)).contains(Instant.parse("2026-12-05T01:30:00Z"));
    // 28 March 2027: the clocks skip 02:00-03:00, so there is no 02:30 that day.
    assertThat(halfPastTwo.next(Instant.parse("2027-03-27T12:00:00Z"), zurich)).contains(Instant.parse("2027-03-29T00:30:00Z"));
    // 25 October 2026: 02:30 comes twice; it fires once, at the first.
    assertThat(halfPastTwo.next(Instant.parse("2026-10-24T12:00:00Z"), zurich)).contains(Instant.parse("2026-10-25T00:30:00Z"));
    assertThat(halfPastTwo.next(Instant.parse("2026-10-25T00:30:00Z"), zurich)).contains(Instant.parse("2026-10-26T01:30:00Z"));
    assertThat(halfPastTwo.next(Instant.parse("2026-12-04T10:00:00Z"), CronSchedule.zone(null)))
        .isEqualTo(halfPastTwo.next(Instant.parse("2026-12-04T10:00:00Z")));
  }

  @Test
  void aTimeZoneMustBeAnIanaName() {
    assertThat(CronSchedule.zone("UTC")).isEqualTo(java.time.ZoneId.of("UTC"));
    assertThatThrownBy(() -> CronSchedule.zone("+01:00")).hasMessageContaining("unknown time zone +01:00");
    assertThatThrownBy(() -> CronSchedule.zone("Mars/Olympus")).hasMessageContaining("IANA");
  }
}
