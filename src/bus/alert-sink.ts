/**
 * CoreAlertSink: publishes alerts to `<prefix>.alerts.<name>.<peer>` at least once. An alert is
 * taken only while connected; it stays in a list until a flush (PING/PONG) proves the server got
 * it, and is published again after a reconnect if that proof never came. Consumers may see an
 * alert twice after an outage and can tell by its id (`i`); they never miss one.
 */
import type { NatsConnection } from "nats";
import { encodeAlert } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { Alert } from "../api/types.js";
import type { AlertSink } from "../actors/supervisor.js";
import type { MonitorStats } from "../stats.js";

/** An AlertSink on the bus: told about the connection, and able to wait for what it took. */
export interface BusAlertSink extends AlertSink {
  /** Alerts taken but not yet confirmed by the server. */
  readonly pending: number;
  disconnected(): void;
  reconnected(): void;
  /** Resolves true once every alert taken so far is confirmed, false after `timeoutMs`. */
  settle(timeoutMs: number): Promise<boolean>;
}

interface Outgoing {
  seq: number;
  subject: string;
  data: Uint8Array;
}

export class CoreAlertSink implements BusAlertSink {
  private connected = true;
  private unconfirmed: Outgoing[] = [];
  private flushing = false;
  private seq = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly stats: MonitorStats,
  ) {}

  offer(alert: Alert): boolean {
    if (!this.connected || this.nc.isClosed()) return false;
    const out = { seq: ++this.seq, subject: this.subjects.alert(alert.name, alert.peer), data: encodeAlert(alert) };
    this.nc.publish(out.subject, out.data);
    this.unconfirmed.push(out);
    this.confirm();
    return true;
  }

  /** Alerts published but not yet confirmed by the server. */
  get pending(): number {
    return this.unconfirmed.length;
  }

  disconnected(): void {
    this.connected = false;
  }

  /** After a reconnect: publish again what the server never confirmed. */
  reconnected(): void {
    this.connected = true;
    for (const out of this.unconfirmed) this.nc.publish(out.subject, out.data);
    this.stats.alertsResent += this.unconfirmed.length;
    if (this.unconfirmed.length > 0) this.confirm();
  }

  /** Resolves once every alert taken so far is confirmed (or after `timeoutMs`). */
  async settle(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.unconfirmed.length > 0 && Date.now() < end && !this.nc.isClosed()) {
      await this.flushOnce().catch(() => undefined);
      if (this.unconfirmed.length > 0) await new Promise((r) => setTimeout(r, 50));
    }
    return this.unconfirmed.length === 0;
  }

  private confirm(): void {
    if (this.flushing) return;
    this.flushing = true;
    this.flushOnce()
      .catch(() => undefined)
      .finally(() => {
        this.flushing = false;
        // Alerts taken while this flush was on its way need a flush of their own.
        if (this.unconfirmed.length > 0 && this.connected) setImmediate(() => this.confirm());
      });
  }

  /** One PING/PONG: everything published before it has reached the server. */
  private async flushOnce(): Promise<void> {
    const upTo = this.seq;
    await this.nc.flush();
    let n = 0;
    while (n < this.unconfirmed.length && this.unconfirmed[n]!.seq <= upTo) n++;
    this.unconfirmed.splice(0, n);
  }
}
