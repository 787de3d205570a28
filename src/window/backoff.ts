/**
 * Exponential backoff with jitter, pure: how long to wait before attempt `failures + 1` after
 * `failures` consecutive failures. The base doubles per failure up to `maxMs`; the wait is drawn
 * from its upper half ("equal jitter"), so that many waiting senders do not retry in step while
 * none waits less than half the step it reached.
 */
export interface BackoffOptions {
  /** Wait after the first failure (before jitter), ms. */
  baseMs: number;
  /** Longest wait, ms. */
  maxMs: number;
  /** A number in [0, 1). @default Math.random */
  random?: () => number;
}

export function backoffMs(failures: number, o: BackoffOptions): number {
  if (failures <= 0) return 0;
  const step = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(failures - 1, 30));
  return step / 2 + (o.random ?? Math.random)() * (step / 2);
}
