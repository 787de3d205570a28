/**
 * Following alerts. Live: a subscription on `<prefix>.alerts.<name>.<peer>`. From the stream: an
 * ordered consumer on the alert log (JetStream), which first delivers the alerts still kept (a
 * consumer that was offline catches up) and then every new one, in order and without gaps, across
 * reconnects and server restarts. Either is set up as soon as `alerts()` is called, so nothing
 * published after that call is missed, even before the first `next()`. A copy published again (its
 * monitor lost its own server before the server confirmed the first: same id) is given once.
 */
import { DeliverPolicy, ErrorCode, type NatsConnection, type NatsError } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { Alert } from "../api/types.js";
import { decodeAlert } from "../api/validate.js";
import { isNotFound } from "../bus/jetstream.js";
import { PeermonError } from "../errors.js";

export interface AlertFilter {
  /** Only alerts of this metric name. */
  name?: string;
  /** Only alerts of this peer. */
  peer?: string;
  /**
   * Read the alert log instead of the live subject: `true` from its start (what it still keeps),
   * a Date from that time on. Needs JetStream (the alert log).
   */
  fromStream?: boolean | Date;
}

/**
 * Alerts as an async iterable (`for await`); `stop()` ends it from anywhere, even while it waits.
 * It lasts across reconnects; if the connection closes for good, the iteration throws saying so.
 */
export interface AlertStream extends AsyncIterable<Alert> {
  stop(): void;
  /**
   * Resolves once the server has the subscription (or the alert log's consumer): alerts published
   * from then on are delivered. Rejects as the iteration would (say, no alert log).
   */
  readonly ready: Promise<void>;
}

export function followAlerts(nc: NatsConnection, subjects: Subjects, filter: AlertFilter): AlertStream {
  let stopped = false;
  const opening = filter.fromStream ? fromLog(nc, subjects, filter) : Promise.resolve(fromSubject(nc, subjects, filter));
  const ready = opening.then(() => nc.flush());
  ready.catch(() => undefined); // reported by the iteration too; not an unhandled rejection
  async function* alerts(): AsyncGenerator<Alert> {
    const source = await opening;
    const lastId = new Map<string, string>(); // per (name, peer): alerts of one window come in order
    for await (const data of source.messages) {
      const alert = tryDecode(data);
      if (!alert) continue;
      const key = `${alert.name}\u0000${alert.peer}`;
      if (lastId.get(key) === alert.id) continue;
      lastId.set(key, alert.id);
      yield alert;
    }
    if (!stopped && nc.isClosed()) throw connectionClosed("the alert stream ended");
  }
  const iterable = alerts();
  return {
    [Symbol.asyncIterator]: () => iterable,
    ready,
    stop: () => {
      stopped = true;
      opening.then(
        (source) => source.stop(),
        () => undefined,
      );
    },
  };
}

interface Source {
  messages: AsyncIterable<Uint8Array>;
  stop(): void;
}

function fromSubject(nc: NatsConnection, subjects: Subjects, filter: AlertFilter): Source {
  const sub = nc.subscribe(subjects.alertFilter(filter.name, filter.peer));
  return { messages: datas(sub), stop: () => sub.unsubscribe() };
}

async function fromLog(nc: NatsConnection, subjects: Subjects, filter: AlertFilter): Promise<Source> {
  const stream = subjects.stream("ALERTS");
  try {
    const consumer = await nc.jetstream().consumers.get(stream, {
      filterSubjects: subjects.alertLog(filter.name ?? "*", filter.peer ?? "*"),
      ...(filter.fromStream instanceof Date
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: filter.fromStream.toISOString() }
        : // DeliverPolicy.All is the same, but an ordered consumer never starts with it (nats.js 2.29).
          { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 }),
    });
    const messages = await consumer.consume();
    return { messages: datas(messages), stop: () => messages.stop() };
  } catch (err) {
    const code = (err as NatsError).code;
    if (isNotFound(err) || code === ErrorCode.JetStreamNotEnabled || code === ErrorCode.NoResponders) {
      throw new PeermonError(
        `no alert log to read (stream ${stream}): it exists once a monitor ran with JetStream ` +
          "(peermon serve, without --no-jetstream, on a server with JetStream); follow live alerts instead",
        { cause: err },
      );
    }
    throw err;
  }
}

async function* datas(messages: AsyncIterable<{ data: Uint8Array }>): AsyncGenerator<Uint8Array> {
  for await (const m of messages) yield m.data;
}

/** The error an informer or alert stream reports when its connection closed for good. */
export function connectionClosed(what: string): PeermonError {
  return new PeermonError(`${what}: the NATS connection closed for good; connect with \`maxReconnectAttempts: -1\` to reconnect forever`);
}

/** Something else published on the alert subject is skipped, not thrown at the consumer. */
function tryDecode(data: Uint8Array): Alert | undefined {
  try {
    return decodeAlert(data);
  } catch {
    return undefined;
  }
}
