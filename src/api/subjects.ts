/**
 * Subjects of the contract and the token rules for `<name>` and `<peer>`. Builders are bound to a
 * prefix once; the hot-path parser reads a metric subject without allocating.
 *
 * Public subjects (what publishers and query clients use):
 *   <prefix>.metrics.<name>.<peer>   <prefix>.latest.<name>   <prefix>.peer.<name>.<peer>
 *   <prefix>.peerset   <prefix>.alerts.<name>.<peer>   <prefix>.names
 *   <prefix>.disruption.<name> (events)   <prefix>.release.<name> (request: release a disruption)
 * With the repo's nats.conf the server rewrites the first three to partitioned subjects
 * (`<prefix>.part.<k>.metrics.<name>.<peer>` and so on, k = fnv1a32(name) mod partitions), so that a
 * shard subscribes only to the partitions it owns.
 */

const MAX_TOKEN_BYTES = 255;

/** Request header of `latest`: `Peermon-Exclude: suspect` leaves peers announced suspect out. */
export const EXCLUDE_HEADER = "Peermon-Exclude";
/**
 * Reply header of every successful `latest` and `peer` answer: the monitor's wall-clock time when it
 * answered, as decimal Unix nanoseconds, on the clock of the metrics' `t`. A client computes each
 * metric's remaining validity (`t + l − now`, or `e − now` without `l`) without trusting its own clock.
 */
export const NOW_HEADER = "Peermon-Now";
/**
 * Reply header of a `latest` answer that lists no metric while peers outside the peerset send the
 * name: those peers (the last few), comma separated. Their metrics are ignored; this says so
 * where the asker looks.
 */
export const NON_MEMBERS_HEADER = "Peermon-Non-Members";
/**
 * Reply header of a `latest` or `peer` answer that lists a metric brought back by a restart (from
 * a checkpoint, the journal of new windows or a sibling) and not replaced by a live one since: how
 * old the oldest such restore snapshot is, as decimal nanoseconds. The peer may have published
 * since that snapshot; its next metric replaces the restored one (docs/durability.md, "Freshness").
 */
export const RESTORED_AGE_HEADER = "Peermon-Restored-Age";
/** Whitespace, the token separator and the wildcards. */
const FORBIDDEN = /[\s.*>]/;

/** True when `s` is one NATS subject token as the contract allows: 1–255 bytes, no whitespace, `.`, `*`, `>`. */
export function isValidToken(s: unknown): s is string {
  if (typeof s !== "string" || s.length === 0) return false;
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no byte count.
  if (s.length > MAX_TOKEN_BYTES / 3 && Buffer.byteLength(s, "utf8") > MAX_TOKEN_BYTES) return false;
  return !FORBIDDEN.test(s);
}

/** nats-server's partition(): FNV-1a 32 over the token's UTF-8 bytes, modulo the partition count. */
export function partitionOf(token: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 0x80) return partitionOfBytes(Buffer.from(token, "utf8"), partitions);
    h = Math.imul(h ^ c, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

function partitionOfBytes(bytes: Uint8Array, partitions: number): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0) % partitions;
}

/** Where the `<name>.<peer>` tail of a metric subject starts, and through which partition it came. */
export interface MetricSubjectTail {
  /** Index of `<name>` in the subject; -1 when the subject is not a metric subject. */
  offset: number;
  /** Partition token of a partitioned subject, or -1 for the public form. */
  partition: number;
}

export class Subjects {
  readonly metricsAll: string;
  readonly partitionedMetricsAll: string;
  readonly peerset: string;
  readonly alertsAll: string;
  readonly alertLogAll: string;
  /** Suspicion events of every window, and their internal log. */
  readonly suspectsAll: string;
  readonly suspectLogAll: string;
  /** Disruption events of every name (`<prefix>.disruption.*`). */
  readonly disruptionsAll: string;
  readonly disruptionLogAll: string;
  /** Release requests of every name (every monitor listens; the name's shard answers). */
  readonly releaseAll: string;
  readonly names: string;
  /** Internal: every instance answers with its shard's names (scatter/gather for `names`). */
  readonly internalNames: string;
  private readonly metricsHead: string;
  private readonly partHead: string;

  constructor(readonly prefix: string) {
    this.metricsHead = `${prefix}.metrics.`;
    this.partHead = `${prefix}.part.`;
    this.metricsAll = `${prefix}.metrics.>`;
    this.partitionedMetricsAll = `${prefix}.part.*.metrics.>`;
    this.peerset = `${prefix}.peerset`;
    this.alertsAll = `${prefix}.alerts.>`;
    this.alertLogAll = `${prefix}.alertlog.>`;
    this.suspectsAll = `${prefix}.suspects.>`;
    this.suspectLogAll = `${prefix}.suspectlog.>`;
    this.disruptionsAll = `${prefix}.disruption.*`;
    this.disruptionLogAll = `${prefix}.disruptionlog.*`;
    this.releaseAll = `${prefix}.release.*`;
    this.names = `${prefix}.names`;
    this.internalNames = `${prefix}.internal.names`;
  }

  metric(name: string, peer: string): string {
    return `${this.metricsHead}${name}.${peer}`;
  }

  partitionedMetrics(partition: number | "*"): string {
    return `${this.partHead}${partition}.metrics.>`;
  }

  /**
   * Exactly the metric subjects (two tokens after `metrics`) of a partition, or of the public form
   * when `partition` is undefined: what JetStream filters on (a filter must lie within the stream's
   * subjects, and `>` does not lie within `*.*`).
   */
  metricFilter(partition?: number | "*"): string {
    return partition === undefined ? `${this.metricsHead}*.*` : `${this.partHead}${partition}.metrics.*.*`;
  }

