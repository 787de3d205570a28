/**
 * What a monitor restores at start, from JetStream: its windows (the window stream, replayed
 * through the live gate) and its open alert episodes (the alert log). Best effort: a failure is
 * logged and the monitor starts without them.
 */
import type { NatsConnection, JetStreamManager } from "nats";
import { partitionOf, type Subjects } from "../api/subjects.js";
import type { Supervisor } from "../actors/supervisor.js";
import type { MonitorConfig } from "../config.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import { ensureWindowStream, openEpisodes, replayWindows } from "./window-store.js";
import type { LiveGate } from "./live-gate.js";

/** Replays the durable windows of `filters` through the gate; resolves with the metrics replayed (a failure is logged). */
export async function restoreWindows(
  config: MonitorConfig,
  nc: NatsConnection,
  clock: Clock,
  jsm: JetStreamManager,
  subjects: Subjects,
  filters: string[],
  gate: LiveGate,
  log: Logger,
): Promise<number> {
  try {
    await ensureWindowStream(jsm, subjects, {
      capacity: config.windowCapacity,
      retentionMs: config.windowRetentionMs,
      replicas: config.streamReplicas,
    });
    const started = clock.now();
    const count = await replayWindows(nc, clock, subjects, filters, (s, d, at) => gate.replayed(s, d, at!));
    log.debug({ metrics: count, ms: Math.round(clock.now() - started) }, "durable windows replayed");
    return count;
  } catch (err) {
    log.warn({ err: (err as Error).message }, "cannot restore windows from JetStream: starting with empty windows");
    return 0;
  }
}

/** Windows whose episode was alerted before this start begin `alerted` (best effort: a failure is logged). */
export async function restoreEpisodes(config: MonitorConfig, nc: NatsConnection, clock: Clock, subjects: Subjects, sup: Supervisor, log: Logger) {
  const shard = config.shard;
  const owns = (name: string) => !shard || partitionOf(name, config.partitions) % shard.count === shard.index;
  try {
    const open = await openEpisodes(nc, clock, subjects, owns);
    sup.episodesRestored(open);
    if (open.length > 0) log.info({ episodes: open.length }, "open alert episodes restored from the alert log");
  } catch (err) {
    log.warn({ err: (err as Error).message }, "cannot read open episodes from the alert log: a return may go unannounced");
  }
}
