/**
 * The JetStream stream that keeps PeerSets: it captures `<prefix>.peerset` (the peer manager's
 * plain publishes too) and keeps the last PEERSET_HISTORY messages; the newest VALID one is the
 * current peerset, so one garbage publish cannot erase it. Monitors and the SDK both use this.
 *
 * A PeerSet may be as large as the server's `max_payload` (10,000 libp2p ids are about 530 KB), so
 * the stream has no message limit of its own. A limit an operator set is left alone, and said.
 */
import { DiscardPolicy, StorageType, type JetStreamManager, type NatsError, type StreamInfo } from "nats";
import { Subjects } from "../api/subjects.js";
import type { PeerSet } from "../api/types.js";
import { decodePeerSetMessage } from "../api/validate.js";
import { MAX_PEERSET_BYTES } from "../api/codec.js";

/** PeerSet messages kept: a reader looks this far back for a valid one. */
export const PEERSET_HISTORY = 16;

/** The stream's `max_msg_size`: none (-1), so the server's `max_payload` is the only limit. */
export const PEERSET_MAX_MSG_SIZE = -1;

export function peersetStreamName(prefix: string): string {
  return new Subjects(prefix).stream("PEERSET");
}

export interface StreamBounds {
  /** First and last sequence numbers in the stream (0 when it is empty). */
  first: number;
  last: number;
}

/** The stream as `ensurePeerSetStream` left it. */
export interface PeerSetStreamState extends StreamBounds {
  /** The stream's own limit on a message, bytes; -1: none (the server's `max_payload` applies). */
  maxMsgSize: number;
  /** Created now, or found as it is. */
  outcome: "created" | "kept";
}

/**
 * The largest PeerSet that reaches a monitor or the stream, bytes: the server's `max_payload`, or
 * the stream's own limit when it has one and it is lower. Unknown `max_payload`: MAX_PEERSET_BYTES.
 */
export function peersetLimit(maxPayload: number | undefined, streamMaxMsgSize = PEERSET_MAX_MSG_SIZE): number {
  const server = maxPayload !== undefined && maxPayload > 0 ? maxPayload : MAX_PEERSET_BYTES;
  return streamMaxMsgSize > 0 ? Math.min(server, streamMaxMsgSize) : server;
}

/** What to run to remove the stream's own message limit (natscli), for messages to the operator. */
export function removeLimitCommand(stream: string): string {
  return `nats stream edit ${stream} --max-msg-size=-1`;
}

/** The stream's info, or undefined when it does not exist. */
async function streamInfo(jsm: JetStreamManager, stream: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(stream);
  } catch (err) {
    if ((err as NatsError).code === "404") return undefined;
    throw err;
  }
}

function boundsOf({ state }: StreamInfo): StreamBounds {
  return { first: state.first_seq, last: state.messages === 0 ? 0 : state.last_seq };
}

/** Bounds of the stream, or undefined when it does not exist. */
export async function peersetStreamBounds(jsm: JetStreamManager, subjects: Subjects): Promise<StreamBounds | undefined> {
  const info = await streamInfo(jsm, peersetStreamName(subjects.prefix));
  return info && boundsOf(info);
}

/** Creates the stream when missing; returns its state. */
export async function ensurePeerSetStream(jsm: JetStreamManager, subjects: Subjects, replicas = 1): Promise<PeerSetStreamState> {
  const name = peersetStreamName(subjects.prefix);
  const info = await streamInfo(jsm, name);
  if (!info) {
    await jsm.streams.add({
      name,
      subjects: [subjects.peerset],
      max_msgs_per_subject: PEERSET_HISTORY,
      max_msg_size: PEERSET_MAX_MSG_SIZE,
      discard: DiscardPolicy.Old,
      storage: StorageType.File,
      num_replicas: replicas,
      description: "peermon: the last PeerSets published (the newest valid one is current)",
    });
    return { first: 0, last: 0, maxMsgSize: PEERSET_MAX_MSG_SIZE, outcome: "created" };
  }
  return { ...boundsOf(info), maxMsgSize: info.config.max_msg_size, outcome: "kept" };
}

/** The stream's own limit on a message, bytes (-1: none, or the stream is missing). */
export async function peersetStreamLimit(jsm: JetStreamManager, subjects: Subjects): Promise<number> {
  return (await streamInfo(jsm, peersetStreamName(subjects.prefix)))?.config.max_msg_size ?? PEERSET_MAX_MSG_SIZE;
}

/**
 * Walks back from the last stored message to the newest valid PeerSet, with its sequence. One over
 * `maxBytes` (the server's limit now) is passed over like any invalid one.
 */
export async function newestValidPeerSet(
  jsm: JetStreamManager,
  subjects: Subjects,
  bounds: StreamBounds,
  maxBytes = MAX_PEERSET_BYTES,
): Promise<{ peerset: PeerSet; seq: number } | undefined> {
  const stream = peersetStreamName(subjects.prefix);
  for (let seq = bounds.last; seq >= Math.max(bounds.first, 1); seq--) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
    const decoded = m && decodePeerSetMessage(m.data, maxBytes);
    if (decoded?.ok) return { peerset: decoded.value, seq };
  }
  return undefined;
}
