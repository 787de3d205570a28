/**
 * CoreTransport: events as plain publishes (no JetStream): alerts to
 * `<prefix>.alerts.<name>.<peer>`, suspicion to `<prefix>.suspects.<name>.<peer>`. An event is
 * taken only while connected, and confirmed once a flush (PING/PONG) that left after it came back:
 * the server has it. A flush that fails (disconnect) fails its events, which the outbox sends again
 * after the reconnect with the same id: consumers may see one twice after an outage, and can tell
 * by its `i`; they never miss one.
 */
import type { NatsConnection } from "nats";
import type { Outgoing, Transport } from "../actors/outbox.js";

export class CoreTransport<T extends Outgoing> implements Transport<T> {
  private connected = true;
  /** Alerts published since the last flush left, waiting for the next one. */
  private unflushed: ((err?: unknown) => void)[] = [];
  private flushing = false;

  constructor(
    private readonly nc: NatsConnection,
    /** The subject an event is published on. */
    private readonly subject: (item: T) => string,
    private readonly encode: (item: T) => Uint8Array,
  ) {}

  send(item: T, done: (err?: unknown) => void): boolean {
    if (!this.connected || this.nc.isClosed()) return false;
    this.nc.publish(this.subject(item), this.encode(item));
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
