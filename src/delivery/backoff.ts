/**
 * Exponential backoff with jitter, pure: how long to wait before the next attempt of something
 * that failed (a POST to a receiver, a publish to NATS). The ceiling doubles with each attempt up
 * to a cap; the wait is drawn from the upper half of it ("equal jitter"), so that many waiting
 * senders spread out while none of them retries sooner than half the ceiling.
 */

export interface BackoffOptions {
  /** Ceiling of the first retry, ms. @default 500 (a receiver that restarts answers again within seconds) */
  baseMs: number;
  /** Largest ceiling, ms. @default 30000 (a receiver down for long is asked twice a minute at most) */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ baseMs: 500, maxMs: 30_000 });

/**
 * The wait before retry number `attempt` (1 for the first retry), ms: uniformly in
 * [ceiling / 2, ceiling), where ceiling = min(maxMs, baseMs * 2^(attempt - 1)).
 * `rng` returns a number in [0, 1) (Math.random, or a seeded generator in tests).
 * An attempt below 1 (or not a number) counts as 1.
 */
export function backoffMs(attempt: number, rng: () => number = Math.random, o: BackoffOptions = DEFAULT_BACKOFF): number {
  const n = Number.isFinite(attempt) && attempt > 1 ? Math.floor(attempt) : 1;
  // 2^(n-1) overflows to Infinity for huge n; min() then gives the cap.
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** (n - 1));
  const r = Math.min(Math.max(rng(), 0), 1);
  return ceiling / 2 + (r * ceiling) / 2;
}
