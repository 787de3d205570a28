/**
 * Older versions kept durable windows in `<PREFIX>_METRICS`, a stream that captured every metric:
 * while it exists the server stores each metric again, the very cost checkpoints remove. So a start
 * retires it: when no checkpoint exists yet (the first start of this version), the newest metric
 * of every window it holds, every partition, is rewritten as checkpoints, so that no shard loses its
 * windows to the upgrade; then the stream is deleted. (An older replica that restarts later creates
 * it again; the next start of this version deletes it again, its checkpoints existing by then.)
 */
import { DeliverPolicy, type JetStreamManager, type NatsConnection } from "nats";
import type { Subjects, MetricSubjectTail } from "../api/subjects.js";
import { decodeMetricMessage } from "../api/validate.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import { MonitorStats } from "../stats.js";
import { msToNs } from "../window/deadline.js";
import { MetricWindow } from "../window/metric-window.js";
import { CheckpointWriter } from "./checkpoint-writer.js";
import { isNotFound } from "./jetstream.js";
import { replayStream } from "./stream-replay.js";

export interface RetireOptions {
  nc: NatsConnection;
  jsm: JetStreamManager;
  clock: Clock;
  subjects: Subjects;
  partitions: number;
  log: Logger;
}

/**
 * Deletes an older version's every-metric stream, first carrying its windows over when nothing
 * else holds them (`hasCheckpoints` false); `writeCheckpoints` is called after the deletion (the
 * server's storage may not hold both streams at once). Resolves with the windows carried over.
 */
export async function retireMetricStream(o: RetireOptions, hasCheckpoints: boolean, ensureCheckpoints: () => Promise<void>): Promise<number> {
  const name = o.subjects.stream("METRICS");
  try {
    const info = await o.jsm.streams.info(name);
    if (!info.config.description?.startsWith("peermon:")) return 0; // someone else's stream of that name
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
  const windows = hasCheckpoints ? undefined : await newestPerWindow(o, name);
  await o.jsm.streams.delete(name);
  o.log.info({ stream: name, windows: windows?.size ?? 0 }, "deleted the every-metric window stream of an older peermon (checkpoints replace it)");
  if (!windows || windows.size === 0) return 0;
  await ensureCheckpoints();
  const byName = new Map<string, MetricWindow[]>();
  for (const w of windows.values()) {
    let list = byName.get(w.name);
    if (!list) byName.set(w.name, (list = []));
    list.push(w);
  }
  const writer = new CheckpointWriter({
    nc: o.nc,
    clock: o.clock,
    subjects: o.subjects,
    windows: { metricWindows: () => byName.entries() },
    partitions: o.partitions,
    shardTag: "migration",
    intervalMs: 0,
    refreshMs: 0,
    stats: new MonitorStats(),
    log: o.log,
  });
  const report = await writer.round();
  if (report.failed > 0) throw new Error(`${report.failed} checkpoint buckets of the older stream's windows were not stored`);
  return windows.size;
}

/** The newest stored metric of each (name, peer), each received when the server stored it. */
async function newestPerWindow(o: RetireOptions, stream: string): Promise<Map<string, MetricWindow>> {
  const windows = new Map<string, MetricWindow>();
  const tail: MetricSubjectTail = { offset: -1, partition: -1 };
  // Receive times on the wall clock, as a window's `t` (the checkpoint's `c` is on it too).
  const wallOffset = o.clock.wallNow() - o.clock.now();
  const apply = (subject: string, data: Uint8Array, storedAtMs: number) => {
    const decoded = decodeMetricMessage(data, subject, o.subjects.metricTail(subject, tail).offset);
    if (!decoded.ok) return;
    const m = decoded.value;
    const key = `${m.n}\u0000${m.p}`;
    let w = windows.get(key);
    if (!w) windows.set(key, (w = new MetricWindow(m.n, m.p, 1)));
    const at = msToNs(storedAtMs + wallOffset);
    if (at >= w.latestReceivedAt()) w.add(m, at);
  };
  const filters = [o.subjects.metricFilter(), o.subjects.metricFilter("*")];
  await Promise.all(filters.map((f) => replayStream(o.nc, o.clock, stream, f, DeliverPolicy.LastPerSubject, apply)));
  return windows;
}
