/**
 * What every transport of the outboxes shares: it takes an event only while its connection is up
 * (the outbox holds the rest until the reconnect) and is told when it is lost and back.
 */
import type { NatsConnection } from "nats";

export abstract class LinkedTransport {
  private connected = true;

  constructor(protected readonly nc: NatsConnection) {}

  /** An event may be handed to the bus now. */
  protected get up(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
  }
}
