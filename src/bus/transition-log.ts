/**
 * TransitionLog: the one way peermon writes an event exactly once whichever replicas are alive.
 * Events of one subject alternate (firing / resolved, started / ended, suspect / cleared); every
 * replica decides the same transitions. Before appending, a replica reads the subject's last
 * logged event: if that already records this transition (the caller's `alreadyLogged`), another
 * replica, or an earlier attempt of its own whose acknowledgement was lost, got there first and
 * there is nothing to write. The append itself is guarded by the subject's last sequence, and
 * carries a Msg-Id made of that position and the kind, the same for every replica and retry, so
 * two replicas racing cannot both succeed and a retried append is stored once (the server's
 * duplicate window).
 *
 * The public copy (`<prefix>.alerts.<name>.<peer>` and the like) is published by the monitor whose
 * event the log holds, once it knows the log holds it: from the append's acknowledgement, or, when
 * that was lost, from the read-back that finds its own event (same id). The stream does not
 * republish: a stream leader that dies between storing an event and telling its followers makes
 * the next leader apply it again, and a server republish then goes out twice (measured with
 * nats-server 2.9: test/e2e/leader-kill.test.ts). A public copy is confirmed by a flush; one not
 * confirmed (the monitor's own server died) is published again after the reconnect, so a consumer
 * may then see it twice (same `i`, same `Nats-Sequence`), never not at all.
 *
 * Used by the alert log (alert-stream.ts), the disruption log (disruption-log.ts) and the
 * suspicion log (suspicion-log.ts).
 */
import { headers, type JetStreamClient, type JetStreamManager, type NatsConnection } from "nats";
import { TUNING } from "../config.js";
import type { Emission } from "../actors/emission.js";
import type { LogWriter } from "./bus-transport.js";
import { FlushConfirm } from "./flush-confirm.js";
import { ensureStream, isNotFound, isSequenceConflict } from "./jetstream.js";

/** The stream that holds one of peermon's transition logs. */
export interface TransitionLogStream {
  /** Stream name, e.g. PEERMON_ALERTS. */
  name: string;
  /** The internal log subjects it captures (wildcards). */
  subject: string;
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
    max_msgs_per_subject: o.history,
    max_age: o.retentionMs * 1_000_000,
    max_msg_size: o.maxMsgBytes,
    max_bytes: o.maxBytes,
    num_replicas: o.replicas,
    description: o.description,
  });
}

/**
 * What an append came to: the log holds the transition at `seq`, as `logged` (decoded; undefined
 * when this append stored it, or when it does not decode). `mine`: the event the log holds is this
 * monitor's own (stored by this append, or by an attempt whose acknowledgement was lost): its
 * public copy is this monitor's to publish. `fresh`: this very append stored it.
 */
export interface Appended<L> {
  seq: number;
  logged: L | undefined;
  mine: boolean;
  fresh: boolean;
}

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
  /** The id (`i`) of a logged event: tells this monitor's own events from another replica's. */
  idOf(logged: L): string;
}

/** Headers of a public copy: where the log holds it, as a server's republish would say. */
const STREAM_HEADER = "Nats-Stream";
const SUBJECT_HEADER = "Nats-Subject";
const SEQUENCE_HEADER = "Nats-Sequence";

