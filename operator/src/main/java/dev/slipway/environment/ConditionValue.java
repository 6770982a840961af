package dev.slipway.environment;

import dev.slipway.status.Conditions;
import dev.slipway.status.Reason;

/**
 * One condition as a step reports it: status (True, False, Unknown), reason, message. The reason
 * is one of {@link Reasons}, or one another part reports ({@link #reported}).
 */
record ConditionValue(String status, String reason, String message) {

  static ConditionValue yes(Reason reason, String message) {
    return new ConditionValue(Conditions.TRUE, reason.name(), message);
  }

  static ConditionValue no(Reason reason, String message) {
    return new ConditionValue(Conditions.FALSE, reason.name(), message);
  }

  static ConditionValue unknown(Reason reason, String message) {
    return new ConditionValue(Conditions.UNKNOWN, reason.name(), message);
  }

  /**
   * A condition whose reason another part of Slipway names: a build Job's failure, the database
   * provider's state, the release command's result, the credentials policy (each documented with
   * that part in the README).
   */
  static ConditionValue reported(boolean status, String reason, String message) {
    return new ConditionValue(status ? Conditions.TRUE : Conditions.FALSE, reason, message);
  }

  boolean isTrue() {
    return Conditions.TRUE.equals(status);
  }
}
