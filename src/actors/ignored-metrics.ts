/**
 * IgnoredMetrics: the metrics of peers outside the peerset, which the contract ignores, made
 * visible. Each is counted by reason — its peer left the peerset and still publishes
 * (`removed_peer`), or was never in a peerset this monitor applied (`unknown_peer`) — and logged at
 * a rate limit, naming the peer. The peers that left are remembered (a bounded number, oldest
 * forgotten first) to tell the two apart; per metric name, the last few peers whose metrics were
 * ignored are remembered too, so that `latest` can say who sent a name nobody in the peerset sends.
 */
import { RateLimitedLog, type Logger } from "../log.js";
import type { IgnoreReason, MonitorStats } from "../stats.js";

export interface IgnoredMetricsOptions {
  stats: MonitorStats;
  log: Logger;
  /** Minimum ms between two bursts of log lines. */
  logIntervalMs: number;
  now: () => number;
  /** Departed peers remembered at most. */
  remember: number;
}

/** Log lines per interval: a few peers named, then a count of the rest. */
const LOG_BURST = 3;
/** Ignored peers remembered per metric name: the last few, named by `latest`. */
const SENDERS_PER_NAME = 5;
/** Metric names remembered with their ignored peers, at most: the least recently ignored go first. */
const NAMES_WITH_SENDERS = 1_000;

const HINTS: Record<IgnoreReason, string> = {
  removed_peer: "ignored a metric of a peer that left the peerset: it still publishes; stop its informer, or add it back with `peermon peerset add <peer>`",
  unknown_peer: "ignored a metric of a peer outside the peerset: add it with `peermon peerset add <peer>` if it belongs to the cluster",
};

export class IgnoredMetrics {
  /** Peers that left the peerset, oldest departure first (a Set keeps insertion order). */
  private readonly removed = new Set<string>();
  /** Metric name -> the last peers outside the peerset that sent it, newest last. */
  private readonly senders = new Map<string, string[]>();
  private readonly log: RateLimitedLog;

  constructor(private readonly o: IgnoredMetricsOptions) {
    this.log = new RateLimitedLog((f, m) => o.log.warn(f, m), o.logIntervalMs, o.now, LOG_BURST);
  }

  /** A new peerset replaced `previous` (undefined: the first one): remembers who left, forgets who came back. */
  peersetChanged(previous: ReadonlySet<string> | undefined, next: ReadonlySet<string>): void {
    for (const peer of this.removed) if (next.has(peer)) this.removed.delete(peer);
    if (!previous) return;
    for (const peer of previous) {
      if (next.has(peer)) continue;
      this.removed.delete(peer); // re-inserted: the newest departure
      this.removed.add(peer);
      if (this.removed.size > this.o.remember) this.removed.delete(this.removed.values().next().value!);
    }
  }

  /** Why a metric of `peer`, outside the peerset, is ignored. */
  reasonFor(peer: string): IgnoreReason {
    return this.removed.has(peer) ? "removed_peer" : "unknown_peer";
  }

  /** Counts and logs (at a rate limit) a metric of `name` from `peer`, outside the peerset. */
  ignored(name: string, peer: string): void {
    const reason = this.reasonFor(peer);
    const stats = this.o.stats;
    stats.metricsIgnored++;
    stats.ignored[reason]++;
    this.log.note({ name, peer, reason, ignored: stats.metricsIgnored }, HINTS[reason]);
    this.noteSender(name, peer);
  }

  /** The last few peers outside the peerset whose metrics of `name` were ignored (some may be members by now). */
  sendersOf(name: string): readonly string[] {
    return this.senders.get(name) ?? [];
  }

  private noteSender(name: string, peer: string): void {
    const peers = this.senders.get(name);
    if (peers?.[peers.length - 1] === peer) return; // the common case: the same peer again
    if (!peers) {
      if (this.senders.size >= NAMES_WITH_SENDERS) this.senders.delete(this.senders.keys().next().value!);
      this.senders.set(name, [peer]);
      return;
    }
    const at = peers.indexOf(peer);
    if (at >= 0) peers.splice(at, 1);
    peers.push(peer);
    if (peers.length > SENDERS_PER_NAME) peers.shift();
  }
}
