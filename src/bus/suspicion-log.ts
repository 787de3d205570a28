/**
 * Suspicion events on the bus, once per transition whichever replicas of a shard are alive, as
 * alerts are: each replica appends to `<prefix>.suspectlog.<name>.<peer>` through the
 * TransitionLog (suspect and cleared alternate per window), and the stream `<PREFIX>_SUSPECTS`
 * republishes each stored event to the public `<prefix>.suspects.<name>.<peer>`. Without
 * JetStream, CoreTransport publishes each replica's own events there directly.
 */
import type { JetStreamManager, NatsConnection } from "nats";
import type { Transport } from "../actors/outbox.js";
import { encodeSuspicion, MAX_MESSAGE_BYTES } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { SuspicionEvent, SuspicionKind } from "../api/types.js";
import { decodeSuspicion } from "../api/validate.js";
import type { MonitorStats } from "../stats.js";
import { ensureStream } from "./jetstream.js";
import { TransitionLog } from "./transition-log.js";

/** Events kept per window: the last tells whether the peer is suspect; the rest is short history. */
const SUSPICION_HISTORY = 16;
/** The log's size, bytes; the oldest events go first when full. */
const SUSPICION_STREAM_MAX_BYTES = 64 * 1024 ** 2;

/** Creates the suspicion log stream when missing. */
export async function ensureSuspicionStream(jsm: JetStreamManager, subjects: Subjects, o: { replicas: number; retentionMs: number }): Promise<void> {
  await ensureStream(jsm, {
    name: subjects.stream("SUSPECTS"),
    subjects: [subjects.suspectLog("*", "*")],
    republish: { src: subjects.suspectLogAll, dest: subjects.suspectsAll },
    max_msgs_per_subject: SUSPICION_HISTORY,
    max_age: o.retentionMs * 1_000_000,
    max_msg_size: MAX_MESSAGE_BYTES,
    max_bytes: SUSPICION_STREAM_MAX_BYTES,
    num_replicas: o.replicas,
    description: "peermon: early suspicion, republished to the suspects subjects (once per transition)",
  });
}

export class StreamSuspicionTransport implements Transport<SuspicionEvent> {
  private connected = true;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly log: TransitionLog<SuspicionKind>,
    private readonly subjects: Subjects,
    private readonly stats: MonitorStats,
  ) {}

  static async open(nc: NatsConnection, subjects: Subjects, stats: MonitorStats): Promise<StreamSuspicionTransport> {
    const log = await TransitionLog.open<SuspicionKind>(nc, { stream: subjects.stream("SUSPECTS"), decode: (d) => decodeSuspicion(d).kind });
    return new StreamSuspicionTransport(nc, log, subjects, stats);
  }

  send(e: SuspicionEvent, done: (err?: unknown) => void): boolean {
    if (!this.connected || this.nc.isClosed()) return false;
    this.log.append(this.subjects.suspectLog(e.name, e.peer), e.kind, encodeSuspicion(e), (last) => last === e.kind).then(
      (appended) => {
        if (!appended.stored || appended.duplicate) this.stats.suspicionsDeduplicated++;
        done();
      },
      (err: unknown) => done(err ?? new Error("suspicion append failed")),
    );
    return true;
  }

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
  }
}
