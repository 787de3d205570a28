/**
 * LinkProbe: round trips (PING/PONG via flush) that tell whether the connection to NATS really
 * works. On request, before deadlines convict (`RoundTrip`); and periodically, so that a half-open
 * connection is noticed within `timeoutMs` rather than at the next client ping: the listener given
 * to `start` hears `impaired("probe")` and `recovered("probe")`.
 *
 * A busy link is not a dead one. The PONG comes after every message the server sent before it, so
 * under a flood it waits behind the backlog the monitor is still working off. A round trip fails
 * only when a whole `timeoutMs` passed with no inbound message processed at all; while messages
 * keep arriving it waits (the backlog's own delay), which is also what a due deadline must wait
 * for: the metrics queued before it are applied first. Nor is a stalled monitor a dead link: a
 * check that runs late (the event loop stood still, a garbage collection) had no chance to see
 * messages arrive, so the time it stood still does not count; it waits a whole `timeoutMs` more.
 */
import type { NatsConnection } from "nats";
import type { Clock, TimerHandle } from "../clock.js";
import type { RoundTrip } from "../actors/self-health.js";

const PROBE = "probe";

export interface LinkListener {
  impaired(reason: string): void;
  recovered(reason: string): void;
}

export class LinkProbe implements RoundTrip {
  private timer: TimerHandle | undefined;
  private listener: LinkListener | undefined;
  private failing = false;
  private connected = true;
  private periodicInFlight = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** Probes every `intervalMs` from now on, telling `listener` when the link fails and recovers. */
  start(listener: LinkListener): void {
    this.listener = listener;
    this.arm();
  }

  stop(): void {
    this.listener = undefined;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
  }

  /** A round trip on request: `done(true)` when it came back within the timeout. */
  request(done: (ok: boolean) => void): void {
    void this.roundTrip().then(done);
  }

  private arm(): void {
    this.timer = this.clock.setTimer(() => {
      if (!this.listener) return;
      this.periodic();
      this.arm();
    }, this.intervalMs);
  }

  private periodic(): void {
    if (!this.connected || this.periodicInFlight) return;
    this.periodicInFlight = true;
    void this.roundTrip().then((ok) => {
      this.periodicInFlight = false;
      if (!ok && !this.failing) {
        this.failing = true;
        this.listener?.impaired(PROBE);
      } else if (ok && this.failing) {
        this.failing = false;
        this.listener?.recovered(PROBE);
      }
    });
  }

  /** True when a PING/PONG came back before a whole `timeoutMs` passed without inbound progress. */
  private roundTrip(): Promise<boolean> {
    if (this.nc.isClosed()) return Promise.resolve(false);
    return new Promise((resolve) => {
      let settled = false;
      let seen = this.nc.stats().inMsgs;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        this.clock.clearTimer(timer);
        resolve(ok);
      };
      let checkAt = this.clock.now() + this.timeoutMs;
      const check = () => {
        const received = this.nc.stats().inMsgs;
        const stalled = this.clock.now() - checkAt > this.timeoutMs / 2;
        if (received === seen && !stalled) return settle(false);
        seen = received; // busy (or stalled), not dead: keep waiting behind the backlog
        checkAt = this.clock.now() + this.timeoutMs;
        timer = this.clock.setTimer(check, this.timeoutMs);
      };
      let timer = this.clock.setTimer(check, this.timeoutMs);
      this.nc.flush().then(
        () => settle(true),
        () => settle(false),
      );
    });
  }
}
