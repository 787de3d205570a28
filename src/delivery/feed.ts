/**
 * Feeds: how delivery reads the alert log, over NATS.
 * - `followDurable`: one destination's durable pull consumer on `<PREFIX>_ALERTS`, shared by every
 *   instance (all bind the same name, so each alert goes to one of them), acknowledged per alert.
 * - `followLogState`: every alert, in log order, starting with the last one of each (name, peer):
 *   an ordered consumer that feeds an instance's EpisodeTable.
 * - Without JetStream, the same two from the live subject: a queue subscription (each alert to one
 *   instance, lost if it dies: best effort) and a plain one.
 */
import { AckPolicy, ConsumerEvents, DeliverPolicy, nanos, type ConsumerConfig, type JetStreamManager, type JsMsg, type NatsConnection } from "nats";
import type { Logger } from "../log.js";
import { isNotFound } from "../bus/jetstream.js";

/** One alert log message as a sink sees it, whatever the feed. */
export interface LogMessage {
  readonly data: Uint8Array;
  /** Stream sequence (arrival order without JetStream). */
  readonly seq: number;
  /** When the log stored it, Unix ms on the server's wall clock (arrival on the monitor's wall clock without JetStream). */
  readonly loggedAtMs: number;
  /** How many times it was handed out, this time included (1 without JetStream). */
  readonly deliveries: number;
  /**
   * Logged before this destination's consumer existed: it comes from the catch-up of what was
   * current then (the log's last alert of each (name, peer)), not from the live flow.
   */
  readonly catchUp?: boolean;
  ack(): void;
  /** Hands it out again, at once or after `delayMs`. */
  nak(delayMs?: number): void;
  /** Still being worked on: not to be handed out again yet. */
  working(): void;
}

export interface Feed {
  stop(): Promise<void>;
}

export interface DurableOptions {
  nc: NatsConnection;
  jsm: JetStreamManager;
  stream: string;
  /** The consumer's durable name. */
  durable: string;
  /** The log subjects it takes (`<prefix>.alertlog.>`). */
  filter: string;
  description: string;
  ackWaitMs: number;
  maxPending: number;
  /** A consumer nobody pulls from for this long is removed by the server, ms. */
  inactiveMs: number;
  log: Logger;
  onMessage(message: LogMessage, backlog: number): void;
}

/** The consumer's settings; see MonitorConfig.deliveryAckWaitMs and deliveryMaxPending for why. */
export function durableConfig(o: Omit<DurableOptions, "nc" | "jsm" | "log" | "onMessage" | "stream">): Partial<ConsumerConfig> {
  return {
    durable_name: o.durable,
    description: o.description,
    ack_policy: AckPolicy.Explicit,
    // A new destination starts with the log's last alert of each (name, peer), then what is logged
    // from then on: it learns what is firing now, not the last day's alerts (the sink skips the
    // resolved ones among them: it was never sent their firing alert).
    deliver_policy: DeliverPolicy.LastPerSubject,
    filter_subject: o.filter,
    ack_wait: nanos(o.ackWaitMs),
    max_ack_pending: o.maxPending,
    // Retries happen in the instance that holds an alert; the log redelivers only what a dead one held.
    max_deliver: -1,
    inactive_threshold: nanos(o.inactiveMs),
  };
}

/**
 * Creates the durable consumer, or brings an existing one's changeable settings up to date.
 * Resolves with when the consumer was created, Unix ms on the server's clock (the alerts' stamps'):
 * what was logged before it is the new destination's catch-up.
 */
