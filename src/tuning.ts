/**
 * Fixed tunables: not settings an operator changes, but numbers the code depends on, kept here
 * with their reasons so that no default hides inline in an I/O module.
 */
export const TUNING = Object.freeze({
  /** First connection attempt gives up after this long, ms: a wrong --nats fails fast. */
  connectTimeoutMs: 5_000,
  /** Pause between reconnect attempts, ms, plus a random jitter of up to reconnectJitterMs: back
   * within a second or two, and a fleet of publishers reconnecting after a server restart spreads
   * its attempts instead of arriving at once. */
  reconnectWaitMs: 500,
  reconnectJitterMs: 500,
  /** Client PING period, ms, and unanswered PINGs before the client calls the link stale: a
   * half-open TCP connection is noticed in about 20 s by the client (the link probe is faster). */
  pingIntervalMs: 10_000,
  maxPingsOut: 2,
  /**
   * How the monitor tells it reads late (actors/read-watch.ts): a tick every readWatchTickMs, and a
   * delay of readLateMs or more (a round trip out that long, a tick an arrival finds that overdue;
   * the tick itself from a quarter of it, read-watch.ts says why) puts reads in doubt.
   * 25 ms is above a timer's jitter and one socket read's cost on a busy host, and well below the
   * rhythm's smallest margin (100 ms), so what is learned stays finer than any margin it sets.
   */
  readWatchTickMs: 20,
  readLateMs: 25,
  /** Each shutdown step (services, peerset, alerts, drain) waits at most this long, ms, so that a
   * monitor whose server is gone still stops. */
  stopStepMs: 2_000,
  /** The final drain of the connection waits at most this long, ms. */
  drainMs: 3_000,
  /** A sharded `names` query waits this long for every shard, ms (a live shard answers in ms). */
  namesGatherMs: 1_000,
  /** Peers listed per metric name in `/events` snapshots (troubled first): a snapshot stays light. */
  statusPeersPerName: 200,
  /**
   * Peers listed per metric name on the status page's matrix (troubled first): every peer of a
   * 2,000-peer cluster; beyond that the page says how many healthy peers it left out.
   */
  pagePeersPerName: 2_000,
  /** Never-seen peers named per metric name in `peermon status` (all are counted). */
  neverSeenListed: 20,
  /**
   * Peers that left the peerset remembered to tell their ignored metrics (`removed_peer`) from those
   * of peers never in one (`unknown_peer`): the last 10,000 departures, about 1 MB.
   */
  removedPeersRemembered: 10_000,
  /**
   * A peer's clock estimated this far off the monitor's, ms, is reported (status, the page,
   * /metrics, a warning): past the estimate's own error (network delay, an informer's timer
   * jitter: tens of ms) and past what NTP leaves (ms), yet well inside IPFS Cluster's 30 s ttl,
   * of which a clock 5 s behind already eats a sixth.
   */
  clockSkewReportMs: 5_000,
  /** Peers whose clock is estimated, at most (about 300 bytes each): the least recently heard of go first. */
  clockPeersRemembered: 100_000,
  /** Peers named in the clock report of status and the page (all are counted); /metrics has a gauge for each. */
  clockPeersListed: 20,
  /** History forgets episodes the alert log no longer keeps this often, ms (a pass over the pairs with history). */
  historyPruneMs: 600_000,
  /**
   * Each JetStream request of an alert append gives up after this long, ms: while a stream elects
   * a new leader requests go unanswered, and a short timeout with quick retries gets the alert
   * through soon after the election instead of one default timeout (5 s) later.
   */
  appendTimeoutMs: 1_000,
  /**
   * A log stream (alerts, suspicion, disruptions) that cannot be set up at start is tried again
   * for this long, ms, before the monitor publishes without it: a JetStream cluster that has just
   * formed places a new stream within seconds.
   */
  streamSetupMs: 20_000,
  /** Alerts and events in flight to the bus at once: a backlog is worked off this many at a time (retries: RETRY.bus). */
  maxAlertsInFlight: 64,
  /** A window replay that received nothing for this long asks the server whether anything is left, ms. */
  replayIdleCheckMs: 250,
  /**
   * A checkpoint or transfer message holds about this many bytes of windows (at most a quarter of
   * the server's max_payload): ~1,500 windows, small enough to write and read without a stall.
   */
  windowBatchBytes: 256 * 1024,
  /**
   * New windows (and windows whose state changed) are journaled this long after the first of them,
   * ms: a window is stored within about a quarter second of its first metric, so one that has
   * existed for a second survives a crash (docs/durability.md), and a burst of new windows (a fleet
   * starting) goes out in a few large messages instead of one per window.
   */
  journalDelayMs: 250,
  /**
   * A checkpoint or journal message not acknowledged within this long is written again, ms: a
   * busy server stores 256 KiB messages slower than an alert, and nobody waits for a checkpoint
   * (a timeout that was only slow writes the bucket twice, and keeps the journal a round longer).
   */
  checkpointTimeoutMs: 5_000,
  /** Checkpoint messages awaiting the server's acknowledgement at once. */
  checkpointsInFlight: 8,
  /** Checkpoint messages read ahead at a restore (each up to windowBatchBytes). */
  checkpointReadAhead: 16,
  /**
   * Each request of a transfer from a sibling replica waits this long, ms: a live sibling answers
   * in milliseconds, and a restore that falls back to checkpoints must still answer within 2 s.
   */
  transferTimeoutMs: 1_000,
  /** Transfer requests in flight at once. */
  transferConcurrency: 4,
  /** A sibling keeps the bucket split it made for a transfer this long, ms (one transfer's length). */
  transferSplitKeepMs: 10_000,
  /**
   * A disruption ends when the fraction of late or expired peers falls below the threshold times
   * (1 - this): at 0.5, below 0.4 — a fraction wavering around the threshold (peers flapping while
   * a partition heals) does not start and end disruptions back and forth.
   */
  disruptionHysteresis: 0.2,
  /** How often an open disruption's fraction is counted again, ms: a second, as the link probe. */
  disruptionCheckMs: 1_000,
  /**
   * A count of a name's late peers taken before a firing serves its next firings for this long,
   * ms: one walk over the name's windows per interval however many fire (about 30 ns per window:
   * 3 ms for 100k), and peers turning late meanwhile are missed for at most this long. A second:
   * at 100 ms, 1M windows with peers dying steadily (steady bench: a firing every 15 ms over 10
   * names) spent 4-8% of the monitor's CPU walking; a storm is still seen at its first firing (its
   * peers are late, nothing valid for half a ttl, before any fires), and each firing counts itself.
   */
  disruptionRecountMs: 1_000,
  /** How long `disruption release` and a silence's `rm` wait for every monitor to answer, ms. */
  operatorReplyWaitMs: 1_000,
});
