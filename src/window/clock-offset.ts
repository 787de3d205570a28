/**
 * Clock offsets of peers, estimated from the metrics they send, pure: times are ms, passed in.
 *
 * A metric that carries its sender's absolute expiry `e` tells something of the sender's clock.
 * Sent at `s` (the sender's clock) with a ttl `L`, `e = s + L`; it arrives at `r` (the monitor's
 * wall clock) a network delay `d` later, so the sender's clock is ahead of the monitor's by
 *
 *     offset = s - (r - d) ≈ e - L - r        (d, a few ms, is left out)
 *
 * With `l` the ttl is known, and each metric gives the offset. With `e` only (IPFS Cluster's own
 * metrics) the ttl is taken from the rhythm: IPFS Cluster's informers publish every ttl / 2, so
 * `L ≈ 2 x` the time since the peer's previous metric of the same name. Before a second metric
 * there is no rhythm: a metric that arrives already expired (`e < r`) still proves the sender at
 * least `r - e` behind, and counts as that; any other is not used. The estimate is the median of
 * the last SAMPLES samples: one late metric (a pause, a retry) does not move it.
 */

/** Samples kept per peer: the median of 7 ignores up to 3 outliers. */
const SAMPLES = 7;
/**
 * A metric with `l` gives the offset exactly: one sample a second per peer is plenty, and a busy
 * peer's metrics cost a map lookup and a comparison, not a median each.
 */
const SAMPLE_EVERY_MS = 1_000;
/** Metric names remembered per peer for its rhythm: IPFS Cluster sends a handful. */
const NAMES_PER_PEER = 8;

/** What is known of one peer's clock. */
export interface PeerClock {
  peer: string;
  /** The sender's clock minus the monitor's, ms: negative when it is behind. */
  offsetMs: number;
  /** Its valid metrics with only `e` that arrived already past it (no sign of life). */
  expiredOnArrival: number;
}

class PeerRecord {
  readonly samples: number[] = [];
  next = 0;
  expiredOnArrival = 0;
  /** The median of the samples (kept as they come), undefined before the first. */
  estimate: number | undefined;
  /** When the last sample from a metric with `l` was taken, ms. */
  sampledAt = -Infinity;
  /** Name -> when its previous metric with only `e` arrived, ms (created on the first such metric). */
  lastArrival: Map<string, number> | undefined;

  add(sample: number): void {
    if (this.samples.length < SAMPLES) this.samples.push(sample);
    else this.samples[this.next] = sample;
    this.next = (this.next + 1) % SAMPLES;
    const sorted = [...this.samples].sort((a, b) => a - b);
    this.estimate = sorted[Math.floor((sorted.length - 1) / 2)];
  }
}

export class PeerClocks {
  private readonly peers = new Map<string, PeerRecord>();

  /** `maxPeers`: peers remembered at most; past it the one first heard of is forgotten. */
  constructor(private readonly maxPeers: number) {}

  get size(): number {
    return this.peers.size;
  }

  /**
   * A metric of `name` from `peer` with expiry `expireMs` (sender's wall clock) and ttl `ttlMs`
   * (undefined: `e` only) arrived at `atMs` (the monitor's wall clock).
   */
  observe(peer: string, name: string, expireMs: number, ttlMs: number | undefined, atMs: number): void {
    const r = this.record(peer);
    const lead = expireMs - atMs;
    if (ttlMs !== undefined) {
      if (atMs - r.sampledAt < SAMPLE_EVERY_MS) return;
      r.sampledAt = atMs;
      return r.add(lead - ttlMs);
    }
    const arrivals = (r.lastArrival ??= new Map());
    const previous = arrivals.get(name);
    if (previous === undefined && arrivals.size >= NAMES_PER_PEER) arrivals.delete(arrivals.keys().next().value!);
    arrivals.set(name, atMs);
    if (previous !== undefined && atMs > previous) return r.add(lead - 2 * (atMs - previous));
    if (lead < 0) r.add(lead);
  }

  /** A valid metric of `peer` with only `e` arrived already past it. */
  expiredOnArrival(peer: string): void {
    this.record(peer).expiredOnArrival++;
  }

  /** The estimated offset of `peer`'s clock, ms, or undefined while nothing tells it. */
  offsetOf(peer: string): number | undefined {
    return this.peers.get(peer)?.estimate;
  }

  /** What is known of `peer`'s clock. */
  clockOf(peer: string): PeerClock | undefined {
    const r = this.peers.get(peer);
    const offsetMs = r?.estimate;
    return r && offsetMs !== undefined ? { peer, offsetMs, expiredOnArrival: r.expiredOnArrival } : undefined;
  }

  /**
   * Peers whose clock is off by `thresholdMs` or more, or whose metrics arrived expired: how many,
   * and the first `limit` of them, the farthest off first.
   */
  skewed(thresholdMs: number, limit: number): { count: number; peers: PeerClock[] } {
    const all: PeerClock[] = [];
    for (const [peer, r] of this.peers) {
      const offsetMs = r.estimate;
      if (offsetMs === undefined) continue;
      if (Math.abs(offsetMs) >= thresholdMs || r.expiredOnArrival > 0) all.push({ peer, offsetMs, expiredOnArrival: r.expiredOnArrival });
    }
    all.sort((a, b) => Math.abs(b.offsetMs) - Math.abs(a.offsetMs) || (a.peer < b.peer ? -1 : 1));
    return { count: all.length, peers: all.slice(0, limit) };
  }

  forget(peer: string): void {
    this.peers.delete(peer);
  }

  private record(peer: string): PeerRecord {
    let r = this.peers.get(peer);
    if (r) return r;
    r = new PeerRecord();
    // The Map keeps insertion order: the peer first heard of goes (it comes back, as new, if it still sends).
    if (this.peers.size >= this.maxPeers) this.peers.delete(this.peers.keys().next().value!);
    this.peers.set(peer, r);
    return r;
  }
}
