/**
 * The wall clock that follows corrections. A monitor keeps two readings of time (src/clock.ts):
 * the monotonic one, which a step of the system clock cannot move (deadlines of `l`, timers,
 * durations), and this one, for what must agree with other machines' clocks: judging `e` (an
 * expiry on the sender's clock) and stamping `t`, `r` and ULIDs.
 *
 * wall = monotonic + offset. The offset is taken from the system clock (Date.now()) at start, and
 * taken again ("re-anchored") when the two disagree by more than a threshold: NTP stepped the
 * clock, an operator set it, a VM resumed. Smaller disagreements are left alone, so stamps keep
 * the monotonic clock's steadiness. Whoever listens is told of each step, to log it and to move
 * the `e` deadlines it keeps on the monotonic timeline (`movedDeadline`).
 *
 * The arithmetic is pure functions; WallClock holds the offset and the listeners. Nothing here
 * reads a clock by itself: the sources are given.
 */

/** Disagreement with the system clock beyond which the wall clock is re-anchored, ms (MonitorConfig.wallStepThresholdMs says why). */
export const DEFAULT_WALL_STEP_THRESHOLD_MS = 100;

/** The wall clock was re-anchored. */
export interface WallStep {
  /** How far wall time moved, ms: positive forward (the clock was behind), negative back. */
  stepMs: number;
  /** wall − monotonic before the step, ms. */
  fromOffsetMs: number;
  /** wall − monotonic after the step, ms. */
  toOffsetMs: number;
  /** The monotonic time the step was seen at, ms. */
  atMs: number;
}

export type WallStepListener = (step: WallStep) => void;

/** The wall time, ms, at monotonic time `monotonicMs` with `offsetMs`. */
export function wallTime(monotonicMs: number, offsetMs: number): number {
  return monotonicMs + offsetMs;
}

/** The offset that makes wall time read `systemMs` at monotonic time `monotonicMs`. */
export function offsetOf(monotonicMs: number, systemMs: number): number {
  return systemMs - monotonicMs;
}

/** How far the system clock is ahead of the wall clock (negative: behind), ms. */
export function driftOf(monotonicMs: number, offsetMs: number, systemMs: number): number {
  return systemMs - wallTime(monotonicMs, offsetMs);
}

/**
 * The step to take when the system clock reads `systemMs` at monotonic `monotonicMs` and the
 * offset is `offsetMs`: undefined while they agree within `thresholdMs` (inclusive).
 */
export function stepFor(monotonicMs: number, offsetMs: number, systemMs: number, thresholdMs: number): WallStep | undefined {
  const drift = driftOf(monotonicMs, offsetMs, systemMs);
  if (!(Math.abs(drift) > thresholdMs)) return undefined;
  return { stepMs: drift, fromOffsetMs: offsetMs, toOffsetMs: offsetOf(monotonicMs, systemMs), atMs: monotonicMs };
}

/** When the wall clock will read `wallMs`, on the monotonic timeline (an `e` deadline's wake time). */
export function monotonicAt(wallMs: number, offsetMs: number): number {
  return wallMs - offsetMs;
}

/**
 * A deadline set on the wall clock (`e`) and kept on the monotonic timeline, after `step`: the
 * wall time it stands for comes `stepMs` sooner (the clock jumped forward) or later.
 */
export function movedDeadline(deadlineMs: number, step: WallStep): number {
  return deadlineMs - step.stepMs;
}

/** The offset, re-anchored past the threshold, and who is told when it is. */
export class WallClock {
  private offset: number;
  private readonly listeners = new Set<WallStepListener>();

  constructor(
    private readonly monotonic: () => number,
    private readonly system: () => number,
    readonly thresholdMs = DEFAULT_WALL_STEP_THRESHOLD_MS,
  ) {
    this.offset = offsetOf(monotonic(), system());
  }

  /** Wall-clock ms since the Unix epoch, as of the last check. */
  now(): number {
    return wallTime(this.monotonic(), this.offset);
  }

  /** wall − monotonic, ms. */
  get offsetMs(): number {
    return this.offset;
  }

  /** Compares with the system clock; past the threshold re-anchors and tells every listener. */
  check(): WallStep | undefined {
    const step = stepFor(this.monotonic(), this.offset, this.system(), this.thresholdMs);
    if (!step) return undefined;
    this.offset = step.toOffsetMs;
    for (const listener of [...this.listeners]) listener(step);
    return step;
  }

  /** Tells `listener` of every step from now on; returns the function that stops it. */
  onStep(listener: WallStepListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  get listening(): boolean {
    return this.listeners.size > 0;
  }
}
