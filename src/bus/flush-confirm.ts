/**
 * FlushConfirm: confirms plain publishes. Each waiter hears once a flush (PING/PONG) that left
 * after its publish came back, which proves the server took the message; a flush that fails (a
 * disconnect) fails its waiters, who publish again. One flush at a time serves every publish made
 * before it left, so a burst costs a few round trips, not one each.
 */
import type { NatsConnection } from "nats";

export class FlushConfirm {
  /** Publishes made since the last flush left, waiting for the next one. */
  private unflushed: ((err?: unknown) => void)[] = [];
  private flushing = false;

  constructor(private readonly nc: NatsConnection) {}

  /** Calls `done()` once the server has what was published before this call, `done(err)` if that is not known. */
  after(done: (err?: unknown) => void): void {
    this.unflushed.push(done);
    this.flush();
  }

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
