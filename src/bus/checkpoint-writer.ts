/**
 * CheckpointWriter: every interval, the windows of each owned partition go to the checkpoint
 * stream (checkpoint-stream.ts) in buckets of ~256 KiB: the server writes each window once per
 * interval, however many metrics it received, instead of storing every metric.
 *
 * - A bucket is written only when one of its windows changed since this writer last wrote it, or
 *   when that write is a quarter of the retention old (the server drops what nobody rewrites).
 * - A partition's bucket count follows its window count (a power of two, with hysteresis); when
 *   it shrinks, the buckets no longer used are overwritten with empty batches.
 * - Replicas of a shard take turns (checkpoint-turns.ts): a sibling that hears a round moves its
 *   own next round to half an interval after the writer's next one, finds that one fresh and
 *   skips: the server writes once per shard, not once per replica, and a sibling takes over when
 *   the writer stops.
 * - A completed round, this writer's or a sibling's, covers what the journal of new windows
 *   (window-journal.ts) wrote before it started: the journal frees those slots.
 * - Buckets are written one at a time with a turn of the event loop between them, at most
 *   `checkpointsInFlight` awaiting the server: metrics and deadlines keep flowing meanwhile.
 */
import type { NatsConnection } from "nats";
import { partitionOf, type Subjects } from "../api/subjects.js";
import type { Clock, TimerHandle } from "../clock.js";
import { TUNING } from "../config.js";
import { RateLimitedLog, type Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { MAX_BUCKETS, bucketCount, splitIntoBuckets } from "../window/buckets.js";
import { msToNs } from "../window/deadline.js";
import type { MetricWindow } from "../window/metric-window.js";
import { BATCH_BYTES_PER_WINDOW, encodeWindowBatch } from "../window/window-batch.js";
import { CheckpointTurns } from "./checkpoint-turns.js";
import { maxPayloadOf } from "./jetstream.js";

/** What the writer copies: each metric name with its windows (the supervisor's views). */
export interface WindowSource {
  metricWindows(): Iterable<[string, Iterable<MetricWindow>]>;
}

export interface CheckpointWriterOptions {
  nc: NatsConnection;
  clock: Clock;
  /** Randomness in [0, 1): the writer's id, and the spread of its rounds among replicas. */
  random: () => number;
  subjects: Subjects;
  windows: WindowSource;
  /** The partition count of nats.conf's mappings. */
  partitions: number;
  /** Where sibling replicas announce rounds: `all` or `<index>-of-<count>`. */
  shardTag: string;
  intervalMs: number;
  /** An unchanged bucket is rewritten after this long, ms. */
  refreshMs: number;
  /** Buckets already in the stream per partition (read at the restore). */
  stored?: ReadonlyMap<number, number>;
  /** This writer's id (announcements). */
  id: string;
  /** Hears that every window held at `startedAt` (ms) is in the checkpoints, but those of partitions `except`: the journal cleans up. */
  covered?: (startedAt: number, except?: ReadonlySet<number>) => Promise<void>;
  stats: MonitorStats;
  log: Logger;
}

export interface RoundReport {
  /** Buckets written (stored by the server) and their bytes. */
  batches: number;
  bytes: number;
  failed: number;
  /** Partitions with a bucket the server did not store. */
  failedIn: Set<number>;
  windows: number;
  ms: number;
}

interface Written {
  /** When its batch was encoded: ms on the monotonic clock, and ns on the wall clock (as receive times `t`). */
  atMs: number;
  atNs: bigint;
  windows: number;
}

/** A turn of the event loop: metrics and deadlines queued meanwhile go first. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Work between two turns of the event loop, ms: a round never holds the loop longer. */
const SLICE_MS = 5;

/** Windows split into buckets between two checks for a turn of the event loop. */
const SPLIT_CHUNK = 4_096;

/** A sibling's announcement is heard this long after its round started, at most, beyond the round's own length, ms. */
const ANNOUNCEMENT_SLACK_MS = 1_000;

export class CheckpointWriter {
  private readonly turns: CheckpointTurns;
  /** Per partition, the bucket count it is written with now. */
  private readonly buckets = new Map<number, number>();
  /** Per bucket subject, this writer's last write of it. */
  private readonly written = new Map<string, Written>();
  private readonly failureLog: RateLimitedLog;
  private siblingRoundAt = -Infinity;
  private timer: TimerHandle | undefined;
  private running: Promise<RoundReport> | undefined;
  private inRound = false;
  private stopped = false;
  /** Rounds stop writing at this time (set by `stop`), ms. */
  private cutoff = Infinity;
  /** When the current slice of work between two turns of the event loop began, ms. */
  private sliceStart = 0;
  /** A window's bytes in a batch, as measured; it only grows, so that bucket counts stay put. */
  private bytesPerWindow = BATCH_BYTES_PER_WINDOW;

  constructor(private readonly o: CheckpointWriterOptions) {
    this.turns = new CheckpointTurns(o.nc, o.subjects, o.shardTag, o.id);
    for (const [k, n] of o.stored ?? []) this.buckets.set(k, n);
    this.failureLog = new RateLimitedLog(
      (f, m) => o.log.warn(f, m),
      10_000,
      () => o.clock.now(),
    );
  }

  /** Writes a round every interval from now on (the first after a random part of one, so that replicas fall out of step). */
  start(): void {
    this.turns.listen((roundMs) => this.siblingWrote(roundMs));
    this.schedule(this.o.intervalMs * (0.5 + this.o.random() / 2));
  }

  /**
   * Stops the rounds. With `finalWithinMs`, first writes what changed since the last round (a
   * restart then finds the newest windows), giving up after that long.
   */
  async stop(finalWithinMs?: number): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.turns.stop();
    this.cutoff = this.o.clock.now() + (finalWithinMs ?? 0);
    await this.running?.catch(() => undefined);
    if (finalWithinMs !== undefined && this.o.clock.now() < this.cutoff) await this.round();
  }

  /** Writes every bucket that changed; resolves when the server stored them. */
  round(): Promise<RoundReport> {
    const run = this.writeRound();
    this.running = run;
    return run;
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = this.o.clock.setTimer(() => this.tick(), ms);
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    // A sibling wrote this interval's round: this one would write the same windows again.
    if (this.o.clock.now() - this.siblingRoundAt < this.o.intervalMs * 0.9) return this.schedule(this.o.intervalMs);
    this.inRound = true;
    const startedAt = this.o.clock.now();
    this.round()
      .then(
        (r) => this.o.log.debug(r, "checkpoint written"),
        (err) => this.failureLog.note({ err: (err as Error).message }, "checkpoint round failed: retried next interval"),
      )
      .finally(() => {
        this.inRound = false;
        // Rounds start an interval apart (a long round does not push the next one back).
        if (!this.stopped) this.schedule(Math.max(0, startedAt + this.o.intervalMs - this.o.clock.now()));
      });
  }

  /**
   * A sibling announced a round: the next tick moves to between a quarter and three quarters of an
   * interval after the sibling's next one (random, so that two replicas that wrote at the same
   * moment fall apart). There it finds the sibling's round fresh and skips; it writes only when the
   * sibling stopped writing (at most 1.75 intervals after the sibling's last round).
   */
  private siblingWrote(roundMs: number | undefined): void {
    this.siblingRoundAt = this.o.clock.now();
    if (roundMs !== undefined) void this.o.covered?.(this.siblingRoundAt - roundMs - ANNOUNCEMENT_SLACK_MS);
    if (!this.inRound && !this.stopped) this.schedule(this.o.intervalMs * (1.25 + this.o.random() / 2));
  }

  private async writeRound(): Promise<RoundReport> {
    const started = this.o.clock.now();
    const report: RoundReport = { batches: 0, bytes: 0, failed: 0, failedIn: new Set(), windows: 0, ms: 0 };
    const byPartition = await this.collect();
    const partitions = [...new Set([...byPartition.keys(), ...this.buckets.keys()])].sort((a, b) => a - b);
    const pending = new Set<Promise<void>>();
    let cutShort = false;
    for (const k of partitions) {
      const windows = byPartition.get(k) ?? [];
      report.windows += windows.length;
      await this.writePartition(k, windows, report, pending);
      if ((cutShort = this.o.clock.now() >= this.cutoff)) break;
    }
    await Promise.all(pending);
    report.ms = Math.round(this.o.clock.now() - started);
    if (report.failed === 0 && !cutShort) this.turns.announce(report.ms);
    if (!cutShort) await this.o.covered?.(started, report.failedIn);
    this.o.stats.checkpointRounds++;
    this.o.stats.checkpointRoundMs = report.ms;
    return report;
  }

  /** The windows of each partition, a name at a time with a turn of the event loop after each. */
  private async collect(): Promise<Map<number, MetricWindow[]>> {
    const out = new Map<number, MetricWindow[]>();
    for (const [name, windows] of this.o.windows.metricWindows()) {
      const k = partitionOf(name, this.o.partitions);
      let list = out.get(k);
      if (!list) out.set(k, (list = []));
      for (const w of windows) list.push(w);
      await this.maybeTurn();
    }
    return out;
  }

  private async writePartition(k: number, windows: MetricWindow[], report: RoundReport, pending: Set<Promise<void>>) {
    const before = this.buckets.get(k) ?? 0;
    let count = this.layout(windows.length, before);
    for (;;) {
      const fresh = count !== before;
      const tooLarge = await this.writeBuckets(k, await this.split(windows, count), fresh, report, pending);
      if (!tooLarge || count >= MAX_BUCKETS) break;
      this.bytesPerWindow *= 2; // a bucket outgrew a message: split finer, measured from now on
      count = Math.min(MAX_BUCKETS, count * 2);
    }
    // Buckets of a larger layout that are no longer used: empty them, so a restore finds no stale windows.
    for (let b = count; b < before; b++) this.send(k, this.o.subjects.checkpoint(k, b), [], report, pending);
    if (count > 0) this.buckets.set(k, count);
    else this.buckets.delete(k);
  }

  /** Bucket count for `windows`: what they need, or the current count while that is no more than 4x what they need. */
  private layout(windows: number, current: number): number {
    const target = Math.min(TUNING.windowBatchBytes, maxPayloadOf(this.o.nc) / 4);
    const needed = bucketCount(windows, this.bytesPerWindow, target);
    return needed <= current && needed * 4 > current ? current : needed;
  }

  /** Writes the changed buckets; true when one was too large for a message (nothing more written then). */
  private async writeBuckets(k: number, buckets: MetricWindow[][], fresh: boolean, report: RoundReport, pending: Set<Promise<void>>): Promise<boolean> {
    const now = this.o.clock.now();
    for (let b = 0; b < buckets.length; b++) {
      const subject = this.o.subjects.checkpoint(k, b);
      const bucket = buckets[b]!;
      if (!fresh && !this.changed(subject, bucket, now)) continue;
      if (!this.send(k, subject, bucket, report, pending)) return true;
      while (pending.size >= TUNING.checkpointsInFlight) await Promise.race(pending);
      await this.maybeTurn();
      if (this.o.clock.now() >= this.cutoff) return false;
    }
    return false;
  }

  /** `windows` split into `count` buckets, a slice at a time (100k peer ids to hash at 1M windows would hold the loop). */
  private async split(windows: readonly MetricWindow[], count: number): Promise<MetricWindow[][]> {
    const out = splitIntoBuckets<MetricWindow>([], count);
    for (let i = 0; i < windows.length; i += SPLIT_CHUNK) {
      splitIntoBuckets(windows.slice(i, i + SPLIT_CHUNK), count, out);
      await this.maybeTurn();
    }
    return out;
  }

  /** A turn of the event loop once the current slice of work is used up. */
  private async maybeTurn(): Promise<void> {
    if (this.o.clock.now() - this.sliceStart < SLICE_MS) return;
    await turn();
    this.sliceStart = this.o.clock.now();
  }

  private changed(subject: string, bucket: readonly MetricWindow[], now: number): boolean {
    const last = this.written.get(subject);
    if (!last || last.windows !== bucket.length || now - last.atMs >= this.o.refreshMs) return true;
    for (const w of bucket) if (w.latestReceivedAt() >= last.atNs) return true;
    return false;
  }

  /** Encodes and publishes one bucket; false when it is too large for a message. */
  private send(k: number, subject: string, bucket: readonly MetricWindow[], report: RoundReport, pending: Set<Promise<void>>): boolean {
    const atMs = this.o.clock.now();
    // `c`, as every `t` in the windows, is on the wall clock: their difference is on one clock.
    const written: Written = { atMs, atNs: msToNs(this.o.clock.wallNow()), windows: bucket.length };
    const data = encodeWindowBatch(bucket, written.atNs);
    if (data.length > maxPayloadOf(this.o.nc) - 4_096) return false;
    if (bucket.length > 0) this.bytesPerWindow = Math.max(this.bytesPerWindow, Math.ceil(data.length / bucket.length));
    const stats = this.o.stats;
    const p = this.o.nc
      .jetstream()
      .publish(subject, data, { timeout: TUNING.checkpointTimeoutMs })
      .then(
        () => {
          this.written.set(subject, written);
          report.batches++;
          report.bytes += data.length;
          stats.checkpointBatches++;
          stats.checkpointBytes += data.length;
        },
        (err: Error) => {
          this.written.delete(subject); // written again next round
          report.failed++;
          report.failedIn.add(k);
          stats.checkpointFailures++;
          this.failureLog.note({ subject, err: err.message }, "a checkpoint bucket was not stored: written again next round");
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
    return true;
  }
}
