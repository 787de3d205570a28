/**
 * Where the current PeerSet comes from. With JetStream, a stream keeps the last messages of the
 * peerset subject (it captures the peer manager's plain publishes), so a restarted monitor starts
 * from the newest valid one without anyone re-publishing it (a garbage message published later
 * cannot erase it); an ordered consumer then delivers every later message, in order. Without
 * JetStream the peerset is followed live and kept in memory only.
 */
import { DeliverPolicy, type ConsumerMessages, type JetStreamManager, type NatsConnection, type Subscription } from "nats";
import type { Subjects } from "../api/subjects.js";
import { ensurePeerSetStream, newestValidPeerSet, peersetStreamName } from "./peerset-stream.js";
import type { PeerSet } from "../api/types.js";
import type { Logger } from "../log.js";

export type PeerSetMode = "jetstream" | "memory";

/** Where PeerSets go: raw messages to be checked, and the stream's newest valid one as it is. */
export interface PeerSetTarget {
  receivePeerSet(data: Uint8Array): void;
  applyPeerSet(ps: PeerSet): void;
}

export interface PeerSetSource {
  mode: PeerSetMode;
  stop(): Promise<void>;
}

/** Follows the peerset through JetStream when `jsm` is given (falling back to memory on error). */
export async function followPeerSet(
  nc: NatsConnection,
  subjects: Subjects,
  target: PeerSetTarget,
  log: Logger,
  options: { jsm: JetStreamManager | undefined; replicas: number },
): Promise<PeerSetSource> {
  if (options.jsm) {
    try {
      return await followStream(nc, options.jsm, subjects, target, options.replicas);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "cannot keep the peerset in JetStream: it is kept in memory only");
    }
  }
  const sub: Subscription = nc.subscribe(subjects.peerset, {
    callback: (err, m) => {
      if (!err) target.receivePeerSet(m.data);
    },
  });
  return { mode: "memory", stop: async () => sub.unsubscribe() };
}

async function followStream(
  nc: NatsConnection,
  jsm: JetStreamManager,
  subjects: Subjects,
  target: PeerSetTarget,
  replicas: number,
): Promise<PeerSetSource> {
  const bounds = await ensurePeerSetStream(jsm, subjects, replicas);
  const newest = await newestValidPeerSet(jsm, subjects, bounds);
  if (newest) target.applyPeerSet(newest.peerset);
  const consumer = await nc.jetstream().consumers.get(peersetStreamName(subjects.prefix), {
    filterSubjects: subjects.peerset,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: bounds.last + 1,
  });
  const messages: ConsumerMessages = await consumer.consume();
  const done = (async () => {
    for await (const m of messages) target.receivePeerSet(m.data);
  })();
  return {
    mode: "jetstream",
    stop: async () => {
      await messages.close();
      await done.catch(() => undefined);
    },
  };
}
