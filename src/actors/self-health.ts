/**
 * SelfHealth: suspect yourself first. What the monitor knows of its own state — its link to NATS
 * (impaired, recovered), a restore in progress, a stalled event loop — goes into the conviction
 * unit's guard; each outage, stall and grace is counted and logged when it starts and ends; and a
 * due deadline waits here for the round trip that proves whatever the peer sent was received.
 */
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { Conviction } from "../window/conviction.js";
import { RESTORING, type LinkReport, type SelfOutageGuard } from "../window/self-outage.js";
import { GraceNotice } from "./grace-notice.js";

/** A round trip to the bus: `done(true)` when it came back, `done(false)` when it failed. */
export interface RoundTrip {
  request(done: (ok: boolean) => void): void;
}

export interface SelfHealthOptions<W> {
  clock: Clock;
  roundTrip: RoundTrip;
  graceMs: number;
  stats: MonitorStats;
  log: Logger;
  /** The window's deadline (ms, NaN: none). */
  deadline(w: W): number;
  /** The deadline passed and the round trip proved it. */
  convict(w: W): void;
  /** Look at `w` again at `at`. */
  recheck(w: W, at: number): void;
}

export class SelfHealth<W> {
  private readonly conviction: Conviction<W>;
  private readonly graceNotice: GraceNotice;

  constructor(private readonly o: SelfHealthOptions<W>) {
    this.conviction = new Conviction<W>(o.graceMs, {
      deadline: o.deadline,
      convict: o.convict,
      recheck: o.recheck,
      requestRoundTrip: (id) => this.requestRoundTrip(id),
      deferred: () => o.stats.convictionsDeferred++,
    });
    this.graceNotice = new GraceNotice(this.guard, o.clock, o.stats, o.log);
  }

  /** Impaired while the link is, with the grace that follows (shared with early suspicion). */
  get guard(): SelfOutageGuard {
    return this.conviction.guard;
  }

  /** True while the link to NATS is impaired (disconnected, probe unanswered, restoring). */
  get impaired(): boolean {
    return this.guard.impaired;
  }

  /** What an operator sees of the link at `now`: why it is impaired and since when, and the grace left. */
  linkReport(now: number): LinkReport {
    return this.guard.report(now);
  }

  /** True when a judgement made at `now` may be trusted: the link is fine and no grace runs. */
  mayJudge(now: number): boolean {
    return this.guard.convictableAt(now) <= now;
  }

  /** `w` woke at `now` with its deadline possibly passed: the conviction unit decides what follows. */
  deadlineDue(w: W, now: number): void {
    this.conviction.deadlineDue(w, now);
  }

  /** `w` is gone (its peer left). */
  forget(w: W): void {
    this.conviction.forget(w);
  }

  /** The link to NATS is impaired (disconnected, probe unanswered): nobody is convicted. */
  linkImpaired(reason: string): void {
    if (this.conviction.impaired(reason, this.o.clock.now())) {
      this.o.stats.outages++;
      this.o.log.warn({ reason }, "connection to NATS impaired: no alerts until it recovers");
    }
  }

  linkRecovered(reason: string): void {
    if (this.conviction.recovered(reason, this.o.clock.now())) {
      this.o.log.info({ reason, graceMs: this.o.graceMs }, "connection to NATS recovered: grace before alerting");
      this.graceNotice.watch();
    }
  }

  /**
   * Windows are being restored while live metrics wait: nobody is convicted until `restoreEnded`,
   * since what a peer sent meanwhile has not been applied yet.
   */
  restoreStarted(): void {
    this.conviction.impaired(RESTORING, this.o.clock.now());
  }

  /** Restoring ended: deadlines that passed meanwhile wait for the grace (none when nothing was restored). */
  restoreEnded(metrics: number, windows: number): void {
    this.conviction.recovered(RESTORING, this.o.clock.now(), metrics > 0);
    this.o.log.info({ metrics, windows, graceMs: metrics > 0 ? this.o.graceMs : 0 }, "windows restored");
    this.graceNotice.watch();
  }

  /** The event loop did not run for `lateMs` until `now`: deadlines get a grace. */
  stalled(now: number, lateMs: number): void {
    this.o.stats.stalls++;
    this.conviction.stalled(now);
    this.o.log.warn({ lateMs: Math.round(lateMs), graceMs: this.o.graceMs }, "event loop stalled: grace before alerting");
    this.graceNotice.watch();
  }

  stop(): void {
    this.graceNotice.stop();
  }

  private requestRoundTrip(id: number): void {
    this.o.roundTrip.request((ok) => {
      const now = this.o.clock.now();
      if (ok) this.conviction.roundTripBack(now, id);
      else this.conviction.roundTripFailed(now, id);
    });
  }
}
