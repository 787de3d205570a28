/**
 * Expiry confirmation: the timing of `serve --confirm auto` (the arithmetic is
 * window/detectors/confirmation.ts). When a window's deadline is proved passed, this unit says
 * whether its expiry awaits confirmation: its rhythm detector has seen the peer lose metrics (or is
 * too young to call it punctual), and the metrics it should have sent since are not all overdue
 * yet. Such a window waits in `expired.confirming`; once they are overdue, proved like a deadline
 * (window/conviction.ts: after a round trip that left after that time, under the monitor's
 * self-outage guard), its machine hears `expiry.confirmed` and fires (or is held by a disruption),
 * unless a valid metric came first. A punctual peer's deadline fires as it always did.
 */
import { Conviction } from "../window/conviction.js";
import { type ConfirmationOptions, confirmedAt } from "../window/detectors/confirmation.js";
import { roundTripPort, type GuardedJudgeParts } from "./self-health.js";
import type { TrackedWindow } from "./tracked-window.js";

export interface ExpiryConfirmationOptions extends GuardedJudgeParts<TrackedWindow> {
  /** Validated (confirmationOptions). */
  options: Required<ConfirmationOptions>;
  /** The awaited metrics are overdue too, and a round trip proved it. */
  confirmed(w: TrackedWindow): void;
}

export class ExpiryConfirmation {
  private readonly judge: Conviction<TrackedWindow>;

  constructor(private readonly o: ExpiryConfirmationOptions) {
    this.judge = new Conviction<TrackedWindow>(
      o.graceMs,
      {
        deadline: (w) => this.confirmedAt(w),
        convict: (w) => o.confirmed(w),
        recheck: (w, at) => o.wake(w, at),
        requestRoundTrip: roundTripPort(o.roundTrip, o.clock, () => this.judge),
        deferred: () => o.stats.convictionsDeferred++,
      },
      o.guard,
    );
  }

  /** Whether `w`, its deadline proved passed at `now`, awaits confirmation: it fires later than now. */
  awaits(w: TrackedWindow, now: number): boolean {
    const awaited = this.confirmedAt(w) > now;
    if (awaited) this.o.stats.expiriesAwaitingConfirmation++;
    return awaited;
  }

  /** `w` (in `expired.confirming`) woke at `now`: the conviction unit proves its confirmation time, or waits for it. */
  due(w: TrackedWindow, now: number): void {
    this.judge.deadlineDue(w, now);
  }

  /** `w` is gone, or no longer awaits confirmation. */
  forget(w: TrackedWindow): void {
    this.judge.forget(w);
  }

  /** When `w`'s expiry fires: its deadline, or later when its rhythm says the peer loses metrics. */
  private confirmedAt(w: TrackedWindow): number {
    const d = w.detector;
    if (!d || Number.isNaN(w.deadline)) return w.deadline;
    return confirmedAt(w.deadline, w.armedAt, d.losses, this.o.options);
  }
}