  alert(name: string, peer: string): string {
    return `${this.prefix}.alerts.${name}.${peer}`;
  }

  /** Internal: the alert log subject of a (name, peer); the monitor that logs an alert publishes it on `alert()`. */
  alertLog(name: string, peer: string): string {
    return `${this.prefix}.alertlog.${name}.${peer}`;
  }

  /** Where early suspicion of a peer is announced: the latest Metric plus `r`, `i`, `k`. */
  suspects(name: string, peer: string): string {
    return `${this.prefix}.suspects.${name}.${peer}`;
  }

  /** Subscription subject for suspicion events, narrowed to a name and/or a peer. */
  suspectsFilter(name?: string, peer?: string): string {
    return `${this.prefix}.suspects.${name ?? "*"}.${peer ?? "*"}`;
  }

  /** Internal: the suspicion log subject of a (name, peer); the monitor that logs an event publishes it on `suspects()`. */
  suspectLog(name: string, peer: string): string {
    return `${this.prefix}.suspectlog.${name}.${peer}`;
  }

  /** Where a disruption of `name` is announced: `{ n, k, f, c, i, r }`. */
  disruption(name: string): string {
    return `${this.prefix}.disruption.${name}`;
  }

  /** Internal: the disruption log subject of a name; the monitor that logs an event publishes it on `disruption()`. */
  disruptionLog(name: string): string {
    return `${this.prefix}.disruptionlog.${name}`;
  }

  /** Request: release the held alerts of `name` (`peermon disruption release`). */
  release(name: string): string {
    return `${this.prefix}.release.${name}`;
  }

  /**
   * Internal: one bucket of a partition's checkpoint (`checkpoint-writer.ts`), or a slot of the
   * journal of new windows (`j<writer>-<slot>`, `window-journal.ts`); `"*"` for a filter. Two tokens
   * after `checkpoint`, so that a stream filter of one partition is `checkpoint.<k>.*`.
   */
  checkpoint(partition: number | "*", bucket: number | string): string {
    return `${this.prefix}.checkpoint.${partition}.${bucket}`;
  }

  /**
   * Internal: where the replicas of one shard (`all`, or `<index>-of-<count>`) hand their windows
   * to a replica that starts (`window-transfer.ts`) and announce their checkpoint rounds.
   */
  windowTransfer(shardTag: string): string {
    return `${this.prefix}.internal.windows.${shardTag}`;
  }

  checkpointed(shardTag: string): string {
    return `${this.prefix}.internal.checkpointed.${shardTag}`;
  }

  /**
   * Name of one of peermon's JetStream streams (or KV buckets): `PEERMON_PEERSET`, `PEERMON_ALERTS`,
   * `PEERMON_WINDOWS` (checkpoints), ...
   */
  stream(kind: "PEERSET" | "ALERTS" | "WINDOWS" | "DISRUPTIONS" | "SILENCES" | "SUSPECTS"): string {
    return `${this.prefix.toUpperCase().replace(/[^A-Z0-9_-]/g, "_")}_${kind}`;
  }

  /** Subscription subject for alerts, narrowed to a name and/or a peer. */
  alertFilter(name?: string, peer?: string): string {
    return `${this.prefix}.alerts.${name ?? "*"}.${peer ?? "*"}`;
  }

  latest(name: string): string {
    return `${this.prefix}.latest.${name}`;
  }

  peer(name: string, peer: string): string {
    return `${this.prefix}.peer.${name}.${peer}`;
  }

  /**
   * A peer's failure history. Not partitioned (it needs no server mapping): every shard hears it
   * and the one that owns the name answers.
   */
  history(name: string, peer: string): string {
    return `${this.prefix}.history.${name}.${peer}`;
  }

  historyEndpoint(): string {
    return `${this.prefix}.history.*.*`;
  }

  /** Query subjects as a monitor listens to them: public form, or partitioned (`k` or `*`). */
  latestEndpoint(partition?: number | "*"): string {
    return partition === undefined ? `${this.prefix}.latest.*` : `${this.partHead}${partition}.latest.*`;
  }

  peerEndpoint(partition?: number | "*"): string {
    return partition === undefined ? `${this.prefix}.peer.*.*` : `${this.partHead}${partition}.peer.*.*`;
  }

  /**
   * Locates `<name>.<peer>` in a metric subject, public or partitioned, without allocating.
   * The caller still checks that the tail holds exactly the payload's name and peer.
   */
  metricTail(subject: string, out: MetricSubjectTail): MetricSubjectTail {
    out.offset = -1;
    out.partition = -1;
    if (subject.startsWith(this.metricsHead)) {
      out.offset = this.metricsHead.length;
      return out;
    }
    if (!subject.startsWith(this.partHead)) return out;
    let i = this.partHead.length;
    let k = 0;
    const digitsStart = i;
    for (let c = subject.charCodeAt(i); c >= 48 && c <= 57; c = subject.charCodeAt(++i)) k = k * 10 + (c - 48);
    if (i === digitsStart || !subject.startsWith(".metrics.", i)) return out;
    out.offset = i + ".metrics.".length;
    out.partition = k;
    return out;
  }

  /** The last token(s) of a query subject: `[name]` for latest, `[name, peer]` for peer. */
  queryTokens(subject: string, count: 1 | 2): string[] {
    const tokens = subject.split(".");
    return tokens.slice(tokens.length - count);
  }
}

/** True when `subject`, from `offset`, is exactly `<name>.<peer>`. */
export function tailMatches(subject: string, offset: number, name: string, peer: string): boolean {
  return (
    subject.length === offset + name.length + 1 + peer.length &&
    subject.startsWith(name, offset) &&
    subject.charCodeAt(offset + name.length) === 46 &&
    subject.endsWith(peer)
  );
}
