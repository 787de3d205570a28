/**
 * CoreWriter: a log's emissions as plain publishes (no JetStream): alerts to
 * `<prefix>.alerts.<name>.<peer>`, suspicion to `<prefix>.suspects.<name>.<peer>`, disruption events
 * to `<prefix>.disruption.<name>`. An emission is confirmed once a flush (PING/PONG) that left after
 * it came back: the server has it. A flush that fails (disconnect) fails its emissions, which the
 * outbox sends again after the reconnect with the same id: consumers may see one twice after an
 * outage, and can tell by its `i`; they never miss one.
 */
import type { NatsConnection } from "nats";
import type { Emission } from "../actors/emission.js";
import type { LogWriter } from "./bus-transport.js";
import { FlushConfirm } from "./flush-confirm.js";

export class CoreWriter<T extends Emission> implements LogWriter<T> {
  private readonly confirm: FlushConfirm;

  constructor(
    private readonly nc: NatsConnection,
    /** The subject an emission is published on. */
    private readonly subject: (item: T) => string,
    private readonly encode: (item: T) => Uint8Array,
  ) {
    this.confirm = new FlushConfirm(nc);
  }

  write(item: T, done: (err?: unknown) => void): void {
    this.nc.publish(this.subject(item), this.encode(item));
    this.confirm.after(done);
  }
}
