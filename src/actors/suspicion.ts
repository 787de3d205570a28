/**
 * Suspicion: the timing of the early, cheap signal (ARCHITECTURE.md, "Suspicion"). Each window of a
 * monitor with suspicion on has a detector (src/window/detectors, `rhythm`) that learns its peer's
 * rhythm from valid arrivals (TrackedWindow.arm, with the gaps seen while the monitor's own timing
 * is in doubt taught nothing); once the peer is later than that rhythm explains, and before its
 * deadline, this unit proves it and tells the window's machine (`suspicion.proved`), whose
 * `suspicion` region announces it once per episode, clears it on the next valid metric, and lets
 * the firing alert supersede it. Suspicion never fires an alert; `latest` may leave suspects out.
 *
 * A suspicion time is judged exactly as a deadline is (window/conviction.ts), under the same
 * self-outage guard: only after a round trip that left after it came back (metrics queued behind a
 * busy or stalled event loop are applied first), never while the monitor is cut off or in its
 * grace; and the gaps seen meanwhile teach the detector nothing.
 */
import { Conviction } from "../window/conviction.js";
import { roundTripPort, type GuardedJudgeParts } from "./self-health.js";
import type { TrackedWindow } from "./tracked-window.js";

export interface SuspicionOptions extends GuardedJudgeParts<TrackedWindow> {
  /** The round trip proved `w`'s peer late. */
  proved(w: TrackedWindow): void;
}

export class Suspicion {
  private readonly judge: Conviction<TrackedWindow>;

  constructor(private readonly o: SuspicionOptions) {
    this.judge = new Conviction<TrackedWindow>(
      o.graceMs,
      {
        deadline: (w) => this.dueAt(w),
        convict: (w) => this.suspected(w),
        recheck: (w, at) => o.wake(w, Number.isNaN(at) ? w.deadline : Math.min(at, w.deadline)),
        requestRoundTrip: roundTripPort(o.roundTrip, o.clock, () => this.judge),
        deferred: () => o.stats.suspicionsDeferred++,
      },
      o.guard,
    );
  }

  /**
   * A valid metric armed `w`'s deadline (its detector observed it: TrackedWindow.arm): the window's
   * next wake, its suspicion time when that comes before its deadline.
   */
  wakeAt(w: TrackedWindow): number {
    const d = w.detector;
    return d ? Math.min(d.suspectAt(), w.deadline) : w.deadline;
  }

  /**
   * `w` (at rest, its deadline ahead) woke at `now`: a due suspicion time goes to the round trip
   * that proves it; otherwise the window sleeps until its suspicion time or its deadline.
   */
  due(w: TrackedWindow, now: number): void {
    const at = this.dueAt(w);
    if (Number.isNaN(at) || now < at) return this.o.wake(w, Number.isNaN(at) ? w.deadline : at);
    this.judge.deadlineDue(w, now);
  }

  /** `w` is gone, or its firing alert superseded the suspicion: it is not judged any more. */
  forget(w: TrackedWindow): void {
    this.judge.forget(w);
  }

  /** Whether `w` counts as suspect at `at`: announced, or its detector already says its peer is late. */
  isSuspect(w: TrackedWindow, at: number): boolean {
    return w.suspect || (w.detector !== undefined && at >= w.detector.suspectAt() && at < w.deadline);
  }

  /** When `w`'s suspicion is due: NaN when there is nothing to say before its deadline (or already said). */
  private dueAt(w: TrackedWindow): number {
    const at = w.detector?.suspectAt() ?? Infinity;
    return !w.atRest || w.freed || at >= w.deadline ? Number.NaN : at;
  }

  /** The round trip proved the peer late: its machine announces it. */
  private suspected(w: TrackedWindow): void {
    if (!Number.isNaN(this.dueAt(w))) this.o.proved(w);
  }
}
