/**
 * BusTransport: the outbox's one transport. It keeps the one hold-while-disconnected rule (an
 * emission is taken only while the connection is up; the outbox holds the rest until the
 * reconnect) and hands each emission to the writer of its log: the alert log, the suspicion log,
 * the disruption log, each a JetStream transition log or plain publishes (core-transport.ts).
 */
import type { NatsConnection } from "nats";
import { logOf, type Emission, type EmissionLog } from "../actors/emission.js";
import type { Transport } from "../actors/outbox.js";

/** Writes one log's emissions; `done` as Transport.send's. */
export interface LogWriter<T extends Emission> {
  write(item: T, done: (err?: unknown, episode?: string, muted?: boolean) => void): void;
}

export type LogWriters = { [L in EmissionLog]?: LogWriter<Extract<Emission, { kind: KindOf<L> }>> };
type KindOf<L extends EmissionLog> = L extends "alerts" ? "firing" | "resolved" : L extends "suspects" ? "suspect" | "cleared" : "started" | "ended";

export class BusTransport implements Transport {
  private connected = true;

  constructor(
    private readonly nc: NatsConnection,
    private readonly writers: LogWriters,
  ) {}

  send(item: Emission, done: (err?: unknown, episode?: string, muted?: boolean) => void): boolean {
    if (!this.connected || this.nc.isClosed()) return false;
    const writer = this.writers[logOf(item)] as LogWriter<Emission> | undefined;
    if (!writer) {
      done(); // a log this monitor does not write (suspicion off): nothing to keep
      return true;
    }
    writer.write(item, done);
    return true;
  }

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
  }
}
