/**
 * SelfHealth: suspect yourself first. What the monitor knows of its own state — its link to NATS
 * (impaired, recovered), a restore in progress — goes into the conviction unit's guard; each
 * outage, stall and grace is counted and logged when it starts and ends; and a due deadline waits
 * here for the round trip that proves whatever the peer sent was received. A stalled event loop
 * with the link up is counted, and only that: the round trip covers it.
 */
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { Conviction } from "../window/conviction.js";
import { RESTORING, type LinkReport, type SelfOutageGuard } from "../window/self-outage.js";
import { GraceNotice } from "./grace-notice.js";
import { ReadWatch } from "./read-watch.js";

/** A round trip to the bus: `done(true)` when it came back, `done(false)` when it failed. */
export interface RoundTrip {
  request(done: (ok: boolean) => void): void;
}

/** What a unit judged like a deadline under the monitor's self-outage guard needs (early suspicion, expiry confirmation). */
export interface GuardedJudgeParts<W> {
  clock: Clock;
  roundTrip: RoundTrip;
  /** The monitor's self-outage guard (SelfHealth's). */
  guard: SelfOutageGuard;
  graceMs: number;
  stats: MonitorStats;
  /** Wake `w` at `at` (the wake schedule). */
  wake(w: W, at: number): void;
}

/** A conviction's `requestRoundTrip` port: starts round trip `id` and reports its end to `judge()`. */
export function roundTripPort<W>(roundTrip: RoundTrip, clock: Clock, judge: () => Conviction<W>): (id: number) => void {
  return (id) =>
    roundTrip.request((ok) => {
      const now = clock.now();
      if (ok) judge().roundTripBack(now, id);
      else judge().roundTripFailed(now, id);
    });
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
  private readonly reads: ReadWatch;

  constructor(private readonly o: SelfHealthOptions<W>) {
    this.conviction = new Conviction<W>(o.graceMs, {
      deadline: o.deadline,
      convict: o.convict,
      recheck: o.recheck,
      requestRoundTrip: roundTripPort(o.roundTrip, o.clock, () => this.conviction),
      deferred: () => o.stats.convictionsDeferred++,
    });
    this.graceNotice = new GraceNotice(this.guard, o.clock, o.stats, o.log);
    this.reads = new ReadWatch({ clock: o.clock, roundTrip: o.roundTrip });
  }

  /** From now on, watch whether the monitor reads behind (`mayLearn`); stopped by `stop`. */
  watchReads(): void {
    this.reads.start();
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

  /**
   * True when an arrival at `now` may teach its window's rhythm: judgements may be trusted and the
   * monitor read it on time (not behind its own delay: read-watch.ts).
   */
  mayLearn(now: number): boolean {
    return this.reads.readsOnTime(now) && this.mayJudge(now);
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

  /** Messages were lost without a disconnect (a server's slow-consumer error): the grace runs, as after an outage. */
  linkLost(reason: string): void {
    this.linkImpaired(reason);
    this.linkRecovered(reason);
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

  /**
   * The event loop did not run for `lateMs` until `now` (a garbage collection, a CPU-bound task).
   * Nothing was lost while the connection stayed up: what peers sent waits in the socket, and a
   * due deadline convicts only after a round trip that started after it, which comes back behind
   * all of it. So a stall starts no grace; only a disconnect (or a server's slow-consumer error)
   * during it, which impairs the link, does.
   */
  stalled(lateMs: number): void {
    this.o.stats.stalls++;
    this.o.log.warn({ lateMs: Math.round(lateMs) }, "event loop stalled: due deadlines wait until what arrived meanwhile is read");
  }

  stop(): void {
    this.reads.stop();
    this.graceNotice.stop();
  }
}
