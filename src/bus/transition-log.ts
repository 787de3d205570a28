/**
 * TransitionLog: the one way peermon writes an event exactly once whichever replicas are alive.
 * Events of one subject alternate (firing / resolved, started / ended, suspect / cleared); every
 * replica decides the same transitions. Before appending, a replica reads the subject's last
 * logged event: if that already records this transition (the caller's `alreadyLogged`), another
 * replica got there first and there is nothing to write. The append itself is guarded by the
 * subject's last sequence, and carries a Msg-Id made of that position and the kind, so two
 * replicas racing cannot both succeed and a retried append is stored once. The stream
 * republishes each stored event to its public subject.
 *
 * Used by the alert log (alert-stream.ts), the disruption log (disruption-log.ts) and the
 * suspicion log (suspicion-log.ts).
 */
import type { JetStreamClient, JetStreamManager, NatsConnection } from "nats";
import { TUNING } from "../config.js";
import type { Emission } from "../actors/emission.js";
import type { LogWriter } from "./bus-transport.js";
import { ensureStream, isNotFound, isSequenceConflict } from "./jetstream.js";

/** The stream that holds one of peermon's transition logs. */
export interface TransitionLogStream {
  /** Stream name, e.g. PEERMON_ALERTS. */
  name: string;
  /** The internal log subjects it captures (wildcards), and their public form it republishes to. */
  subject: string;
  republish: { src: string; dest: string };
  /** Events kept per subject. */
  history: number;
  maxMsgBytes: number;
  maxBytes: number;
  replicas: number;
  retentionMs: number;
  description: string;
}

/** Creates a transition log's stream when missing: file storage, oldest events dropped first. */
export async function ensureTransitionLog(jsm: JetStreamManager, o: TransitionLogStream): Promise<void> {
  await ensureStream(jsm, {
    name: o.name,
    subjects: [o.subject],
    republish: o.republish,
    max_msgs_per_subject: o.history,
    max_age: o.retentionMs * 1_000_000,
    max_msg_size: o.maxMsgBytes,
    max_bytes: o.maxBytes,
    num_replicas: o.replicas,
    description: o.description,
  });
}

/** What an append came to: stored here (`duplicate`: a retry the server had already stored), or already logged by another replica. */
export type Appended<L> = { stored: true; duplicate: boolean } | { stored: false; last: L | undefined };

/** The subject's last logged event, decoded (undefined when it does not decode), and its sequence (0: none). */
export interface LastLogged<L> {
  seq: number;
  last?: L;
}

export interface TransitionLogOptions<L> {
  /** The stream that holds the log. */
  stream: string;
  /** Reads a logged event; throws on one that is not (it is then treated as unknown). */
  decode(data: Uint8Array): L;
}

export class TransitionLog<L> {
  private readonly js: JetStreamClient;

  private constructor(
    nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly o: TransitionLogOptions<L>,
  ) {
    this.js = nc.jetstream({ timeout: TUNING.appendTimeoutMs });
  }

  /**
   * A log whose JetStream requests time out quickly (TUNING.appendTimeoutMs): while a stream
   * elects a new leader, short timeouts and quick retries beat one default timeout (5 s).
   */
  static async open<L>(nc: NatsConnection, o: TransitionLogOptions<L>): Promise<TransitionLog<L>> {
    const jsm = await nc.jetstreamManager({ timeout: TUNING.appendTimeoutMs, checkAPI: false });
    return new TransitionLog<L>(nc, jsm, o);
  }

  /**
   * Appends `data` (the event `kind`) to `subject` until the log holds the transition: stored by
   * this append, or found already logged by another replica (`alreadyLogged` of the subject's
   * last event says so; it is asked only when there is one). Rejects when the log cannot be
   * reached: the caller retries.
   */
  async append(subject: string, kind: string, data: Uint8Array, alreadyLogged: (last: L | undefined) => boolean): Promise<Appended<L>> {
    for (;;) {
      const { seq, last } = await this.lastLogged(subject);
      if (seq > 0 && alreadyLogged(last)) return { stored: false, last };
      try {
        const ack = await this.js.publish(subject, data, { msgID: appendId(subject, seq, kind), expect: { lastSubjectSequence: seq } });
        return { stored: true, duplicate: ack.duplicate };
      } catch (err) {
        if (!isSequenceConflict(err)) throw err;
        // another replica appended in between: read again
      }
    }
  }

  /** The subject's last logged event (from the stream leader, so never stale) and its sequence. */
  async lastLogged(subject: string): Promise<LastLogged<L>> {
    try {
      const m = await this.jsm.streams.getMessage(this.o.stream, { last_by_subj: subject });
      try {
        return { seq: m.seq, last: this.o.decode(m.data) };
      } catch {
        return { seq: m.seq };
      }
    } catch (err) {
      if (isNotFound(err)) return { seq: 0 };
      throw err;
    }
  }
}

/** The de-duplication id of an append: same subject position and kind, same id (retries collapse). */
export function appendId(subject: string, lastSeq: number, kind: string): string {
  return `${subject}.${lastSeq}.${kind}`;
}

/**
 * A log writer of events that alternate per subject (suspect / cleared, started / ended): each is
 * appended once per transition, whichever replica gets there first; `deduplicated` counts those
 * another replica had logged (or a retry the server had stored).
 */
export class TransitionWriter<K extends string, T extends Emission & { kind: K }> implements LogWriter<T> {
  constructor(
    private readonly log: TransitionLog<K>,
    private readonly subjectOf: (e: T) => string,
    private readonly encode: (e: T) => Uint8Array,
    private readonly deduplicated: () => void,
  ) {}

  write(e: T, done: (err?: unknown) => void): void {
    this.log
      .append(this.subjectOf(e), e.kind, this.encode(e), (last) => last === e.kind)
      .then(
        (appended) => {
          if (!appended.stored || appended.duplicate) this.deduplicated();
          done();
        },
        (err: unknown) => done(err ?? new Error(`${e.kind} append failed`)),
      );
  }
}
