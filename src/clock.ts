/**
 * The only source of time in domain code, with two readings:
 * - `now()`: milliseconds on the Unix epoch from a monotonic source (anchored at start), so that
 *   a wall-clock step (NTP) cannot fire or hide a deadline: deadlines of `l`, timers, durations;
 * - `wallNow()`: the wall clock, which follows corrections of the system clock (src/wall-clock.ts):
 *   judging `e` (the sender's clock) and stamping `t`, `r` and ULIDs.
 */
import { DEFAULT_WALL_STEP_THRESHOLD_MS, WallClock, wallTime, type WallStep, type WallStepListener } from "./wall-clock.js";

export type { WallStep, WallStepListener };

export interface Clock {
  /** Milliseconds since the Unix epoch, fractional, never going backwards (monotonic, anchored at start). */
  now(): number;
  /**
   * Wall-clock milliseconds since the Unix epoch, following corrections of the system clock: it
   * jumps (forward or back) when the system clock is stepped by more than the threshold.
   */
  wallNow(): number;
  /** Calls `listener` at each such jump (never inside `wallNow()`); returns the function that stops it. */
  onWallStep(listener: WallStepListener): () => void;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly __timer: unique symbol } | object;

/** How often the wall clock is compared with the system clock, ms. @default 1000 (a step is followed within a second) */
export const DEFAULT_WALL_CHECK_INTERVAL_MS = 1_000;

export interface SystemClockOptions {
  /** See DEFAULT_WALL_STEP_THRESHOLD_MS (the monitor's `wallStepThresholdMs`). @default 100 */
  wallStepThresholdMs?: number;
  /** @default DEFAULT_WALL_CHECK_INTERVAL_MS */
  wallCheckIntervalMs?: number;
  /** The monotonic source, for tests. @default performance.timeOrigin + performance.now() */
  monotonic?: () => number;
  /** The system's wall clock, for tests. @default Date.now */
  system?: () => number;
}

/**
 * The process's clocks. While someone listens for steps, a timer (unref'd: it never keeps the
 * process alive) compares the wall clock with the system clock every interval, and listeners are
 * called from that timer. With no listener, `wallNow()` compares by itself, at most once per
 * interval. The Clock members are own properties, so `{ ...clock, now }` keeps the others.
 */
export class SystemClock implements Clock {
  readonly now: () => number;
  private readonly wall: WallClock;
  private readonly intervalMs: number;
  private checkedAt: number;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: SystemClockOptions = {}) {
    this.now = options.monotonic ?? (() => performance.timeOrigin + performance.now());
    this.wall = new WallClock(this.now, options.system ?? Date.now, options.wallStepThresholdMs ?? DEFAULT_WALL_STEP_THRESHOLD_MS);
    this.intervalMs = options.wallCheckIntervalMs ?? DEFAULT_WALL_CHECK_INTERVAL_MS;
    this.checkedAt = this.now();
  }

  readonly wallNow = (): number => {
    const monotonic = this.now();
    if (this.timer === undefined && monotonic - this.checkedAt >= this.intervalMs) this.check();
    return wallTime(monotonic, this.wall.offsetMs);
  };

  readonly onWallStep = (listener: WallStepListener): (() => void) => {
    const stop = this.wall.onStep(listener);
    this.timer ??= setInterval(() => this.check(), this.intervalMs).unref();
    return () => {
      stop();
      if (!this.wall.listening) this.stopChecks();
    };
  };

  readonly setTimer = (callback: () => void, delayMs: number): TimerHandle => setTimeout(callback, Math.max(0, delayMs));

  readonly clearTimer = (handle: TimerHandle): void => clearTimeout(handle as ReturnType<typeof setTimeout>);

  /** True while the check timer runs (someone listens). */
  get checking(): boolean {
    return this.timer !== undefined;
  }

  private check(): void {
    this.checkedAt = this.now();
    this.wall.check();
  }

  private stopChecks(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

interface ManualTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock for tests: time moves only when `advance` is called, firing due timers in order. Its
 * system clock starts equal to its monotonic one; `stepSystemClock` steps it (as NTP would).
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers = new Set<ManualTimer>();
  /** The system clock minus the monotonic time: what `stepSystemClock` moves. */
  private systemOffset = 0;
  private readonly wall: WallClock;

  constructor(startMs = 1_700_000_000_000, options: { wallStepThresholdMs?: number } = {}) {
    this.time = startMs;
    this.wall = new WallClock(
      () => this.time,
      () => this.time + this.systemOffset,
      options.wallStepThresholdMs ?? DEFAULT_WALL_STEP_THRESHOLD_MS,
    );
  }

  now(): number {
    return this.time;
  }

  wallNow(): number {
    return this.wall.now();
  }

  onWallStep(listener: WallStepListener): () => void {
    return this.wall.onStep(listener);
  }

  /** What the machine's clock (Date.now()) reads. */
  get systemNow(): number {
    return this.time + this.systemOffset;
  }

  /**
   * Steps the machine's clock by `ms` (NTP, an operator); the monotonic time does not move. It is
   * checked at once (a SystemClock does within its check interval): past the threshold the wall
   * clock is re-anchored and the listeners are told, before this returns the step.
   */
  stepSystemClock(ms: number): WallStep | undefined {
    this.systemOffset += ms;
    return this.wall.check();
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = { at: this.time + Math.max(0, delayMs), seq: this.seq++, callback };
    this.timers.add(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  /** Moves time forward by `ms`, running every timer that falls due, earliest first. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let next = this.nextDue(end); next; next = this.nextDue(end)) {
      this.timers.delete(next);
      this.time = Math.max(this.time, next.at);
      next.callback();
    }
    this.time = end;
  }

  /** Jumps time forward without running timers in between: what a stalled event loop sees. */
  stall(ms: number): void {
    this.time += ms;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  private nextDue(end: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.at <= end && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq))) best = t;
    }
    return best;
  }
}
