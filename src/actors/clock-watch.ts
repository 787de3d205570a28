/**
 * ClockWatch: peers whose clock disagrees with the monitor's. A metric with only `e` is fresh
 * until its sender's clock says so (the contract's deadline); when that sender's clock is behind by
 * more than the ttl, the metric arrives already past its deadline. Such a metric is no sign of
 * life: the supervisor stores it (it is the peer's newest) but lets it neither resolve nor re-arm
 * a window (it would fire and resolve an alert per metric, a storm). This unit says so at ingest, counts it
 * (`metricsExpiredOnArrival`), estimates each peer's clock offset from the `e` of its metrics
 * (window/clock-offset.ts), and warns at a rate limit naming the peer and its offset. Status, the
 * page and /metrics read `report()`.
 */
import type { WireMetric } from "../api/validate.js";
import { RateLimitedLog, type Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { formatDuration } from "../duration.js";
import { deadlineOf, isWallDeadline } from "../window/deadline.js";
import { PeerClocks, type PeerClock } from "../window/clock-offset.js";

const NS_PER_MS = 1_000_000;

export interface ClockWatchOptions {
  stats: MonitorStats;
  log: Logger;
  /** Minimum ms between two bursts of warnings. */
  logIntervalMs: number;
  /** The monitor's monotonic clock, ms (paces the warnings). */
  now: () => number;
  /** A peer's clock off by this much or more is reported, ms. */
  thresholdMs: number;
  /** Peers remembered at most. */
  maxPeers: number;
}

/** What status, the page and /metrics show: the peers whose clock is off, the farthest first. */
export interface ClockReport {
  /** Offsets from this on are reported, ms. */
  thresholdMs: number;
  /** Peers off by the threshold or more, or whose metrics arrived expired. */
  count: number;
  peers: PeerClock[];
  /** Valid metrics with only `e` that arrived already past it, in all. */
  expiredOnArrival: number;
}

/** Warning lines per interval: a few peers named. */
const LOG_BURST = 3;
/** Peers remembered as warned about: past it the memory starts over (a peer is then warned about again). */
const MAX_WARNED = 10_000;

export class ClockWatch {
  private readonly clocks: PeerClocks;
  private readonly warnings: RateLimitedLog;
  /** Peer -> when it was last warned about, ms: once per interval each, a few peers per interval in all. */
  private readonly warned = new Map<string, number>();

  constructor(private readonly o: ClockWatchOptions) {
    this.clocks = new PeerClocks(o.maxPeers);
    this.warnings = new RateLimitedLog((f, m) => o.log.warn(f, m), o.logIntervalMs, o.now, LOG_BURST);
  }

  /**
   * A valid metric arrived at `now` (ms, monotonic; `wallOffset`: wall − monotonic). Its `e` feeds
   * the peer's offset estimate; true when it has only `e` and arrived already past it: no sign of life.
   */
  expiredOnArrival(m: WireMetric, now: number, wallOffset: number): boolean {
    const ttlMs = isWallDeadline(m.l) ? undefined : Number(m.l) / NS_PER_MS;
    // An omitted (zero) `e` says nothing of the sender's clock; without `l` it is expired, as the contract says.
    if (m.e) this.clocks.observe(m.p, m.n, Number(m.e) / NS_PER_MS, ttlMs, now + wallOffset);
    const expired = ttlMs === undefined && deadlineOf(now, m.l, m.e, wallOffset) <= now;
    if (expired) {
      this.o.stats.metricsExpiredOnArrival++;
      this.clocks.expiredOnArrival(m.p);
    }
    this.warn(m, expired);
    return expired;
  }

  /** The peer left the peerset. */
  forget(peer: string): void {
    this.clocks.forget(peer);
    this.warned.delete(peer);
  }

  /** The estimated offset of `peer`'s clock, ms (negative: behind), or undefined while unknown. */
  offsetOf(peer: string): number | undefined {
    return this.clocks.offsetOf(peer);
  }

  /** What is known of `peer`'s clock (its offset, its metrics that arrived expired). */
  clockOf(peer: string): PeerClock | undefined {
    return this.clocks.clockOf(peer);
  }

  report(limit: number): ClockReport {
    const { count, peers } = this.clocks.skewed(this.o.thresholdMs, limit);
    return { thresholdMs: this.o.thresholdMs, count, peers, expiredOnArrival: this.o.stats.metricsExpiredOnArrival };
  }

  private warn(m: WireMetric, expired: boolean): void {
    // The hot path of a peer in time: one lookup of its (kept) estimate.
    const offsetMs = this.clocks.offsetOf(m.p);
    if (offsetMs === undefined || (Math.abs(offsetMs) < this.o.thresholdMs && !expired)) return;
    const clock = this.clocks.clockOf(m.p)!;
    const now = this.o.now();
    const last = this.warned.get(m.p);
    if (last !== undefined && now - last < this.o.logIntervalMs) return;
    if (this.warned.size >= MAX_WARNED) this.warned.clear();
    this.warned.set(m.p, now);
    const behind = clock.offsetMs < 0;
    const what = behind
      ? `behind the monitor's: its metrics with only \`e\` ${expired ? "arrive already expired and are ignored" : "expire early"}`
      : "ahead of the monitor's: its failures are noticed late by as much";
    this.warnings.note(
      { peer: m.p, name: m.n, offsetMs: Math.round(clock.offsetMs), expiredOnArrival: clock.expiredOnArrival },
      `the clock of peer ${m.p} is about ${formatDuration(Math.abs(clock.offsetMs))} ${what}; ` +
        "sync its clock (NTP), or have it send a ttl (`l`), which the monitor counts on its own clock",
    );
  }
}
