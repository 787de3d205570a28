/**
 * Disruption events on the bus, exactly once whichever replicas of a shard are alive, as alerts
 * are (alert-stream.ts): each replica appends to `<prefix>.disruptionlog.<name>` only when the
 * subject's last event is not already of that kind (started / ended alternate), guarded by the
 * subject's last sequence; the monitor whose event the log holds publishes it on the public
 * `<prefix>.disruption.<name>` (transition-log.ts), and the stream `<PREFIX>_DISRUPTIONS` keeps the
 * last ones, so that a monitor that starts knows which disruptions are open (held alerts must not
 * fire because a monitor restarted).
 *
 * Without JetStream events are published directly on `<prefix>.disruption.<name>` by a CoreWriter
 * (each replica's own: consumers may see one per replica) and a restarted monitor decides afresh.
 *
 * Every monitor follows the public events so that replicas agree (one started, both hold; one
 * ended, both release), and answers `<prefix>.release.<name>` for the names it owns.
 */
import { DeliverPolicy, type JetStreamManager, type NatsConnection, type Subscription } from "nats";
import { encodeDisruption } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { DisruptionEvent, DisruptionKind } from "../api/types.js";
import { decodeDisruption } from "../api/validate.js";
import type { Clock } from "../clock.js";
import type { MonitorStats } from "../stats.js";
import type { LogWriter } from "./bus-transport.js";
import { ensureTransitionLog, TransitionLog, TransitionWriter, type LoggedTransition } from "./transition-log.js";
import { isInbox } from "./names.js";
import { replayStream } from "./stream-replay.js";

/** Events kept per name: the last one tells whether a disruption is open; the rest is history. */
const DISRUPTION_HISTORY = 64;

/** Creates the disruption log stream when missing. */
export async function ensureDisruptionStream(jsm: JetStreamManager, subjects: Subjects, o: { replicas: number; retentionMs: number }): Promise<void> {
  await ensureTransitionLog(jsm, {
    ...o,
    name: subjects.stream("DISRUPTIONS"),
    subject: subjects.disruptionLog("*"),
    history: DISRUPTION_HISTORY,
    maxMsgBytes: 1024,
    maxBytes: 16 * 1024 ** 2,
    description: "peermon: disruption events (exactly once per start and end), published to the disruption subjects by the monitor that logged each",
  });
}

/**
 * The disruption log's writer: each started / ended once per transition, whichever replica is
 * alive. Order per name, retries and the hold while disconnected are the outbox's.
 */
export async function openDisruptionWriter(nc: NatsConnection, subjects: Subjects, stats: MonitorStats): Promise<LogWriter<DisruptionEvent>> {
  const log = await TransitionLog.open<LoggedTransition<DisruptionKind>>(nc, {
    stream: subjects.stream("DISRUPTIONS"),
    decode: (d) => decodeDisruption(d),
    idOf: (e) => e.id,
  });
  return new TransitionWriter(
    log,
    (e: DisruptionEvent) => subjects.disruptionLog(e.name),
    (e: DisruptionEvent) => subjects.disruption(e.name),
    encodeDisruption,
    () => stats.disruptionsDeduplicated++,
  );
}

/** The disruptions open in the log (its last event per name is `started`), among the names `owns` accepts. */
export async function openDisruptions(nc: NatsConnection, clock: Clock, subjects: Subjects, owns: (name: string) => boolean): Promise<DisruptionEvent[]> {
  const open: DisruptionEvent[] = [];
  await replayStream(nc, clock, subjects.stream("DISRUPTIONS"), subjects.disruptionLog("*"), DeliverPolicy.LastPerSubject, (_, data) => {
    try {
      const e = decodeDisruption(data);
      if (e.kind === "started" && owns(e.name)) open.push(e);
    } catch {
      // not an event: nothing to restore
    }
  });
  return open;
}

/** Follows the public events of the names this monitor owns (its own come back too: the receiver ignores them). */
export function followDisruptions(
  nc: NatsConnection,
  subjects: Subjects,
  owns: (name: string) => boolean,
  observed: (e: DisruptionEvent) => void,
): Subscription {
  return nc.subscribe(subjects.disruptionsAll, {
    callback: (err, m) => {
      if (err) return;
      try {
        const e = decodeDisruption(m.data);
        if (owns(e.name)) observed(e);
      } catch {
        // someone else's garbage on the subject: not an event
      }
    },
  });
}

/** What a monitor answers to `<prefix>.release.<name>` (JSON). */
export interface ReleaseReply {
  shard: string;
  /** A disruption of the name was open on this monitor. */
  open: boolean;
  /** Windows whose held firing alert was released. */
  released: number;
}

/** Answers release requests for the names this monitor owns (replicas all release; the client merges). */
export function answerReleases(
  nc: NatsConnection,
  subjects: Subjects,
  shard: string,
  owns: (name: string) => boolean,
  release: (name: string) => number | undefined,
): Subscription {
  const head = subjects.release("").length;
  return nc.subscribe(subjects.releaseAll, {
    callback: (err, m) => {
      if (err || !isInbox(m.reply)) return;
      const name = m.subject.slice(head);
      if (!owns(name)) return;
      const released = release(name);
      const reply: ReleaseReply = { shard, open: released !== undefined, released: released ?? 0 };
      m.respond(new TextEncoder().encode(JSON.stringify(reply)));
    },
  });
}
