/**
 * Durable windows while a monitor runs: its checkpoint writer (checkpoint-writer.ts) and its
 * answers to siblings that start (window-transfer.ts). Started once the restore is over; stopped
 * with a last checkpoint, so that a restart finds the newest windows.
 */
import type { NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { Clock } from "../clock.js";
import type { MonitorConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { CheckpointWriter, type WindowSource } from "./checkpoint-writer.js";
import { TransferResponder } from "./window-transfer.js";

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
}

export class DurableWindows {
  private constructor(
    private readonly writer: CheckpointWriter,
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
    const writer = new CheckpointWriter({
      ...common,
      random: o.random,
      intervalMs: o.config.checkpointIntervalMs,
      refreshMs: o.config.windowRetentionMs / 4,
      stored: o.stored,
    });
    const responder = new TransferResponder(common);
    writer.start();
    responder.start();
    return new DurableWindows(writer, responder);
  }

  /** Stops answering siblings and, given `withinMs`, writes a last checkpoint, giving up after that long. */
  async stop(withinMs?: number): Promise<void> {
    this.responder.stop();
    await this.writer.stop(withinMs);
  }
}
