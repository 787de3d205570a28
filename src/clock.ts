/**
 * The only source of time in domain code. Times are milliseconds on the Unix epoch, read from a
 * monotonic source so that a wall-clock step (NTP) cannot fire or hide deadlines.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, fractional, never going backwards. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly __timer: unique symbol } | object;

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/** A clock for tests: time moves only when `advance` is called, firing due timers in order. */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private timers = new Set<ManualTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
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
