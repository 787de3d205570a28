/**
 * Suspicion events on the bus, once per transition whichever replicas of a shard are alive, as
 * alerts are: each replica appends to `<prefix>.suspectlog.<name>.<peer>` through the
 * TransitionLog (suspect and cleared alternate per window), and the monitor whose event the
 * stream `<PREFIX>_SUSPECTS` holds publishes it on the public `<prefix>.suspects.<name>.<peer>`. Without
 * JetStream, a CoreWriter publishes each replica's own events there directly.
 */
import type { JetStreamManager, NatsConnection } from "nats";
import { encodeSuspicion, MAX_MESSAGE_BYTES } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { SuspicionEvent, SuspicionKind } from "../api/types.js";
import { decodeSuspicion } from "../api/validate.js";
import type { MonitorStats } from "../stats.js";
import { ensureTransitionLog, TransitionLog, TransitionWriter, type LoggedTransition } from "./transition-log.js";
import type { LogWriter } from "./bus-transport.js";

/** Events kept per window: the last tells whether the peer is suspect; the rest is short history. */
const SUSPICION_HISTORY = 16;
/** The log's size, bytes; the oldest events go first when full. */
const SUSPICION_STREAM_MAX_BYTES = 64 * 1024 ** 2;

/** Creates the suspicion log stream when missing. */
export async function ensureSuspicionStream(jsm: JetStreamManager, subjects: Subjects, o: { replicas: number; retentionMs: number }): Promise<void> {
  await ensureTransitionLog(jsm, {
    ...o,
    name: subjects.stream("SUSPECTS"),
    subject: subjects.suspectLog("*", "*"),
    history: SUSPICION_HISTORY,
    maxMsgBytes: MAX_MESSAGE_BYTES,
    maxBytes: SUSPICION_STREAM_MAX_BYTES,
    description: "peermon: early suspicion (once per transition), published to the suspects subjects by the monitor that logged each",
  });
}

/** The suspicion log's writer: each suspect / cleared once per transition, whichever replica is alive. */
export async function openSuspicionWriter(nc: NatsConnection, subjects: Subjects, stats: MonitorStats): Promise<LogWriter<SuspicionEvent>> {
  const log = await TransitionLog.open<LoggedTransition<SuspicionKind>>(nc, {
    stream: subjects.stream("SUSPECTS"),
    decode: (d) => decodeSuspicion(d),
    idOf: (e) => e.id,
  });
  return new TransitionWriter(
    log,
    (e: SuspicionEvent) => subjects.suspectLog(e.name, e.peer),
    (e: SuspicionEvent) => subjects.suspects(e.name, e.peer),
    encodeSuspicion,
    () => stats.suspicionsDeduplicated++,
  );
}
