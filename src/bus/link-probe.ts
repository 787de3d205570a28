/**
 * LinkProbe: round trips (PING/PONG via flush) that tell the supervisor whether its connection to
 * NATS really works. On request, before deadlines convict; and periodically, so that a half-open
 * connection is noticed within `probeTimeoutMs` rather than at the next client ping.
 */
import type { NatsConnection } from "nats";
import type { Reachability, Supervisor } from "../actors/supervisor.js";

const PROBE = "probe";

export class LinkProbe implements Reachability {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private connected = true;
  private periodicInFlight = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly supervisor: () => Supervisor,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.periodic(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
  }

  /** A round trip for the supervisor: it hears `reachable()` or, on failure, `unreachable()`. */
  request(): void {
    this.roundTrip().then(
      (ok) => (ok ? this.supervisor().reachable() : this.supervisor().unreachable()),
      () => this.supervisor().unreachable(),
    );
  }

  private periodic(): void {
    if (!this.connected || this.periodicInFlight) return;
    this.periodicInFlight = true;
    void this.roundTrip().then((ok) => {
      this.periodicInFlight = false;
      if (!ok && !this.failing) {
        this.failing = true;
        this.supervisor().linkImpaired(PROBE);
      } else if (ok && this.failing) {
        this.failing = false;
        this.supervisor().linkRecovered(PROBE);
      }
    });
  }

  /** True when a PING/PONG completed within the timeout. */
  private async roundTrip(): Promise<boolean> {
    if (this.nc.isClosed()) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    try {
      return await Promise.race([this.nc.flush().then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
