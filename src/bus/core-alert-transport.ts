/**
 * CoreAlertTransport: alerts as plain publishes to `<prefix>.alerts.<name>.<peer>` (no JetStream).
 * An alert is taken only while connected, and confirmed once a flush (PING/PONG) that left after it
 * came back: the server has it. A flush that fails (disconnect) fails its alerts, which the outbox
 * sends again after the reconnect with the same id: consumers may see an alert twice after an
 * outage, and can tell by its `i`; they never miss one.
 */
import type { NatsConnection } from "nats";
import { encodeAlert } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { Alert } from "../api/types.js";
import type { AlertTransport } from "../actors/outbox.js";

export class CoreAlertTransport implements AlertTransport {
  private connected = true;
  /** Alerts published since the last flush left, waiting for the next one. */
  private unflushed: ((err?: unknown) => void)[] = [];
  private flushing = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
  ) {}

  send(alert: Alert, done: (err?: unknown) => void): boolean {
    if (!this.connected || this.nc.isClosed()) return false;
    this.nc.publish(this.subjects.alert(alert.name, alert.peer), encodeAlert(alert));
    this.unflushed.push(done);
    this.flush();
    return true;
  }

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
  }

  /** One flush at a time confirms every alert published before it left. */
  private flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    const batch = this.unflushed;
    this.unflushed = [];
    this.nc
      .flush()
      .then(
        () => batch.forEach((done) => done()),
        (err: unknown) => batch.forEach((done) => done(err)),
      )
      .finally(() => {
        this.flushing = false;
        if (this.unflushed.length > 0) this.flush();
      });
  }
}
