/**
 * WakeScheduler: one timer for a whole WakeHeap. It wakes due items in batches (so that 100k
 * simultaneous deadlines do not block I/O for long) and reports when its own timer fired much
 * later than asked, which means the event loop stalled.
 */
import type { Clock, TimerHandle } from "../clock.js";
import { WakeHeap, type Wakeable } from "../window/wake-heap.js";

/** setTimeout's longest delay; later wakes are reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WakeSchedulerOptions<T> {
  clock: Clock;
  onWake: (item: T, now: number) => void;
  /** Called before waking anything when the timer fired `lateMs` after its time. */
  onStall: (now: number, lateMs: number) => void;
  stallThresholdMs: number;
  /** Items woken per timer turn before yielding to I/O. @default 2000 */
  batchSize?: number;
}

export class WakeScheduler<T extends Wakeable> {
  private readonly heap = new WakeHeap<T>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private firing = false;
  private readonly batchSize: number;

  constructor(private readonly options: WakeSchedulerOptions<T>) {
    this.batchSize = options.batchSize ?? 2_000;
  }

  get size(): number {
    return this.heap.size;
  }

  isScheduled(item: T): boolean {
    return this.heap.has(item);
  }

  schedule(item: T, at: number): void {
    this.heap.schedule(item, at);
    if (at < this.timerAt && !this.firing) this.arm();
  }

  cancel(item: T): void {
    this.heap.remove(item);
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private arm(): void {
    this.disarm();
    const head = this.heap.peek();
    if (!head || this.stopped) return;
    const now = this.options.clock.now();
    const delay = Math.min(Math.max(0, head.wakeAt - now), MAX_TIMER_MS);
    this.timerAt = now + delay;
    this.timer = this.options.clock.setTimer(() => this.fire(), delay);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private fire(): void {
    const { clock, onWake, onStall, stallThresholdMs } = this.options;
    const now = clock.now();
    const late = now - this.timerAt;
    this.timer = undefined;
    this.timerAt = Infinity;
    this.firing = true;
    try {
      if (late > stallThresholdMs) onStall(now, late);
      for (let n = 0; n < this.batchSize; n++) {
        const item = this.heap.popDue(now);
        if (!item) break;
        onWake(item, now);
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  }
}
