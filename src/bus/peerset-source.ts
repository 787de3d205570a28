/**
 * Where the current PeerSet comes from. With JetStream, a stream keeps the last messages of the
 * peerset subject (it captures the peer manager's plain publishes), so a restarted monitor starts
 * from the newest valid one without anyone re-publishing it (a garbage message published later
 * cannot erase it); an ordered consumer then delivers every later message, in order. Without
 * JetStream the peerset is followed live and kept in memory only.
 */
import {
  DeliverPolicy,
  DiscardPolicy,
  ErrorCode,
  StorageType,
  type ConsumerMessages,
  type JetStreamManager,
  type NatsConnection,
  type NatsError,
  type Subscription,
} from "nats";
import type { Subjects } from "../api/subjects.js";
import { decodePeerSetMessage } from "../api/validate.js";
import type { Supervisor } from "../actors/supervisor.js";
import type { Logger } from "../log.js";

export type PeerSetMode = "jetstream" | "memory";

/** PeerSet messages kept: a restarted monitor looks this far back for a valid one. */
export const PEERSET_HISTORY = 16;

export interface PeerSetSource {
  mode: PeerSetMode;
  stop(): Promise<void>;
}

export function peersetStreamName(prefix: string): string {
  return `${prefix.toUpperCase().replace(/[^A-Z0-9_-]/g, "_")}_PEERSET`;
}

export async function followPeerSet(
  nc: NatsConnection,
  subjects: Subjects,
  supervisor: Supervisor,
  log: Logger,
  options: { jetstream: boolean; replicas: number },
): Promise<PeerSetSource> {
  if (options.jetstream) {
    try {
      return await followStream(nc, subjects, supervisor, options.replicas);
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        (err as NatsError).code === ErrorCode.JetStreamNotEnabled
          ? "JetStream is not enabled on the server: the peerset is kept in memory only (enable it with `jetstream: enabled` or nats-server -js)"
          : "cannot keep the peerset in JetStream: it is kept in memory only",
      );
    }
  }
  const sub: Subscription = nc.subscribe(subjects.peerset, {
    callback: (err, m) => {
      if (!err) supervisor.receivePeerSet(m.data);
    },
  });
  return { mode: "memory", stop: async () => sub.unsubscribe() };
}

async function followStream(
  nc: NatsConnection,
  subjects: Subjects,
  supervisor: Supervisor,
  replicas: number,
): Promise<PeerSetSource> {
  const jsm = await nc.jetstreamManager();
  const stream = peersetStreamName(subjects.prefix);
  const { first, last } = await ensureStream(jsm, stream, subjects.peerset, replicas);
  const newest = await newestValidPeerSet(jsm, stream, first, last);
  if (newest) supervisor.applyPeerSet(newest);
  const consumer = await nc.jetstream().consumers.get(stream, {
    filterSubjects: subjects.peerset,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: last + 1,
  });
  const messages: ConsumerMessages = await consumer.consume();
  const done = (async () => {
    for await (const m of messages) supervisor.receivePeerSet(m.data);
  })();
  return {
    mode: "jetstream",
    stop: async () => {
      await messages.close();
      await done.catch(() => undefined);
    },
  };
}

/** Walks back from the last stored message to the newest one that is a valid PeerSet. */
async function newestValidPeerSet(jsm: JetStreamManager, stream: string, first: number, last: number) {
  for (let seq = last; seq >= Math.max(first, 1); seq--) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
    const decoded = m && decodePeerSetMessage(m.data);
    if (decoded?.ok) return decoded.value;
  }
  return undefined;
}

/** Creates the peerset stream when missing; returns its first and last sequence numbers. */
async function ensureStream(jsm: JetStreamManager, name: string, subject: string, replicas: number) {
  let state;
  try {
    state = (await jsm.streams.info(name)).state;
  } catch (err) {
    if ((err as NatsError).code !== "404") throw err;
  }
  state ??= (await jsm.streams.add({
    name,
    subjects: [subject],
    max_msgs_per_subject: PEERSET_HISTORY,
    discard: DiscardPolicy.Old,
    storage: StorageType.File,
    num_replicas: replicas,
    description: "peermon: the last PeerSets published (the newest valid one is current)",
  })).state;
  return { first: state.first_seq, last: state.last_seq };
}
