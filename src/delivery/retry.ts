/**
 * RetryStage: runs its inner stage (supersede, then post) until it goes through, waiting as the
 * receivers' retry policy says (RETRY.receivers) between attempts, or the receiver's Retry-After
 * when longer. The inner stage asks
 * for another attempt by throwing a RetryableFailure; any other error ends the alerts' journey here
 * (the sink releases them). While alerts wait, they stay this instance's (the sink tells the log
 * it is still working on them), and when the sink stops, the wait ends and they are released.
 */
import type { Clock, TimerHandle } from "../clock.js";
import { backoffMs, RETRY } from "../retry-policy.js";
import type { Pending, Stage } from "./stage.js";

/** Why an attempt failed and may be tried again; thrown by the stage a RetryStage wraps. */
export class RetryableFailure extends Error {
  override name = "RetryableFailure";
  constructor(
    readonly reason: string,
    readonly detail: string,
    /** The receiver's Retry-After, ms, when it gave one. */
    readonly retryAfterMs?: number,
  ) {
    super(`${reason}: ${detail}`);
  }
}

/** Longest Retry-After honoured, ms: a receiver cannot park alerts for longer. */
export const MAX_RETRY_AFTER_MS = 300_000;

export interface RetryOptions {
  clock: Clock;
  /** Randomness for the backoff's jitter, in [0, 1). */
  rng: () => number;
  /** Told before each wait: the alerts, the attempt that failed (1 = the first), the failure and the wait. */
  onRetry(items: readonly Pending[], attempt: number, failure: RetryableFailure, waitMs: number): void;
}

export class RetryStage implements Stage {
  private stopped = false;
  private readonly sleepers = new Set<{ timer: TimerHandle; wake: () => void }>();

  constructor(
    private readonly inner: Stage,
    private readonly o: RetryOptions,
  ) {}

  async exec(items: Pending[]): Promise<Pending[]> {
    for (let attempt = 1; ; attempt++) {
      const open = items.filter((p) => !p.settled);
      if (open.length === 0 || this.stopped) return [];
      try {
        return await this.inner.exec(open);
      } catch (err) {
        if (!(err instanceof RetryableFailure)) throw err;
        const wait = Math.max(backoffMs(attempt, { ...RETRY.receivers, random: this.o.rng }), Math.min(err.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
        this.o.onRetry(open, attempt, err, wait);
        await this.sleep(wait);
      }
    }
  }

  /** Ends every wait now; alerts still waiting come back unsettled (and are released). */
  stop(): void {
    this.stopped = true;
    for (const s of this.sleepers) {
      this.o.clock.clearTimer(s.timer);
      s.wake();
    }
    this.sleepers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: this.o.clock.setTimer(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(sleeper);
    });
  }
}
