/**
 * Disruption events on the bus, exactly once whichever replicas of a shard are alive, as alerts
 * are (alert-stream.ts): each replica appends to `<prefix>.disruptionlog.<name>` only when the
 * subject's last event is not already of that kind (started / ended alternate), guarded by the
 * subject's last sequence; the stream `<PREFIX>_DISRUPTIONS` republishes each stored event to the
 * public `<prefix>.disruption.<name>` and keeps the last ones, so that a monitor that starts knows
 * which disruptions are open (held alerts must not fire because a monitor restarted).
 *
 * Without JetStream events are published directly on `<prefix>.disruption.<name>` (each replica's
 * own: consumers may see one per replica) and a restarted monitor decides afresh.
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
import { TUNING } from "../config.js";
import type { Logger } from "../log.js";
import { backoffMs } from "../window/backoff.js";
import { delay } from "./jetstream.js";
import { ensureTransitionLog, TransitionLog } from "./transition-log.js";
import { isInbox } from "./names.js";
import { replayStream } from "./stream-replay.js";

/** Events kept per name: the last one tells whether a disruption is open; the rest is history. */
const DISRUPTION_HISTORY = 64;

export interface DisruptionPublisher {
  announce(e: DisruptionEvent): void;
  stop(): void;
}

/** Creates the disruption log stream when missing. */
export async function ensureDisruptionStream(jsm: JetStreamManager, subjects: Subjects, o: { replicas: number; retentionMs: number }): Promise<void> {
  await ensureTransitionLog(jsm, {
    ...o,
    name: subjects.stream("DISRUPTIONS"),
    subject: subjects.disruptionLog("*"),
    republish: { src: subjects.disruptionLog(">"), dest: subjects.disruption(">") },
    history: DISRUPTION_HISTORY,
    maxMsgBytes: 1024,
    maxBytes: 16 * 1024 ** 2,
    description: "peermon: disruption events, republished to the disruption subjects (exactly once per start and end)",
  });
}

/** Appends events to the log until stored, in order per name; a transition already logged is not appended twice. */
export class StreamDisruptionLog implements DisruptionPublisher {
  private readonly chains = new Map<string, Promise<void>>();
  private stopped = false;
  /** Events another replica had already logged. */
  deduplicated = 0;

  private constructor(
    private readonly log: TransitionLog<DisruptionKind>,
    private readonly subjects: Subjects,
    private readonly logger: Logger,
  ) {}

  static async open(nc: NatsConnection, subjects: Subjects, logger: Logger): Promise<StreamDisruptionLog> {
    const log = await TransitionLog.open<DisruptionKind>(nc, { stream: subjects.stream("DISRUPTIONS"), decode: (d) => decodeDisruption(d).kind });
    return new StreamDisruptionLog(log, subjects, logger);
  }

  announce(e: DisruptionEvent): void {
    const before = this.chains.get(e.name) ?? Promise.resolve();
    const next = before.then(() => this.appendUntilStored(e));
    this.chains.set(e.name, next);
    void next.finally(() => this.chains.get(e.name) === next && this.chains.delete(e.name));
  }

  stop(): void {
    this.stopped = true;
  }

  private async appendUntilStored(e: DisruptionEvent): Promise<void> {
    const subject = this.subjects.disruptionLog(e.name);
    const data = encodeDisruption(e);
    for (let failures = 0; !this.stopped; ) {
      try {
        const appended = await this.log.append(subject, e.kind, data, (last) => last === e.kind);
        if (!appended.stored) this.deduplicated++;
        return;
      } catch (err) {
        failures++;
        if (failures === 1)
          this.logger.warn({ name: e.name, kind: e.kind, err: (err as Error).message }, "disruption event not stored yet: retrying until it is");
        await delay(backoffMs(failures, { baseMs: 100, maxMs: TUNING.maxAlertRetryPauseMs }));
      }
    }
  }
}

/** Without JetStream: each replica publishes its own events. */
export class CoreDisruptionPublisher implements DisruptionPublisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
  ) {}

  announce(e: DisruptionEvent): void {
    if (!this.nc.isClosed()) this.nc.publish(this.subjects.disruption(e.name), encodeDisruption(e));
  }

  stop(): void {}
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
