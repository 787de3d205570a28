/**
 * Reading and changing the current PeerSet, as kept by JetStream: the stream
 * `peersetStreamName(prefix)` captures `<prefix>.peerset` (the last PEERSET_HISTORY messages) and
 * the newest valid message in it is the current peerset (what a restarted monitor applies).
 *
 * `set` publishes a full snapshot through JetStream, so it returns once the server stored it.
 * `add` and `remove` are read-modify-write with optimistic concurrency: the new set is published
 * with the stream sequence of the subject's last message as the expected one, and on a conflict
 * (another writer got there first) read and retried; concurrent writers never lose an update.
 *
 * A set may be as large as the server's `max_payload`. One over it, or over the stream's own
 * limit, fails with PeerSetTooLarge, which says what the limit is and what to change; a stream
 * left with an older peermon's 64 KiB limit is raised first, when these credentials may.
 */
import { backoffMs, RETRY } from "../retry-policy.js";
import { ErrorCode, type JetStreamManager, type NatsConnection, type NatsError, type PubAck } from "nats";
import { ulid } from "ulid";
import { encodePeerSet } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { PeerSet } from "../api/types.js";
import { ensurePeerSetStream, newestValidPeerSet, peersetStreamBounds, peersetStreamName, peersetStreamLimit } from "../bus/peerset-stream.js";
import { isOverMaxPayload, isOverStreamLimit, isSequenceConflict } from "../bus/jetstream.js";
import { JetStreamMissing, PeermonError } from "../errors.js";
import { PeerSetTooLarge } from "./peerset-too-large.js";

/**
 * Attempts of one add/remove before giving up. Each conflict means another writer succeeded, so
 * with 10 attempts up to 10 concurrent writers all get through. @default 10
 */
export const DEFAULT_PEERSET_ATTEMPTS = 10;

/** JetStream's error code when the server has it but this account may not use it. */
const JETSTREAM_NOT_ENABLED_FOR_ACCOUNT = 10039;

/** What the stream holds: the current peerset, none yet, or no stream at all. */
export type PeerSetReading =
  | { type: "current"; peerset: PeerSet /** its stream sequence */; seq: number; lastSeq: number }
  | { type: "none" /** sequence of the subject's last (invalid) message, 0 if none */; lastSeq: number }
  | { type: "no-stream"; stream: string };

/** The outcome of a change. */
export interface PeerSetChange {
  peerset: PeerSet;
  /** False when the change was a no-op (adding a member, removing a non-member): nothing published. */
  changed: boolean;
  /** True when JetStream confirmed it stored the new set; false after a plain publish (no JetStream). */
  stored: boolean;
  /** Stream sequence of the new set, when stored. */
  seq?: number;
}

