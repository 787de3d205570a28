/**
 * MetricIntake: the bus edge of the monitor. Raw messages from NATS (live, or replayed from
 * JetStream) are decoded and checked here; what is well-formed goes to the supervisor, the rest is
 * counted by reason and logged at a rate limit, never thrown.
 */
import type { Clock } from "../clock.js";
import { partitionOf, Subjects, type MetricSubjectTail } from "../api/subjects.js";
import type { PeerSet } from "../api/types.js";
import { decodeMetricMessage, decodePeerSetMessage, type RejectReason, type WireMetric } from "../api/validate.js";
import { RateLimitedLog, type Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";

/** Where checked messages go (the supervisor). */
export interface IntakeTarget {
  /** False when the metric was not stored (the target counts why). */
  ingest(m: WireMetric, receivedAtMs?: number): boolean;
  applyPeerSet(ps: PeerSet): void;
}

export interface IntakeOptions {
  target: IntakeTarget;
  stats: MonitorStats;
  log: Logger;
  clock: Clock;
  prefix: string;
  /** Partition count of nats.conf's mappings: a partitioned subject must match its name's partition. */
  partitions: number;
  /** Minimum ms between two log lines about rejected input. */
  rejectLogIntervalMs: number;
}

export class MetricIntake {
  private readonly subjects: Subjects;
  private readonly tail: MetricSubjectTail = { offset: -1, partition: -1 };
  private readonly rejectLog: RateLimitedLog;

  constructor(private readonly o: IntakeOptions) {
    this.subjects = new Subjects(o.prefix);
    this.rejectLog = new RateLimitedLog(
      (f, m) => o.log.warn(f, m),
      o.rejectLogIntervalMs,
      () => o.clock.now(),
    );
  }

  /**
   * A metric message as it arrived on `subject`, at `receivedAtMs` (default: now; a replayed
   * metric carries the time the server stored it, converted to the monitor's clock).
   */
  receive(subject: string, data: Uint8Array, receivedAtMs?: number): void {
    const stats = this.o.stats;
    stats.metricsReceived++;
    const tail = this.subjects.metricTail(subject, this.tail);
    if (tail.partition >= 0) stats.metricsByPartition[tail.partition] = (stats.metricsByPartition[tail.partition] ?? 0) + 1;
    const decoded = decodeMetricMessage(data, subject, tail.offset);
    if (!decoded.ok) return this.reject(decoded.reason, subject);
    const m = decoded.value;
    if (tail.partition >= 0 && tail.partition !== partitionOf(m.n, this.o.partitions)) {
      return this.reject("subject_mismatch", subject);
    }
    this.o.target.ingest(m, receivedAtMs);
  }

  /**
   * A PeerSet message (live or replayed from JetStream); one over `maxBytes` (the server's limit,
   * as the peerset source knows it) is rejected as `too_large`.
   */
  receivePeerSet(data: Uint8Array, maxBytes?: number): void {
    const decoded = decodePeerSetMessage(data, maxBytes);
    if (!decoded.ok) return this.reject(decoded.reason, this.subjects.peerset);
    this.o.target.applyPeerSet(decoded.value);
  }

  private reject(reason: RejectReason, subject: string): void {
    this.o.stats.rejected[reason]++;
    this.rejectLog.note({ reason, subject, rejected: this.o.stats.rejectedTotal() }, "rejected a message");
  }
}
