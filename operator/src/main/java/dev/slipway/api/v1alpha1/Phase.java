package dev.slipway.api.v1alpha1;

/** Where an environment is on its way from a commit to serving pods. */
public enum Phase {
  Pending,
  Building,
  Provisioning,
  Migrating,
  Deploying,
  Ready,
  /** Deployed with replicas: 0, so nothing serves. */
  Stopped,
  Failed
}
