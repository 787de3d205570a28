/**
 * Reading peermon's streams back at a start (checkpoints, the alert log), and the one place where
 * the server's time becomes the monitor's: a stored message carries the time the SERVER stored it,
 * on the server's clock, which may be off the monitor's by any amount.
 */
import { AckPolicy, DeliverPolicy, type NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import { TUNING } from "../config.js";
import type { Clock, TimerHandle } from "../clock.js";
import { decodeAlert } from "../api/validate.js";

/** Where a stored message goes, with its store time on the monitor's clock. */
export type StoredSink = (subject: string, data: Uint8Array, storedAtMs: number) => void;

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
 * Reads what `stream` holds on `filter` (everything, or the last message per subject), at most
 * `readAhead` messages ahead, and stops when caught up; resolves with the count.
 */
export async function replayStream(
  nc: NatsConnection,
  clock: Clock,
  stream: string,
  filter: string,
  policy: DeliverPolicy.All | DeliverPolicy.LastPerSubject,
  apply: StoredSink,
  readAhead = 1_000,
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
    const messages = await (await nc.jetstream().consumers.get(stream, info.name)).consume({ max_messages: readAhead });
    // Caught up when a delivered message has nothing pending after it; or, when the messages that
    // were pending were replaced meanwhile (windows keep the last few), when the consumer says so.
    let n = 0;
    let seen = 0;
    let watchdog: TimerHandle | undefined;
    const watch = () => {
      watchdog = clock.setTimer(() => {
        if (seen === n) {
          void jsm.consumers.info(stream, info.name).then(
            (ci) => ci.num_pending === 0 && messages.stop(),
            () => undefined,
          );
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
