/**
 * Turns the NATS client's status events into the calls the wiring cares about (disconnected,
 * reconnected, and messages lost without a disconnect: a server's slow-consumer error), and logs
 * the rest (lame duck mode, errors, a stale connection). nats-server 2.9 closes a slow consumer's
 * connection (a disconnect); a server that reports one with an error instead is heard too.
 */
import { DebugEvents, Events, type NatsConnection } from "nats";
import type { Logger } from "../log.js";

export interface ConnectionListener {
  disconnected(): void;
  reconnected(): void;
  /** The server says it dropped messages meant for this connection, which stays up. */
  lost(reason: string): void;
}

const SLOW_CONSUMER = /slow consumer/i;

/** Follows `nc`'s status until it closes. */
export function watchConnection(nc: NatsConnection, log: Logger, listener: ConnectionListener): void {
  const events = nc.status();
  // nats.js does not end status iterators when the connection closes; end ours then.
  void nc.closed().then(() => (events as { stop?: () => void }).stop?.());
  void (async () => {
    for await (const s of events) {
      switch (s.type) {
        case Events.Disconnect:
          log.warn({ server: s.data }, "disconnected from NATS: reconnecting");
          listener.disconnected();
          break;
        case Events.Reconnect:
          log.info({ server: s.data }, "reconnected to NATS");
          listener.reconnected();
          break;
        case Events.LDM:
          log.warn({ server: s.data }, "NATS server entering lame duck mode: will reconnect elsewhere");
          break;
        case Events.Error:
          log.warn({ err: String(s.data) }, "NATS reported an error");
          if (SLOW_CONSUMER.test(String(s.data))) listener.lost("slow-consumer");
          break;
        case DebugEvents.StaleConnection:
          log.warn({}, "NATS connection stale: reconnecting");
          break;
      }
    }
  })();
}
