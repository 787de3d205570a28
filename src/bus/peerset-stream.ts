/**
 * The JetStream stream that keeps PeerSets: it captures `<prefix>.peerset` (the peer manager's
 * plain publishes too) and keeps the last PEERSET_HISTORY messages; the newest VALID one is the
 * current peerset, so one garbage publish cannot erase it. Monitors and the SDK both use this.
 *
 * A PeerSet may be as large as the server's `max_payload` (10,000 libp2p ids are about 530 KB), so
 * the stream has no message limit of its own. Older peermon versions created it with the metric
 * limit, 64 KiB, which refuses a PeerSet of about 1,250 libp2p ids or more, silently for a plain
 * publish: a stream with exactly that limit is raised (`raiseLegacyLimit`); any other limit was
 * set by an operator and is left alone.
 */
import { DiscardPolicy, StorageType, type JetStreamManager, type NatsError, type StreamInfo } from "nats";
import { Subjects } from "../api/subjects.js";
import type { PeerSet } from "../api/types.js";
import { decodePeerSetMessage } from "../api/validate.js";
import { MAX_MESSAGE_BYTES, MAX_PEERSET_BYTES } from "../api/codec.js";
import { describe } from "../errors.js";

/** PeerSet messages kept: a reader looks this far back for a valid one. */
export const PEERSET_HISTORY = 16;

/** The stream's `max_msg_size`: none (-1), so the server's `max_payload` is the only limit. */
export const PEERSET_MAX_MSG_SIZE = -1;

/** The `max_msg_size` older peermon versions gave the stream (the metric limit): raised when found. */
export const LEGACY_PEERSET_MAX_MSG_SIZE = MAX_MESSAGE_BYTES;

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
  /** Created now, its 64 KiB limit from an older peermon raised, or found as it is. */
  outcome: "created" | "raised" | "kept";
  /** Why the 64 KiB limit of an older peermon could not be raised (no permission to update streams). */
  raiseError?: string;
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

/** Creates the stream when missing, raises an older peermon's 64 KiB limit; returns its state. */
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
  const maxMsgSize = info.config.max_msg_size;
  if (maxMsgSize !== LEGACY_PEERSET_MAX_MSG_SIZE) return { ...boundsOf(info), maxMsgSize, outcome: "kept" };
  const raiseError = await removeLimit(jsm, name);
  return raiseError === undefined
    ? { ...boundsOf(info), maxMsgSize: PEERSET_MAX_MSG_SIZE, outcome: "raised" }
    : { ...boundsOf(info), maxMsgSize, outcome: "kept", raiseError };
}

/**
 * Removes the stream's limit when it is the 64 KiB of an older peermon (any other is the
 * operator's); resolves with the stream's limit afterwards (-1: none, or the stream is missing).
 * It stays when these credentials may not update streams.
 */
export async function raiseLegacyLimit(jsm: JetStreamManager, subjects: Subjects): Promise<number> {
  const name = peersetStreamName(subjects.prefix);
  const current = (await streamInfo(jsm, name))?.config.max_msg_size ?? PEERSET_MAX_MSG_SIZE;
  if (current !== LEGACY_PEERSET_MAX_MSG_SIZE) return current;
  return (await removeLimit(jsm, name)) === undefined ? PEERSET_MAX_MSG_SIZE : current;
}

/** Sets the stream's max_msg_size to none; resolves with why it failed, or undefined. */
async function removeLimit(jsm: JetStreamManager, stream: string): Promise<string | undefined> {
  try {
    await jsm.streams.update(stream, { max_msg_size: PEERSET_MAX_MSG_SIZE });
    return undefined;
  } catch (err) {
    return describe(err);
  }
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
