/**
 * Counters of everything a monitor receives, stores, drops, rejects and sends. Plain numbers that
 * the hot path increments; exporters (services STATS, `peermon status`, Prometheus) read them.
 */
import { REJECT_REASONS, type RejectReason } from "./api/validate.js";

/**
 * Why a well-formed metric was ignored: its peer is outside the known peerset, either one that left
 * it (and still publishes) or one that was never in a peerset this monitor applied.
 */
export const IGNORE_REASONS = ["removed_peer", "unknown_peer"] as const;
export type IgnoreReason = (typeof IGNORE_REASONS)[number];

export class MonitorStats {
  /** Metric messages that arrived, valid or not. */
  metricsReceived = 0;
  /** Metrics stored in a window. */
  metricsStored = 0;
  /** Well-formed metrics of peers outside the known peerset (ignored, as the contract says). */
  metricsIgnored = 0;
  /** `metricsIgnored` by reason. */
  readonly ignored: Record<IgnoreReason, number> = { removed_peer: 0, unknown_peer: 0 };
  /**
   * Metrics older than the newest of their window when they were applied (a restore's held live
   * metrics that the replay had already overtaken): dropped, so that a window never goes back in time.
   */
  metricsStale = 0;
  /**
   * Valid metrics with only `e` that arrived already past it (their sender's clock is behind by
   * more than their ttl): stored, but no sign of life (actors/clock-watch.ts).
   */
  metricsExpiredOnArrival = 0;
  /** Metric messages received per partition (partitioned subjects only): what a shard was sent. */
  readonly metricsByPartition: Record<number, number> = {};
  /** Rejected messages (metrics and peersets) by reason. */
  readonly rejected: Record<RejectReason, number> = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  peersetsApplied = 0;
  /** Queries dropped because their reply subject was not an inbox. */
  queriesRefused = 0;
  windowsCreated = 0;
  windowsFreed = 0;
  alertsFiring = 0;
  alertsResolved = 0;
  alertsRepeated = 0;
  /** Alerts the bus could not take at once; they wait and are retried, never dropped. */
  alertsDeferred = 0;
  /** Alerts sent again because the server had not confirmed them (reconnect, timeout). */
  alertsResent = 0;
  /** Alerts another replica had already logged (alert stream): not published twice. */
  alertsDeduplicated = 0;
  /** Alerts published muted (`m: true`): a silence matched; no sink delivers them. */
  alertsMuted = 0;
  /** Firing alerts held back because their name was in a disruption (the windows waited in `expired`). */
  alertsHeld = 0;
  /** Disruptions this monitor declared (one event instead of an alert per peer). */
  disruptionsStarted = 0;
  /** Disruption events another replica had already logged. */
  disruptionsDeduplicated = 0;
  /** Early suspicion (when on): peers announced suspect, and suspect peers cleared by their next metric. */
  suspicionsRaised = 0;
  suspicionsCleared = 0;
  /** Suspicion times held back by the monitor's own outage or grace (as convictionsDeferred). */
  suspicionsDeferred = 0;
  /** Suspicion events another replica had already logged. */
  suspicionsDeduplicated = 0;
  /** Deadlines that were due while the monitor itself was impaired or in its grace period. */
  convictionsDeferred = 0;
  /**
   * Expiry confirmation (`--confirm auto`): expiries of peers that lose metrics that waited for the
   * metrics they awaited, and those a valid metric ended before they fired (false alerts spared).
   */
  expiriesAwaitingConfirmation = 0;
  expiriesSpared = 0;
  /** Times the monitor lost its link to NATS, and times its event loop stalled. */
  outages = 0;
  stalls = 0;
  /** Windows this start brought back (from a sibling replica or from checkpoints). */
  windowsRestored = 0;
  /** Checkpoint rounds done; the buckets the server stored, their bytes, and writes that failed (retried next round). */
  checkpointRounds = 0;
  /** How long the last checkpoint round took, ms (a restored window may be this much older than the interval). */
  checkpointRoundMs = 0;
  checkpointBatches = 0;
  checkpointBytes = 0;
  checkpointFailures = 0;
  /** Journal messages of new windows the server stored, the windows in them, and writes that failed (written again). */
  journalBatches = 0;
  journalWindows = 0;
  journalFailures = 0;
  /** Window batches handed to a sibling replica that was starting. */
  transferBatches = 0;
  /** Detection lag (firing alert handed to the bus, minus the deadline), in ms. */
  detectionLagCount = 0;
  detectionLagSumMs = 0;
  detectionLagMaxMs = 0;

  rejectedTotal(): number {
    let total = 0;
    for (const reason of REJECT_REASONS) total += this.rejected[reason];
    return total;
  }

  /** Told of every detection lag, when someone listens (the Prometheus histogram). */
  onDetectionLag: ((ms: number) => void) | undefined;

  recordDetectionLag(ms: number): void {
    this.detectionLagCount++;
    this.detectionLagSumMs += ms;
    if (ms > this.detectionLagMaxMs) this.detectionLagMaxMs = ms;
    this.onDetectionLag?.(ms);
  }

  /** A JSON-friendly copy. */
  snapshot(): Record<string, unknown> {
    const { onDetectionLag: _listener, ...counters } = this as MonitorStats;
    return { ...counters, rejected: { ...this.rejected }, ignored: { ...this.ignored }, metricsByPartition: { ...this.metricsByPartition } };
  }
}
