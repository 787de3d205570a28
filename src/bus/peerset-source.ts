/**
 * Where the current PeerSet comes from. With JetStream, a stream keeps the last messages of the
 * peerset subject (it captures the peer manager's plain publishes), so a restarted monitor starts
 * from the newest valid one without anyone re-publishing it (a garbage message published later
 * cannot erase it); an ordered consumer then delivers every later message, in order. Without
 * JetStream the peerset is followed live and kept in memory only.
 *
 * A PeerSet may be as large as the server's `max_payload`; the intake rejects one over the
 * limit as `too_large`. When the stream has a lower limit of its own (an operator's, or an older
 * peermon's that these credentials may not raise), it refuses larger PeerSets without telling the
 * publisher: the monitor then also watches the subject, so that each refused one is counted and
 * logged with what to do, instead of vanishing.
 */
import { DeliverPolicy, type ConsumerMessages, type JetStreamManager, type NatsConnection, type Subscription } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { Clock } from "../clock.js";
import { ensurePeerSetStream, newestValidPeerSet, peersetLimit, peersetStreamName, removeLimitCommand, type PeerSetStreamState } from "./peerset-stream.js";
import type { PeerSet } from "../api/types.js";
import { RateLimitedLog, type Logger } from "../log.js";

export type PeerSetMode = "jetstream" | "memory";

/**
 * Where PeerSets go: raw messages to be checked (one over `maxBytes`, the server's limit as this
 * connection knows it, is rejected as too_large), and the stream's newest valid one as it is.
 */
export interface PeerSetTarget {
  receivePeerSet(data: Uint8Array, maxBytes: number): void;
  applyPeerSet(ps: PeerSet): void;
}

export interface PeerSetSource {
  mode: PeerSetMode;
  stop(): Promise<void>;
}

/** Minimum ms between two log lines about PeerSets the stream refused. */
const REFUSED_LOG_INTERVAL_MS = 10_000;

/** Follows the peerset through JetStream when `jsm` is given (falling back to memory on error). */
export async function followPeerSet(
  nc: NatsConnection,
  subjects: Subjects,
  target: PeerSetTarget,
  log: Logger,
  options: { jsm: JetStreamManager | undefined; replicas: number; clock: Clock },
): Promise<PeerSetSource> {
  if (options.jsm) {
    try {
      return await followStream(nc, options.jsm, subjects, target, log, options);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "cannot keep the peerset in JetStream: it is kept in memory only");
    }
  }
  const sub: Subscription = nc.subscribe(subjects.peerset, {
    callback: (err, m) => {
      if (!err) target.receivePeerSet(m.data, peersetLimit(nc.info?.max_payload));
    },
  });
  return { mode: "memory", stop: async () => sub.unsubscribe() };
}

async function followStream(
  nc: NatsConnection,
  jsm: JetStreamManager,
  subjects: Subjects,
  target: PeerSetTarget,
  log: Logger,
  { replicas, clock }: { replicas: number; clock: Clock },
): Promise<PeerSetSource> {
  const stream = await ensurePeerSetStream(jsm, subjects, replicas);
  const name = peersetStreamName(subjects.prefix);
  reportStreamLimit(stream, name, nc.info?.max_payload, log);
  const limit = () => peersetLimit(nc.info?.max_payload, stream.maxMsgSize);
  const newest = await newestValidPeerSet(jsm, subjects, stream, limit());
  if (newest) target.applyPeerSet(newest.peerset);
  const consumer = await nc.jetstream().consumers.get(name, {
    filterSubjects: subjects.peerset,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: stream.last + 1,
  });
  const messages: ConsumerMessages = await consumer.consume();
  const done = (async () => {
    for await (const m of messages) target.receivePeerSet(m.data, limit());
  })();
  const refused = streamBelowServer(stream, nc.info?.max_payload) ? watchRefused(nc, subjects, target, name, stream.maxMsgSize, log, clock) : undefined;
  return {
    mode: "jetstream",
    stop: async () => {
      refused?.unsubscribe();
      await messages.close();
      await done.catch(() => undefined);
    },
  };
}

/** True when the stream refuses PeerSets the server would carry. */
function streamBelowServer(stream: PeerSetStreamState, maxPayload: number | undefined): boolean {
  return stream.maxMsgSize > 0 && stream.maxMsgSize < peersetLimit(maxPayload);
}

/** One line at start when the stream's own limit (an operator's) is below the server's. */
function reportStreamLimit(stream: PeerSetStreamState, name: string, maxPayload: number | undefined, log: Logger): void {
  if (streamBelowServer(stream, maxPayload)) {
    log.warn(
      { stream: name, maxMsgSize: stream.maxMsgSize, maxPayload },
      `the peerset stream refuses PeerSets over its max_msg_size: they are not applied (counted as rejected, too_large); ` +
        `remove the limit with \`${removeLimitCommand(name)}\``,
    );
  }
}

/** Counts and logs each PeerSet on the subject that is over the stream's limit (the stream refused it). */
function watchRefused(
  nc: NatsConnection,
  subjects: Subjects,
  target: PeerSetTarget,
  stream: string,
  maxMsgSize: number,
  log: Logger,
  clock: Clock,
): Subscription {
  const refusedLog = new RateLimitedLog(
    (f, m) => log.warn(f, m),
    REFUSED_LOG_INTERVAL_MS,
    () => clock.now(),
  );
  return nc.subscribe(subjects.peerset, {
    callback: (err, m) => {
      if (err || m.data.length <= maxMsgSize) return;
      target.receivePeerSet(m.data, maxMsgSize);
      refusedLog.note(
        { stream, bytes: m.data.length, maxMsgSize },
        `a PeerSet over the peerset stream's max_msg_size was refused by the stream and is not applied; ` +
          `remove the limit with \`${removeLimitCommand(stream)}\``,
      );
    },
  });
}
