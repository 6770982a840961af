package dev.slipway.backup;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A five-field cron schedule (minute, hour, day of month, month, day of week), read as in UTC, as
 * a Kubernetes CronJob reads one: lists, ranges, steps, month and day names, the @daily family,
 * and cron's rule that a restricted day of month and a restricted day of week match either way.
 */
public final class CronSchedule {

  /** How far {@link #next} and {@link #previous} look: a schedule that fires less often never fires (30 February). */
  private static final int HORIZON_YEARS = 5;

  private static final Map<String, String> MACROS = Map.of(
      "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *",
      "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
  private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

  private final String expression;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek; // 0 = Sunday
  private final boolean anyDayOfMonth;
  private final boolean anyDayOfWeek;

  private CronSchedule(String expression, String[] f) {
    this.expression = expression;
    minutes = field(f[0], "minute", 0, 59, List.of(), 0);
    hours = field(f[1], "hour", 0, 23, List.of(), 0);
    daysOfMonth = field(f[2], "day of month", 1, 31, List.of(), 0);
    months = field(f[3], "month", 1, 12, MONTHS, 1);
    BitSet dow = field(f[4], "day of week", 0, 7, DAYS, 0);
    if (dow.get(7)) {
      dow.set(0); // 7 is Sunday too
    }
    daysOfWeek = dow;
    anyDayOfMonth = f[2].startsWith("*");
    anyDayOfWeek = f[4].startsWith("*");
  }

  /**
   * Reads an expression; the message of the exception says what is wrong with it, for a status.
   * A schedule that would never fire (30 February) is refused too.
   */
  public static CronSchedule parse(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("the schedule is empty");
    }
    String trimmed = expression.trim();
    String expanded = trimmed.startsWith("@") ? MACROS.get(trimmed.toLowerCase(Locale.ROOT)) : trimmed;
    if (expanded == null) {
      throw new IllegalArgumentException("unknown schedule " + trimmed + ": use five fields or one of @yearly, @monthly, @weekly, @daily, @hourly");
    }
    String[] fields = expanded.split("\\s+");
    if (fields.length == 1 && MACROS.containsKey("@" + trimmed.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException("unknown schedule " + trimmed + ": did you mean @" + trimmed.toLowerCase(Locale.ROOT) + "?");
    }
    if (fields.length != 5) {
      throw new IllegalArgumentException("a schedule has five fields (minute hour day-of-month month day-of-week), not "
          + fields.length + ": " + trimmed);
    }
    CronSchedule schedule = new CronSchedule(trimmed, fields);
    if (schedule.next(Instant.EPOCH.plus(365L * 30, ChronoUnit.DAYS)).isEmpty()) {
      throw new IllegalArgumentException("the schedule " + trimmed + " never fires");
    }
    return schedule;
  }

  public String expression() {
    return expression;
  }

  /** Whether it fires at this minute (seconds ignored). */
  public boolean matches(Instant instant) {
    LocalDateTime t = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    return months.get(t.getMonthValue()) && dayMatches(t) && hours.get(t.getHour()) && minutes.get(t.getMinute());
  }

  /** The first time it fires strictly after {@code after}, if within five years. */
  public Optional<Instant> next(Instant after) {
    return next(after, ZoneOffset.UTC);
  }

  /**
   * The first time it fires strictly after {@code after}, read in {@code zone} as a CronJob with
   * that {@code timeZone} reads it: a wall-clock time the clocks skip (spring forward) does not
   * fire; one they pass twice fires once.
   */
  public Optional<Instant> next(Instant after, java.time.ZoneId zone) {
    LocalDateTime t = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    LocalDateTime limit = t.plusYears(HORIZON_YEARS);
    while (t.isBefore(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
      } else if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
      } else if (!hours.get(t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
      } else if (!minutes.get(t.getMinute())) {
        t = t.plusMinutes(1);
      } else if (zone.getRules().getValidOffsets(t).isEmpty()) {
        t = t.plusMinutes(1); // in a gap: this wall-clock time never happens there
      } else {
        Instant at = t.atZone(zone).withEarlierOffsetAtOverlap().toInstant();
        if (at.isAfter(after)) {
          return Optional.of(at);
        }
        t = t.plusMinutes(1);
      }
    }
    return Optional.empty();
  }

  /**
   * The zone a CronJob's {@code timeZone} names: an IANA region ID only (Kubernetes refuses
   * offsets such as +01:00); the message says what is wrong, for a status.
   */
  public static java.time.ZoneId zone(String timeZone) {
    if (timeZone == null || timeZone.isBlank()) {
      return ZoneOffset.UTC;
    }
    if (!java.time.ZoneId.getAvailableZoneIds().contains(timeZone)) {
      throw new IllegalArgumentException("unknown time zone " + timeZone + ": use an IANA name such as Europe/Zurich or UTC");
    }
    return java.time.ZoneId.of(timeZone);
  }

  /** The last time it fired at or before {@code atOrBefore}, if within five years. */
  public Optional<Instant> previous(Instant atOrBefore) {
    LocalDateTime t = LocalDateTime.ofInstant(atOrBefore, ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
    LocalDateTime limit = t.minusYears(HORIZON_YEARS);
    while (t.isAfter(limit)) {
      if (!months.get(t.getMonthValue())) {
        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).minusMinutes(1);
      } else if (!dayMatches(t)) {
        t = t.truncatedTo(ChronoUnit.DAYS).minusMinutes(1);
      } else if (!hours.get(t.getHour())) {
        t = t.truncatedTo(ChronoUnit.HOURS).minusMinutes(1);
      } else if (!minutes.get(t.getMinute())) {
        t = t.minusMinutes(1);
      } else {
        return Optional.of(t.toInstant(ZoneOffset.UTC));
      }
    }
    return Optional.empty();
  }

  private boolean dayMatches(LocalDateTime t) {
    boolean dom = daysOfMonth.get(t.getDayOfMonth());
    boolean dow = daysOfWeek.get(t.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : t.getDayOfWeek().getValue());
    if (anyDayOfMonth || anyDayOfWeek) {
      return dom && dow;
    }
    return dom || dow; // both restricted: either one (cron's rule)
  }

  private static BitSet field(String text, String name, int min, int max, List<String> names, int firstNameValue) {
    BitSet bits = new BitSet(max + 1);
    for (String item : text.split(",", -1)) {
      String range = item;
      int step = 1;
      int slash = item.indexOf('/');
      if (slash >= 0) {
        range = item.substring(0, slash);
        step = number(item.substring(slash + 1), name, text);
        if (step < 1) {
          throw new IllegalArgumentException("the " + name + " step must be at least 1: " + text);
        }
      }
      int from;
      int to;
      if (range.equals("*")) {
        from = min;
        to = max;
      } else if (range.contains("-")) {
        String[] ends = range.split("-", -1);
        if (ends.length != 2) {
          throw new IllegalArgumentException("bad " + name + " range " + range + " in " + text);
        }
        from = value(ends[0], name, text, names, firstNameValue);
        to = value(ends[1], name, text, names, firstNameValue);
      } else {
        from = value(range, name, text, names, firstNameValue);
        to = slash >= 0 ? max : from; // "5/15": from 5 to the end, every 15
      }
      if (from < min || to > max || from > to) {
        throw new IllegalArgumentException("the " + name + " must be within " + min + "-" + max + ": " + text);
      }
      for (int v = from; v <= to; v += step) {
        bits.set(v);
      }
    }
    return bits;
  }

  private static int value(String token, String name, String field, List<String> names, int firstNameValue) {
    int index = names.indexOf(token.toUpperCase(Locale.ROOT));
    return index >= 0 ? index + firstNameValue : number(token, name, field);
  }

  private static int number(String token, String name, String field) {
    if (token.isEmpty() || token.length() > 4 || !token.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("bad " + name + " " + (token.isEmpty() ? "(empty)" : token) + " in " + field);
    }
    return Integer.parseInt(token);
  }

  @Override
  public String toString() {
    return expression;
  }
}
