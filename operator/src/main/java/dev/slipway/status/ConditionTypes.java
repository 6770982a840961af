package dev.slipway.status;

/** The condition types Slipway reports. */
public final class ConditionTypes {

  public static final String SOURCE_RESOLVED = "SourceResolved";
  public static final String BUILT = "Built";
  public static final String DATABASE_READY = "DatabaseReady";
  public static final String MIGRATED = "Migrated";
  public static final String DEPLOYED = "Deployed";
  public static final String READY = "Ready";
  /** kstatus's abnormal-true conditions (see {@link Convergence}): present only while true. */
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";

  private ConditionTypes() {}
}
