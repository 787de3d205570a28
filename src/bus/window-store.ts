/**
 * Durable windows: a JetStream stream captures every metric subject and keeps, per subject (one
 * (name, peer)), the last `windowCapacity` metrics: the windows themselves, kept by the server. A
 * shard that starts replays the subjects it owns, so it comes back with its windows; each metric
 * is replayed with the time the server stored it (placed on the monitor's clock by its age on the
 * server's: `serverTimeToMonitor`), so deadlines that passed while the shard was away are due at
 * once (and convict after the start grace).
 *
 * Live metrics are subscribed to before the replay and held back until it ends (live-gate.ts), so
 * nothing falls between the two.
 */
import { AckPolicy, DeliverPolicy, type JetStreamManager, type NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import { MAX_MESSAGE_BYTES } from "../api/codec.js";
import { ensureStream } from "./jetstream.js";
import { TUNING } from "../config.js";
import type { Clock, TimerHandle } from "../clock.js";
import { decodeAlert } from "../api/validate.js";

export interface WindowStoreOptions {
  /** Metrics kept per (name, peer): the window capacity. */
  capacity: number;
  retentionMs: number;
  replicas: number;
}

/** Creates the metrics stream when missing. */
export async function ensureWindowStream(jsm: JetStreamManager, subjects: Subjects, o: WindowStoreOptions): Promise<void> {
  await ensureStream(jsm, {
    name: subjects.stream("METRICS"),
    subjects: [subjects.metricFilter(), subjects.metricFilter("*")],
    max_msgs_per_subject: o.capacity,
    max_age: o.retentionMs * 1_000_000,
    // Garbage on the metric subjects is stored too (the stream cannot validate): bound it, so that
    // it can never fill JetStream and starve the alert log.
    max_msg_size: MAX_MESSAGE_BYTES,
    max_bytes: WINDOW_STREAM_MAX_BYTES,
    num_replicas: o.replicas,
    description: "peermon: durable windows (the last metrics of every (name, peer)) for restarts",
  });
}

/** The window stream's size, bytes: about 3M metrics of 170 B; the oldest go first when full. */
const WINDOW_STREAM_MAX_BYTES = 512 * 1024 ** 2;

/** Where metrics go: the supervisor's receive; without a time, "now". */
export type MetricSink = (subject: string, data: Uint8Array, receivedAtMs?: number) => void;

/** Replays every stored metric on `filters`, oldest first, each with its store time on the monitor's clock; resolves with the count. */
export async function replayWindows(nc: NatsConnection, clock: Clock, subjects: Subjects, filters: string[], apply: MetricSink): Promise<number> {
  const stream = subjects.stream("METRICS");
  const counts = await Promise.all(filters.map((filter) => replayStream(nc, clock, stream, filter, DeliverPolicy.All, apply)));
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * The one place where the server's time becomes the monitor's. A stored message carries the time
 * the SERVER stored it, on the server's clock; the monitor's clock may be off by any amount (another
 * machine, a VM before NTP). So a stored time is never used as it is: its age is judged on the
 * server's clock alone (the server's own "now", read from the `created` time it gives a consumer
 * it just made), and that age is placed before the monitor's "now" at the same moment (halfway
 * through the request that created the consumer). Returns the converter for that consumer's messages.
 */
export function serverTimeToMonitor(serverCreatedMs: number, monitorMsAtCreate: number): (storedServerMs: number) => number {
  if (!Number.isFinite(serverCreatedMs)) return (storedServerMs) => storedServerMs; // no server time: trust the clocks agree
  return (storedServerMs) => monitorMsAtCreate - (serverCreatedMs - storedServerMs);
}

/**
 * Reads what `stream` holds on `filter` (everything, or the last message per subject) and stops
 * when caught up; resolves with the count.
 */
export async function replayStream(
  nc: NatsConnection,
  clock: Clock,
  stream: string,
  filter: string,
  policy: DeliverPolicy.All | DeliverPolicy.LastPerSubject,
  apply: MetricSink,
): Promise<number> {
  const jsm = await nc.jetstreamManager();
  // An ephemeral consumer, not an ordered one: its info tells at once how much there is to replay.
  const before = clock.now();
  const info = await jsm.consumers.add(stream, {
    filter_subject: filter,
    deliver_policy: policy,
    ack_policy: AckPolicy.None,
    inactive_threshold: 30_000_000_000,
    mem_storage: true,
  });
  const toMonitorMs = serverTimeToMonitor(Date.parse(info.created), (before + clock.now()) / 2);
  try {
    if (info.num_pending === 0) return 0;
    const messages = await (await nc.jetstream().consumers.get(stream, info.name)).consume({ max_messages: 1_000 });
    // Caught up when a delivered message has nothing pending after it; or, when the messages that
    // were pending were replaced meanwhile (windows keep the last few), when the consumer says so.
    let n = 0;
    let seen = 0;
    let watchdog: TimerHandle | undefined;
    const watch = () => {
      watchdog = clock.setTimer(() => {
        if (seen === n) {
          void jsm.consumers.info(stream, info.name).then((ci) => ci.num_pending === 0 && messages.stop(), () => undefined);
        }
        seen = n;
        watch();
      }, TUNING.replayIdleCheckMs);
    };
    watch();
    try {
      for await (const m of messages) {
        apply(m.subject, m.data, toMonitorMs(m.info.timestampNanos / 1e6));
        n++;
        if (m.info.pending === 0) break;
      }
    } finally {
      if (watchdog !== undefined) clock.clearTimer(watchdog);
    }
    // After a break, close() never settles (nats.js 2.29): stop() is what it would do.
    messages.stop();
    return n;
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
}

export interface OpenEpisode {
  name: string;
  peer: string;
  episode: string;
  /** Its last firing alert was muted (a silence): the sinks have not had it. */
  muted: boolean;
}

/**
 * The (name, peer) pairs whose last logged alert is firing (an episode still open when this
 * monitor started), among the names `owns` accepts.
 */
export async function openEpisodes(nc: NatsConnection, clock: Clock, subjects: Subjects, owns: (name: string) => boolean) {
  const open: OpenEpisode[] = [];
  await replayStream(nc, clock, subjects.stream("ALERTS"), subjects.alertLog("*", "*"), DeliverPolicy.LastPerSubject, (_, data) => {
    try {
      const a = decodeAlert(data);
      if (a.kind === "firing" && owns(a.name)) open.push({ name: a.name, peer: a.peer, episode: a.episode, muted: a.muted === true });
    } catch {
      // not an alert: nothing to restore
    }
  });
  return open;
}
