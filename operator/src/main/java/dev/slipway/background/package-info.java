/** Slow work (database provisioning, image copies) off the reconcile threads, as event sources. */
package dev.slipway.background;
