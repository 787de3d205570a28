/**
 * Following alerts. Live: a subscription on `<prefix>.alerts.<name>.<peer>`. From the stream: an
 * ordered consumer on the alert log (JetStream), which first delivers the alerts still kept (a
 * consumer that was offline catches up) and then every new one, in order and without gaps, across
 * reconnects.
 */
import { DeliverPolicy, type NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { Alert } from "../api/types.js";
import { decodeAlert } from "../api/validate.js";

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

/** Alerts as an async iterable (`for await`); `stop()` ends it from anywhere, even while it waits. */
export interface AlertStream extends AsyncIterable<Alert> {
  stop(): void;
}

export function followAlerts(nc: NatsConnection, subjects: Subjects, filter: AlertFilter): AlertStream {
  let stop = () => {};
  let stopped = false;
  async function* alerts(): AsyncGenerator<Alert> {
    const source = filter.fromStream ? await fromLog(nc, subjects, filter) : fromSubject(nc, subjects, filter);
    stop = source.stop;
    if (stopped) source.stop();
    for await (const data of source.messages) {
      const alert = tryDecode(data);
      if (alert) yield alert;
    }
  }
  const iterable = alerts();
  return {
    [Symbol.asyncIterator]: () => iterable,
    stop: () => {
      stopped = true;
      stop();
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
  const consumer = await nc.jetstream().consumers.get(subjects.stream("ALERTS"), {
    filterSubjects: subjects.alertLog(filter.name ?? "*", filter.peer ?? "*"),
    ...(filter.fromStream instanceof Date
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: filter.fromStream.toISOString() }
      : // DeliverPolicy.All is the same, but an ordered consumer never starts with it (nats.js 2.29).
        { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: 1 }),
  });
  const messages = await consumer.consume();
  return { messages: datas(messages), stop: () => messages.stop() };
}

async function* datas(messages: AsyncIterable<{ data: Uint8Array }>): AsyncGenerator<Uint8Array> {
  for await (const m of messages) yield m.data;
}

/** Something else published on the alert subject is skipped, not thrown at the consumer. */
function tryDecode(data: Uint8Array): Alert | undefined {
  try {
    return decodeAlert(data);
  } catch {
    return undefined;
  }
}
