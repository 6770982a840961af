package dev.slipway.environment;

/** One condition as a step reports it: status (True, False, Unknown), reason, message. */
record ConditionValue(String status, String reason, String message) {

  static ConditionValue yes(String reason, String message) {
    return new ConditionValue("True", reason, message);
  }

  static ConditionValue no(String reason, String message) {
    return new ConditionValue("False", reason, message);
  }

  static ConditionValue unknown(String reason, String message) {
    return new ConditionValue("Unknown", reason, message);
  }

  boolean isTrue() {
    return "True".equals(status);
  }
}
