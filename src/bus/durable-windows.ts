/**
 * Durable windows while a monitor runs: its checkpoint writer (checkpoint-writer.ts), the journal
 * of new windows between its rounds (window-journal.ts), and its answers to siblings that start
 * (window-transfer.ts). Started once the restore is over; stopped with a last checkpoint, so that a
 * restart finds the newest windows.
 */
import type { NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { Clock } from "../clock.js";
import type { MonitorConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { CheckpointWriter, type WindowSource } from "./checkpoint-writer.js";
import { TransferResponder } from "./window-transfer.js";
import { writerId } from "./checkpoint-turns.js";
import { WindowJournal, type JournalWindow } from "./window-journal.js";
import type { WindowChanges } from "../actors/window-changes.js";

export interface DurableWindowsOptions {
  config: MonitorConfig;
  nc: NatsConnection;
  clock: Clock;
  /** Randomness in [0, 1), for the checkpoint writer. */
  random: () => number;
  subjects: Subjects;
  windows: WindowSource;
  shardTag: string;
  /** Checkpoint buckets found in the stream at the restore, per partition. */
  stored: ReadonlyMap<number, number>;
  stats: MonitorStats;
  log: Logger;
  /** New windows and state changes, for the journal. */
  changes: WindowChanges<JournalWindow> | undefined;
}

export class DurableWindows {
  private constructor(
    private readonly writer: CheckpointWriter,
    private readonly journal: WindowJournal | undefined,
    private readonly responder: TransferResponder,
  ) {}

  static start(o: DurableWindowsOptions): DurableWindows {
    const common = {
      nc: o.nc,
      clock: o.clock,
      subjects: o.subjects,
      windows: o.windows,
      partitions: o.config.partitions,
      shardTag: o.shardTag,
      stats: o.stats,
      log: o.log,
    };
    const id = writerId(o.random);
    const journal = o.changes && new WindowJournal({ ...common, changes: o.changes, id });
    const writer = new CheckpointWriter({
      ...common,
      id,
      random: o.random,
      intervalMs: o.config.checkpointIntervalMs,
      refreshMs: o.config.windowRetentionMs / 4,
      stored: o.stored,
      covered: journal && ((startedAt, except) => journal.covered(startedAt, except)),
    });
    const responder = new TransferResponder(common);
    writer.start();
    journal?.start();
    responder.start();
    return new DurableWindows(writer, journal, responder);
  }

  /** Stops answering siblings and, given `withinMs`, writes a last checkpoint, giving up after that long. */
  async stop(withinMs?: number): Promise<void> {
    this.responder.stop();
    await this.journal?.stop();
    await this.writer.stop(withinMs);
  }
}
