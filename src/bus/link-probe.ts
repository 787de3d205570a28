/**
 * LinkProbe: round trips (PING/PONG via flush) that tell whether the connection to NATS really
 * works. On request, before deadlines convict (`RoundTrip`); and periodically, so that a half-open
 * connection is noticed within `timeoutMs` rather than at the next client ping: the listener given
 * to `start` hears `impaired("probe")` and `recovered("probe")`.
 */
import type { NatsConnection } from "nats";
import type { Clock, TimerHandle } from "../clock.js";
import type { RoundTrip } from "../actors/supervisor.js";

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

  /** True when a PING/PONG completed within the timeout. */
  private roundTrip(): Promise<boolean> {
    if (this.nc.isClosed()) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(() => resolve(false), this.timeoutMs);
      this.nc.flush().then(
        () => resolve(true),
        () => resolve(false),
      ).finally(() => this.clock.clearTimer(timer));
    });
  }
}
