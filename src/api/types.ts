/**
 * Wire types of the public contract (ARCHITECTURE.md, "Wire format"). Field keys on the wire follow
 * IPFS Cluster's msgpack codec tags; here they carry readable names. Integers that are int64 on the
 * wire (times in Unix nanoseconds, weight, ttl) are bigint, so no precision is lost.
 */

/** One metric pushed by a peer: IPFS Cluster's `api.Metric` plus an optional relative ttl. */
export interface Metric {
  /** `n`: metric name, one subject token. */
  name: string;
  /** `p`: peer id, one subject token. */
  peer: string;
  /** `v`: the measured value, as text. */
  value: string;
  /** `e`: absolute expiry in Unix ns on the sender's clock; used only when `ttl` is absent. */
  expire: bigint;
  /** `d`: whether the metric is valid; an invalid metric never arms a deadline. */
  valid: boolean;
  /** `w`: weight used by allocators. */
  weight: bigint;
  /** `o`: whether the metric is partitionable (IPFS Cluster tags). */
  partitionable: boolean;
  /** `t`: when the monitor received it, Unix ns on the monitor's clock (0 when not yet received). */
  receivedAt: bigint;
  /** `l`: time to live in ns, counted from `receivedAt` on the monitor's clock (immune to skew). */
  ttl?: bigint;
}

export type AlertKind = "firing" | "resolved";

/** Sent when a peer stops sending a metric (firing) and when it sends one again (resolved). */
export interface Alert extends Metric {
  /** `r`: when the monitor decided, Unix ns on its clock. */
  triggeredAt: bigint;
  /** `i`: ULID of this alert message. */
  id: string;
  /** `k`: firing or resolved. */
  kind: AlertKind;
  /**
   * `x`: the failure episode, as the ULID `i` of its first firing alert. Repeats of the firing
   * alert and the resolved alert that ends the episode carry it too.
   */
  episode: string;
  /** `m`: a silence matched when it was published: no sink delivers it. Omitted on the wire when false. */
  muted?: boolean;
}

/** The full set of current peers, published by the peer manager. */
export interface PeerSet {
  /** `s`: peer ids. */
  peers: string[];
  /** `i`: ULID of this snapshot. */
  id: string;
}

/**
 * A silence (a maintenance window): alerts of `peer` (for `name`, or for every name) reach no
 * sink until `endsAtMs`. Kept in the JetStream KV bucket `<PREFIX>_SILENCES` as JSON, one key per id.
 */
export interface Silence {
  /** ULID, the bucket key. */
  id: string;
  /** The metric name it covers; undefined covers every name of the peer. */
  name?: string;
  peer: string;
  /** When it was added, Unix ms on the adding client's clock. */
  startsAtMs: number;
  /** When it ends by itself, Unix ms; every monitor honours it on its own clock. */
  endsAtMs: number;
  /** Why (free text, bounded). */
  comment: string;
  /** Who added it (the OS user of the CLI, or what the SDK caller says). */
  createdBy: string;
}

export type SuspicionKind = "suspect" | "cleared";

/**
 * Early suspicion (ARCHITECTURE.md, "Suspicion"): a peer later than its own rhythm explains,
 * before its ttl runs out, on `<prefix>.suspects.<name>.<peer>`: the window's latest Metric plus
 * `r`, `i` and `k`. It never fires an alert; the next valid metric clears it (or the firing alert
 * supersedes it).
 */
export interface SuspicionEvent extends Metric {
  /** `r`: when the monitor decided, Unix ns on its wall clock. */
  triggeredAt: bigint;
  /** `i`: ULID of this event. */
  id: string;
  /** `k`: suspect or cleared. */
  kind: SuspicionKind;
}

export type DisruptionKind = "started" | "ended";

/**
 * Too many of a name's tracked peers late or expired at once: one event instead of one alert per
 * peer, on `<prefix>.disruption.<name>` as a plain msgpack map `{ n, k, f, c, i, r }`.
 */
export interface DisruptionEvent {
  /** `n`: the metric name. */
  name: string;
  /** `k`: started or ended. */
  kind: DisruptionKind;
  /** `f`: fraction of the name's tracked peers that were late or expired when decided (0..1). */
  fraction: number;
  /** `c`: how many peers that is. */
  count: number;
  /** `i`: ULID of this event. */
  id: string;
  /** `r`: when the monitor decided, Unix ns on its clock. */
  triggeredAt: bigint;
}
