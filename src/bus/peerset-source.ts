/**
 * Where the current PeerSet comes from. With JetStream, a stream keeps the last message of the
 * peerset subject (it captures the peer manager's plain publishes), so a restarted monitor knows
 * the peerset without anyone re-publishing it; an ordered consumer then delivers every later one,
 * in order. Without JetStream the peerset is followed live and kept in memory only.
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
import type { Supervisor } from "../actors/supervisor.js";
import type { Logger } from "../log.js";

export type PeerSetMode = "jetstream" | "memory";

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
  const lastSeq = await ensureStream(jsm, stream, subjects.peerset, replicas);
  let startSeq = lastSeq + 1;
  const last = await jsm.streams.getMessage(stream, { last_by_subj: subjects.peerset }).catch(() => undefined);
  if (last) {
    supervisor.receivePeerSet(last.data);
    startSeq = last.seq + 1;
  }
  const consumer = await nc.jetstream().consumers.get(stream, {
    filterSubjects: subjects.peerset,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: startSeq,
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

/** Creates the peerset stream when missing; returns its last sequence number. */
async function ensureStream(jsm: JetStreamManager, name: string, subject: string, replicas: number): Promise<number> {
  try {
    return (await jsm.streams.info(name)).state.last_seq;
  } catch (err) {
    if ((err as NatsError).code !== "404") throw err;
  }
  const info = await jsm.streams.add({
    name,
    subjects: [subject],
    max_msgs_per_subject: 1,
    discard: DiscardPolicy.Old,
    storage: StorageType.File,
    num_replicas: replicas,
    description: "peermon: the current PeerSet (last message of the peerset subject)",
  });
  return info.state.last_seq;
}