export class PeerSetStore {
  readonly stream: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly attempts = DEFAULT_PEERSET_ATTEMPTS,
  ) {
    this.stream = peersetStreamName(subjects.prefix);
  }

  /** Reads the current peerset. Throws PeermonError when the server has no JetStream. */
  async read(): Promise<PeerSetReading> {
    return this.readWith(await this.manager("read the stored peerset"));
  }

  private async readWith(jsm: JetStreamManager): Promise<PeerSetReading> {
    const bounds = await peersetStreamBounds(jsm, this.subjects);
    if (!bounds) return { type: "no-stream", stream: this.stream };
    const newest = await newestValidPeerSet(jsm, this.subjects, bounds);
    if (newest) return { type: "current", peerset: newest.peerset, seq: newest.seq, lastSeq: bounds.last };
    return { type: "none", lastSeq: bounds.last };
  }

  /** Replaces the peerset with `peers`. Without JetStream it is published plainly (`stored: false`). */
  async set(peers: readonly string[]): Promise<PeerSetChange> {
    const peerset: PeerSet = { peers: [...new Set(peers)], id: ulid() };
    let jsm: JetStreamManager;
    try {
      jsm = await this.manager("store the peerset");
    } catch (err) {
      if (!(err instanceof JetStreamMissing)) throw err;
      this.publishPlain(peerset);
      await this.nc.flush();
      return { peerset, changed: true, stored: false };
    }
    await this.ensureStream(jsm);
    const ack = await this.store(jsm, peerset);
    return { peerset, changed: true, stored: true, seq: ack.seq };
  }

  /** Adds `peer` (a no-op when it is a member). */
  add(peer: string): Promise<PeerSetChange> {
    return this.update((peers) => (peers.includes(peer) ? undefined : [...peers, peer]));
  }

  /** Removes `peer` (a no-op when it is not a member). */
  remove(peer: string): Promise<PeerSetChange> {
    return this.update((peers) => (peers.includes(peer) ? peers.filter((p) => p !== peer) : undefined));
  }

  /** Read-modify-write; `change` returns the new list, or undefined for "nothing to do". */
  private async update(change: (peers: string[]) => string[] | undefined): Promise<PeerSetChange> {
    const jsm = await this.manager("change the stored peerset");
    for (let attempt = 1; ; attempt++) {
      let reading = await this.readWith(jsm);
      if (reading.type === "no-stream") {
        await this.ensureStream(jsm);
        reading = { type: "none", lastSeq: 0 };
      }
      const current = reading.type === "current" ? reading.peerset : { peers: [], id: "" };
      const next = change(current.peers);
      if (next === undefined) return { peerset: current, changed: false, stored: reading.type === "current" };
      const peerset: PeerSet = { peers: next, id: ulid() };
      try {
        const ack = await this.store(jsm, peerset, reading.lastSeq);
        return { peerset, changed: true, stored: true, seq: ack.seq };
      } catch (err) {
        if (!isSequenceConflict(err)) throw err;
        if (attempt >= this.attempts) {
          throw new PeermonError(`the peerset kept changing under ${this.attempts} attempts to update it (other writers); try again`, { cause: err });
        }
        await backoff(attempt);
      }
    }
  }

  /** Publishes `peerset` plainly (no JetStream); one over `max_payload` is a PeerSetTooLarge. */
  publishPlain(peerset: PeerSet): void {
    const data = encodePeerSet(peerset);
    try {
      this.nc.publish(this.subjects.peerset, data);
    } catch (err) {
      throw this.tooLarge(err, peerset, data) ?? err;
    }
  }

  /**
   * Stores `peerset` through JetStream (after `lastSeq` when given); a set over the server's or the
   * stream's limit is a PeerSetTooLarge.
   */
  private async store(jsm: JetStreamManager, peerset: PeerSet, lastSeq?: number): Promise<PubAck> {
    const data = encodePeerSet(peerset);
    const options = lastSeq === undefined ? undefined : { expect: { lastSubjectSequence: lastSeq } };
    for (let unanswered = 0; ; ) {
      try {
        return await this.nc.jetstream().publish(this.subjects.peerset, data, options);
      } catch (err) {
        // No stream answered: one created a moment ago by another writer may not listen yet.
        if (isNoResponders(err) && ++unanswered <= NO_STREAM_RETRIES) {
          await backoff(unanswered);
          continue;
        }
        if (!isOverStreamLimit(err)) throw this.tooLarge(err, peerset, data) ?? err;
        throw PeerSetTooLarge.byStream(peerset.peers.length, data.length, await peersetStreamLimit(jsm, this.subjects), this.stream, err);
      }
    }
  }

  /** The PeerSetTooLarge that `err` means when nats.js refused `data` for the server's max_payload. */
  private tooLarge(err: unknown, peerset: PeerSet, data: Uint8Array): PeerSetTooLarge | undefined {
    if (!isOverMaxPayload(err)) return undefined;
    return PeerSetTooLarge.byServer(peerset.peers.length, data.length, this.nc.info?.max_payload ?? 0, err);
  }

  private async manager(purpose: string): Promise<JetStreamManager> {
    try {
      return await this.nc.jetstreamManager();
    } catch (err) {
      const e = err as NatsError;
      if (e.code === ErrorCode.JetStreamNotEnabled || e.api_error?.err_code === JETSTREAM_NOT_ENABLED_FOR_ACCOUNT) {
        throw new JetStreamMissing(purpose, err);
      }
      throw err;
    }
  }

  /** Creates the stream as a monitor would when none ran yet, so the set is kept for it. */
  private async ensureStream(jsm: JetStreamManager): Promise<void> {
    await ensurePeerSetStream(jsm, this.subjects);
  }
}

/** Publishes retried when no stream answered (created concurrently and not yet listening). */
const NO_STREAM_RETRIES = 5;

/** True when a JetStream publish found no stream listening on its subject. */
function isNoResponders(err: unknown): boolean {
  return (err as NatsError).code === ErrorCode.NoResponders;
}

/** A short random pause, growing with the attempt, so that colliding writers spread out (RETRY.contention). */
function backoff(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, backoffMs(attempt, { ...RETRY.contention, random: Math.random })));
}
