package dev.slipway.status;

/**
 * A condition's or an Event's reason: CamelCase, as Kubernetes asks, and part of Slipway's API —
 * people and tools script against these values, so they never change. Implemented by enums whose
 * constant names are the values (as {@code git/SourceException.Reason} is).
 */
public interface Reason {

  String name();

  /** Whether a reason read back from a status (a string) is this one. */
  default boolean is(String value) {
    return name().equals(value);
  }
}