export class TransitionLog<L> {
  private readonly js: JetStreamClient;
  private readonly confirm: FlushConfirm;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly o: TransitionLogOptions<L>,
    /** The stream republishes on its own (made by an older peermon): no public copy from here. */
    readonly republishedByServer: boolean,
  ) {
    this.js = nc.jetstream({ timeout: TUNING.appendTimeoutMs });
    this.confirm = new FlushConfirm(nc);
  }

  /**
   * A log whose JetStream requests time out quickly (TUNING.appendTimeoutMs): while a stream
   * elects a new leader, short timeouts and quick retries beat one default timeout (5 s).
   */
  static async open<L>(nc: NatsConnection, o: TransitionLogOptions<L>): Promise<TransitionLog<L>> {
    const jsm = await nc.jetstreamManager({ timeout: TUNING.appendTimeoutMs, checkAPI: false });
    const info = await jsm.streams.info(o.stream);
    return new TransitionLog<L>(nc, jsm, o, info.config.republish !== undefined);
  }

  /**
   * Appends `data` (the event `kind`, whose id is `id`) to `subject` until the log holds the
   * transition: stored by this append, or found already logged (`alreadyLogged` of the subject's
   * last event says so; it is asked only when there is one). Rejects when the log cannot be
   * reached: the caller retries.
   */
  async append(subject: string, kind: string, data: Uint8Array, id: string, alreadyLogged: (last: L | undefined) => boolean): Promise<Appended<L>> {
    for (;;) {
      const { seq, last } = await this.lastLogged(subject);
      if (seq > 0 && alreadyLogged(last)) return { seq, logged: last, mine: this.isMine(last, id), fresh: false };
      try {
        const ack = await this.js.publish(subject, data, { msgID: appendId(subject, seq, kind), expect: { lastSubjectSequence: seq } });
        if (!ack.duplicate) return { seq: ack.seq, logged: undefined, mine: true, fresh: true };
        // Stored before with this Msg-Id: by an attempt of ours whose acknowledgement was lost, or by another replica.
        const stored = await this.loggedAt(ack.seq);
        return { seq: ack.seq, logged: stored, mine: this.isMine(stored, id), fresh: false };
      } catch (err) {
        if (!isSequenceConflict(err)) throw err;
        // another replica appended in between: read again
      }
    }
  }

  /**
   * Publishes the public copy of the event the log holds at `seq` (this monitor's own) on
   * `publicSubject`; resolves once the server has it. Nothing when the stream republishes itself.
   */
  announce(publicSubject: string, data: Uint8Array, logSubject: string, seq: number): Promise<void> {
    if (this.republishedByServer) return Promise.resolve();
    const h = headers();
    h.set(STREAM_HEADER, this.o.stream);
    h.set(SUBJECT_HEADER, logSubject);
    h.set(SEQUENCE_HEADER, String(seq));
    this.nc.publish(publicSubject, data, { headers: h });
    return new Promise((resolve, reject) => this.confirm.after((err) => (err === undefined ? resolve() : reject(err))));
  }

  /** The subject's last logged event (from the stream leader, so never stale) and its sequence. */
  async lastLogged(subject: string): Promise<LastLogged<L>> {
    try {
      const m = await this.jsm.streams.getMessage(this.o.stream, { last_by_subj: subject });
      return { seq: m.seq, last: this.decoded(m.data) };
    } catch (err) {
      if (isNotFound(err)) return { seq: 0 };
      throw err;
    }
  }

  /** The logged event at `seq`, decoded (undefined when it does not decode or is gone). */
  private async loggedAt(seq: number): Promise<L | undefined> {
    try {
      return this.decoded((await this.jsm.streams.getMessage(this.o.stream, { seq })).data);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private decoded(data: Uint8Array): L | undefined {
    try {
      return this.o.decode(data);
    } catch {
      return undefined;
    }
  }

  private isMine(logged: L | undefined, id: string): boolean {
    return logged !== undefined && this.o.idOf(logged) === id;
  }
}

/** The de-duplication id of an append: same subject position and kind, same id (retries collapse). */
export function appendId(subject: string, lastSeq: number, kind: string): string {
  return `${subject}.${lastSeq}.${kind}`;
}

/** What a transition writer needs of a logged event: its kind and id. */
export interface LoggedTransition<K extends string> {
  kind: K;
  id: string;
}

/**
 * A log writer of events that alternate per subject (suspect / cleared, started / ended): each is
 * appended once per transition, whichever replica gets there first, and its public copy published
 * by the monitor whose event the log holds; `deduplicated` counts those another replica had logged
 * (or a retry the server had stored).
 */
export class TransitionWriter<K extends string, T extends Emission & { kind: K; id: string }> implements LogWriter<T> {
  constructor(
    private readonly log: TransitionLog<LoggedTransition<K>>,
    private readonly subjectOf: (e: T) => string,
    private readonly publicSubjectOf: (e: T) => string,
    private readonly encode: (e: T) => Uint8Array,
    private readonly deduplicated: () => void,
  ) {}

  write(e: T, done: (err?: unknown) => void): void {
    this.append(e).then(
      () => done(),
      (err: unknown) => done(err ?? new Error(`${e.kind} append failed`)),
    );
  }

  private async append(e: T): Promise<void> {
    const data = this.encode(e);
    const subject = this.subjectOf(e);
    const appended = await this.log.append(subject, e.kind, data, e.id, (last) => last?.kind === e.kind);
    if (!appended.fresh) this.deduplicated();
    if (appended.mine) await this.log.announce(this.publicSubjectOf(e), data, subject, appended.seq);
  }
}
