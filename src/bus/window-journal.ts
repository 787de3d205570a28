/**
 * WindowJournal: the windows no checkpoint round has carried yet, written within a fraction of a
 * second, so that a window that has existed for one second survives a crash of a lone monitor
 * (docs/durability.md). Rounds (checkpoint-writer.ts) write every window at their interval; in
 * between, the windows created by a live metric and those whose state changed (WindowChanges) go
 * out TUNING.journalDelayMs after the first of them: their newest metric in window batches
 * (window-batch.ts) of about TUNING.windowBatchBytes, on `<prefix>.checkpoint.<partition>.j<writer>-<n>`
 * in the checkpoint stream. A restore reads them with the buckets (the last message of each
 * subject) and keeps each window's newest metric, so nothing changes there. Metrics that only
 * refresh a window are not journaled: the server does not go back to storing every metric.
 *
 * Each message has a subject of its own (the stream keeps one message per subject) and is deleted
 * once a checkpoint round that started after it was written has completed, this writer's or a
 * sibling replica's (its announcement): the stream holds only what no round carries yet. One that
 * could not be deleted (the writer died first) is dropped by the stream's retention; until then a
 * restore reads it, harmlessly: a metric older than what the checkpoints hold is dropped as stale.
 */
import type { JetStreamManager, NatsConnection } from "nats";
import { partitionOf, type Subjects } from "../api/subjects.js";
import type { WindowChanges } from "../actors/window-changes.js";
import type { Clock, TimerHandle } from "../clock.js";
import { TUNING } from "../config.js";
import { RateLimitedLog, type Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { msToNs } from "../window/deadline.js";
import type { MetricWindow } from "../window/metric-window.js";
import { BATCH_BYTES_PER_WINDOW, encodeWindowBatch } from "../window/window-batch.js";
import { maxPayloadOf } from "./jetstream.js";

/** What the journal reads of a window. */
export interface JournalWindow {
  readonly name: string;
  readonly freed: boolean;
  readonly metrics: MetricWindow;
}

export interface WindowJournalOptions {
  nc: NatsConnection;
  clock: Clock;
  subjects: Subjects;
  /** The partition count of nats.conf's mappings. */
  partitions: number;
  changes: WindowChanges<JournalWindow>;
  /** This writer's id (checkpoint-turns.ts), in its subjects. */
  id: string;
  stats: MonitorStats;
  log: Logger;
}

/** One message of the journal: its partition, its sequence in the stream, and when its windows were read (ms, monotonic). */
interface Written {
  k: number;
  seq: number;
  atMs: number;
}

/** A message the server did not take: its bytes, sent again with the next write (no window is held meanwhile). */
interface Unsent {
  k: number;
  data: Uint8Array;
  atMs: number;
  windows: number;
}

export class WindowJournal {
  /** The messages stored and not covered by a round yet, oldest first. */
  private written: Written[] = [];
  private unsent: Unsent[] = [];
  private next = 0;
  private jsm: JetStreamManager | undefined;
  private readonly failureLog: RateLimitedLog;
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: WindowJournalOptions) {
    this.failureLog = new RateLimitedLog(
      (f, m) => o.log.warn(f, m),
      10_000,
      () => o.clock.now(),
    );
  }

  /** Writes what is noted from now on (and what already waits). */
  start(): void {
    this.o.changes.listen(() => this.schedule());
  }

  /** Stops writing; a last checkpoint round (a graceful stop) carries what was noted. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.o.changes.listen(undefined);
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.flushing;
  }

  /**
   * Every window held at `startedAt` (ms) is in the checkpoints now, but in partitions `except` (a
   * bucket there was not stored): the messages written before are deleted. Resolves once the
   * server answered (a failed deletion is left to the retention).
   */
  async covered(startedAt: number, except?: ReadonlySet<number>): Promise<void> {
    const isDone = (w: Written) => w.atMs < startedAt && !except?.has(w.k);
    const done = this.written.filter(isDone);
    if (done.length === 0) return;
    this.written = this.written.filter((w) => !isDone(w));
    if (this.o.nc.isClosed()) return;
    this.jsm ??= await this.o.nc.jetstreamManager({ timeout: TUNING.appendTimeoutMs, checkAPI: false });
    const stream = this.o.subjects.stream("WINDOWS");
    await Promise.all(done.map((w) => this.jsm!.streams.deleteMessage(stream, w.seq, false).catch(() => undefined)));
  }

  /** Writes what was noted so far; resolves when the server has it (or said no: noted again). */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
      if (this.o.changes.size > 0 || this.unsent.length > 0) this.schedule();
    });
    return this.flushing;
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined || this.flushing) return;
    this.timer = this.o.clock.setTimer(() => {
      this.timer = undefined;
      void this.flush();
    }, TUNING.journalDelayMs);
  }

  private async write(): Promise<void> {
    const byPartition = new Map<number, JournalWindow[]>();
    for (const w of this.o.changes.take()) {
      if (w.freed || w.metrics.size === 0) continue;
      const k = partitionOf(w.name, this.o.partitions);
      let list = byPartition.get(k);
      if (!list) byPartition.set(k, (list = []));
      list.push(w);
    }
    const perBatch = Math.max(1, Math.floor(TUNING.windowBatchBytes / BATCH_BYTES_PER_WINDOW));
    const messages = this.unsent.splice(0);
    for (const [k, windows] of byPartition) {
      for (let i = 0; i < windows.length; i += perBatch) this.encode(k, windows.slice(i, i + perBatch), messages);
    }
    await Promise.all(messages.map((m) => this.publish(m)));
  }

  /** The message of `windows` of partition `k` (two when too large for one), read now: no window is held after this. */
  private encode(k: number, windows: readonly JournalWindow[], into: Unsent[]): void {
    const atMs = this.o.clock.now();
    const data = encodeWindowBatch(
      windows.map((w) => w.metrics),
      msToNs(this.o.clock.wallNow()),
    );
    if (data.length > maxPayloadOf(this.o.nc) - 4_096 && windows.length > 1) {
      const half = Math.ceil(windows.length / 2);
      this.encode(k, windows.slice(0, half), into);
      this.encode(k, windows.slice(half), into);
      return;
    }
    into.push({ k, data, atMs, windows: windows.length });
  }

  /** Stores one message; one the server did not take is sent again with the next write. */
  private async publish(m: Unsent): Promise<void> {
    try {
      const ack = await this.o.nc.jetstream().publish(this.subject(m.k), m.data, { timeout: TUNING.checkpointTimeoutMs });
      this.written.push({ k: m.k, seq: ack.seq, atMs: m.atMs });
      this.o.stats.journalBatches++;
      this.o.stats.journalWindows += m.windows;
    } catch (err) {
      this.o.stats.journalFailures++;
      this.unsent.push(m);
      this.failureLog.note({ err: (err as Error).message }, "new windows were not journaled: written again shortly");
    }
  }

  /** A subject of its own for each message: `<prefix>.checkpoint.<k>.j<writer>-<n>`. */
  private subject(k: number): string {
    return this.o.subjects.checkpoint(k, `j${this.o.id}-${this.next++}`);
  }
}