export async function ensureDurable(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>, log: Logger): Promise<number> {
  const name = config.durable_name!;
  try {
    const info = await jsm.consumers.info(stream, name);
    const c = info.config;
    if (c.ack_wait !== config.ack_wait || c.max_ack_pending !== config.max_ack_pending || c.inactive_threshold !== config.inactive_threshold) {
      // Best effort: the consumer as it is still delivers (another version's settings, say).
      await jsm.consumers
        .update(stream, name, {
          ack_wait: config.ack_wait!,
          max_ack_pending: config.max_ack_pending!,
          inactive_threshold: config.inactive_threshold!,
          description: config.description!,
        })
        .then(
          () => log.info({ consumer: name }, "delivery consumer settings updated"),
          (err: Error) => log.warn({ consumer: name, err: err.message }, "cannot update the delivery consumer's settings: using it as it is"),
        );
    }
    return Date.parse(info.created);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return Date.parse((await jsm.consumers.add(stream, config)).created);
}

/** `createdMs`: when the consumer was created (what was logged before is its catch-up). */
function fromJsMsg(m: JsMsg, createdMs: number): LogMessage {
  const loggedAtMs = m.info.timestampNanos / 1e6;
  return {
    data: m.data,
    seq: m.seq,
    loggedAtMs,
    // A millisecond of margin (Date.parse drops the ns): an alert logged as the consumer was made counts as live.
    catchUp: loggedAtMs < createdMs - 1,
    deliveries: m.info.redeliveryCount,
    ack: () => m.ack(),
    nak: (delayMs) => m.nak(delayMs),
    working: () => m.working(),
  };
}

export async function followDurable(o: DurableOptions): Promise<Feed> {
  const config = durableConfig(o);
  let createdMs = await ensureDurable(o.jsm, o.stream, config, o.log);
  const consumer = await o.nc.jetstream().consumers.get(o.stream, o.durable);
  const messages = await consumer.consume({ max_messages: Math.min(o.maxPending, 256) });
  let recreating = false;
  // A consumer removed under us (by an operator, or for inactivity while the server was away) is created again.
  void (async () => {
    for await (const s of await messages.status()) {
      if ((s.type === ConsumerEvents.ConsumerNotFound || s.type === ConsumerEvents.ConsumerDeleted) && !recreating) {
        recreating = true;
        ensureDurable(o.jsm, o.stream, config, o.log)
          .then((created) => {
            createdMs = created;
            o.log.warn({ consumer: o.durable }, "the delivery consumer was gone: created it again (it catches up with what fires now)");
          })
          .catch((err: Error) => o.log.warn({ consumer: o.durable, err: err.message }, "cannot create the delivery consumer again yet"))
          .finally(() => (recreating = false));
      }
    }
  })().catch(() => {});
  const done = (async () => {
    for await (const m of messages) o.onMessage(fromJsMsg(m, createdMs), m.info.pending);
  })().catch((err: Error) => o.log.warn({ consumer: o.durable, err: err.message }, "delivery consumer stopped"));
  return {
    stop: async () => {
      messages.stop();
      await done;
    },
  };
}

/** Every alert in log order from the last one of each (name, peer) on: what an EpisodeTable needs. */
export async function followLogState(
  nc: NatsConnection,
  stream: string,
  filter: string,
  log: Logger,
  onMessage: (seq: number, data: Uint8Array) => void,
): Promise<Feed> {
  const consumer = await nc.jetstream().consumers.get(stream, { filterSubjects: filter, deliver_policy: DeliverPolicy.LastPerSubject });
  const messages = await consumer.consume();
  const done = (async () => {
    for await (const m of messages) onMessage(m.seq, m.data);
  })().catch((err: Error) => log.warn({ err: err.message }, "stopped following the alert log's state"));
  return {
    stop: async () => {
      messages.stop();
      await done;
    },
  };
}

/** Without JetStream: each alert of the live subject to one instance of `queue`. */
export function followQueue(
  nc: NatsConnection,
  subject: string,
  queue: string,
  nextSeq: () => number,
  /** The monitor's wall clock, ms. */
  wallNow: () => number,
  onMessage: (message: LogMessage) => void,
): Feed {
  const none = () => {};
  const sub = nc.subscribe(subject, {
    queue,
    callback: (err, m) => {
      if (err) return;
      onMessage({ data: m.data, seq: nextSeq(), loggedAtMs: wallNow(), deliveries: 1, ack: none, nak: none, working: none });
    },
  });
  return { stop: async () => sub.unsubscribe() };
}

/** Without JetStream: every alert of the live subject, from now on. */
export function followSubjectState(nc: NatsConnection, subject: string, nextSeq: () => number, onMessage: (seq: number, data: Uint8Array) => void): Feed {
  const sub = nc.subscribe(subject, { callback: (err, m) => err || onMessage(nextSeq(), m.data) });
  return { stop: async () => sub.unsubscribe() };
}
