/**
 * What a monitor restores at start: its windows, and its open alert episodes (from the alert log).
 * Windows come from a live sibling replica of the shard when one answers (fresh: the state it
 * holds now), else from the checkpoints of the shard's partitions (at most an interval old), and
 * for partitions a transfer left unfinished, from checkpoints too. Each window gets its newest
 * metric (and its newest valid one when the newest is invalid); history deeper than that is not
 * restored. Best effort: a failure is logged and the monitor starts without what failed.
 */
import type { NatsConnection, JetStreamManager } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { WireMetric } from "../api/validate.js";
import type { Supervisor } from "../actors/supervisor.js";
import type { MonitorConfig } from "../config.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import type { Ownership } from "./ownership.js";
import { ensureCheckpointStream, readCheckpoints } from "./checkpoint-stream.js";
import { openEpisodes } from "./stream-replay.js";
import { takeWindowsFromSibling } from "./window-transfer.js";

export interface RestoreContext {
  config: MonitorConfig;
  nc: NatsConnection;
  jsm: JetStreamManager;
  clock: Clock;
  subjects: Subjects;
  sup: Supervisor;
  stats: MonitorStats;
  /** The names and partitions this instance owns. */
  ownership: Ownership;
  log: Logger;
}

export interface RestoredWindows {
  source: "sibling" | "checkpoints" | "sibling and checkpoints" | "nothing";
  /** Metrics applied (a window's newest, and its newest valid one when that differs). */
  metrics: number;
  /** Per partition, the checkpoint buckets found in the stream (for the checkpoint writer). */
  stored: Map<number, number>;
}

/**
 * Brings this shard's windows back: from a sibling, else from checkpoints (a failure is logged).
 * Without durable windows nothing comes back.
 */
export async function restoreWindows(c: RestoreContext): Promise<RestoredWindows> {
  const started = c.clock.now();
  const restored: RestoredWindows = { source: "nothing", metrics: 0, stored: new Map() };
  if (!c.config.durableWindows) return restored;
  const apply = (m: WireMetric, receivedAtMs: number, snapshotAtMs: number) => {
    if (c.sup.restore(m, receivedAtMs, snapshotAtMs)) restored.metrics++;
  };
  let pending: number[] | undefined = c.ownership.partitions;
  try {
    await ensureCheckpointStream(c.jsm, c.subjects, { replicas: c.config.streamReplicas, retentionMs: c.config.windowRetentionMs });
    const sibling = await takeWindowsFromSibling({ ...c, shardTag: c.ownership.tag, partitions: c.config.partitions, apply });
    if (sibling) {
      restored.source = "sibling";
      if (sibling.failure) {
        c.log.warn(
          { err: sibling.failure, complete: sibling.complete.size, of: sibling.partitions.length },
          "a sibling's transfer stopped short: the rest from checkpoints",
        );
        pending = (c.ownership.partitions ?? allPartitions(c.config.partitions)).filter((k) => !sibling.complete.has(k));
      } else pending = [];
    }
    if (pending === undefined || pending.length > 0) {
      const read = await readCheckpoints(c.nc, c.clock, c.subjects, pending, apply);
      restored.stored = read.stored;
      if (read.rejected > 0) c.log.warn({ rejected: read.rejected }, "checkpoint entries that were not metrics: skipped");
      if (read.batches > 0) restored.source = sibling ? "sibling and checkpoints" : "checkpoints";
    }
  } catch (err) {
    c.log.warn({ err: (err as Error).message }, "cannot restore windows: starting with those restored so far");
  }
  c.stats.windowsRestored = c.sup.windowCount;
  c.log.info(
    { source: restored.source, windows: c.sup.windowCount, metrics: restored.metrics, ms: Math.round(c.clock.now() - started) },
    "window restore finished",
  );
  return restored;
}

function allPartitions(count: number): number[] {
  return Array.from({ length: count }, (_, k) => k);
}

/** What restoring open episodes needs. */
export interface EpisodeRestore {
  nc: NatsConnection;
  clock: Clock;
  subjects: Subjects;
  sup: Supervisor;
  owns: (name: string) => boolean;
  log: Logger;
}

/** Windows whose episode was alerted before this start begin `alerted` (best effort: a failure is logged). */
export async function restoreEpisodes({ nc, clock, subjects, sup, owns, log }: EpisodeRestore) {
  try {
    const open = await openEpisodes(nc, clock, subjects, owns);
    sup.episodesRestored(open);
    if (open.length > 0) log.info({ episodes: open.length }, "open alert episodes restored from the alert log");
  } catch (err) {
    log.warn({ err: (err as Error).message }, "cannot read open episodes from the alert log: a return may go unannounced");
  }
}
