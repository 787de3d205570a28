/**
 * The JetStream stream that keeps PeerSets: it captures `<prefix>.peerset` (the peer manager's
 * plain publishes too) and keeps the last PEERSET_HISTORY messages; the newest VALID one is the
 * current peerset, so one garbage publish cannot erase it. Monitors and the SDK both use this.
 */
import { DiscardPolicy, StorageType, type JetStreamManager, type NatsError } from "nats";
import { Subjects } from "../api/subjects.js";
import type { PeerSet } from "../api/types.js";
import { decodePeerSetMessage } from "../api/validate.js";
import { MAX_MESSAGE_BYTES } from "../api/codec.js";

/** PeerSet messages kept: a reader looks this far back for a valid one. */
export const PEERSET_HISTORY = 16;

export function peersetStreamName(prefix: string): string {
  return new Subjects(prefix).stream("PEERSET");
}

export interface StreamBounds {
  /** First and last sequence numbers in the stream (0 when it is empty). */
  first: number;
  last: number;
}

/** Bounds of the stream, or undefined when it does not exist. */
export async function peersetStreamBounds(jsm: JetStreamManager, subjects: Subjects): Promise<StreamBounds | undefined> {
  try {
    const { state } = await jsm.streams.info(peersetStreamName(subjects.prefix));
    return { first: state.first_seq, last: state.messages === 0 ? 0 : state.last_seq };
  } catch (err) {
    if ((err as NatsError).code === "404") return undefined;
    throw err;
  }
}

/** Creates the stream when missing; returns its bounds. */
export async function ensurePeerSetStream(jsm: JetStreamManager, subjects: Subjects, replicas = 1): Promise<StreamBounds> {
  const bounds = await peersetStreamBounds(jsm, subjects);
  if (bounds) return bounds;
  await jsm.streams.add({
    name: peersetStreamName(subjects.prefix),
    subjects: [subjects.peerset],
    max_msgs_per_subject: PEERSET_HISTORY,
    max_msg_size: MAX_MESSAGE_BYTES,
    discard: DiscardPolicy.Old,
    storage: StorageType.File,
    num_replicas: replicas,
    description: "peermon: the last PeerSets published (the newest valid one is current)",
  });
  return { first: 0, last: 0 };
}

/** Walks back from the last stored message to the newest valid PeerSet, with its sequence. */
export async function newestValidPeerSet(
  jsm: JetStreamManager,
  subjects: Subjects,
  bounds: StreamBounds,
): Promise<{ peerset: PeerSet; seq: number } | undefined> {
  const stream = peersetStreamName(subjects.prefix);
  for (let seq = bounds.last; seq >= Math.max(bounds.first, 1); seq--) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
    const decoded = m && decodePeerSetMessage(m.data);
    if (decoded?.ok) return { peerset: decoded.value, seq };
  }
  return undefined;
}
