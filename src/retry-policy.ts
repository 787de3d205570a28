/**
 * The one retry policy of peermon: exponential backoff with jitter, pure. After `failures`
 * consecutive failures the step is `baseMs` doubled per failure up to `maxMs`, and the wait is
 * drawn from its upper half ("equal jitter"), so that many waiting senders do not retry in step
 * while none waits less than half the step it reached. Every retry loop uses it, with the preset of
 * its road (RETRY) and randomness handed in.
 */
export interface RetryPolicy {
  /** Wait after the first failure (before jitter), ms. */
  baseMs: number;
  /** Longest wait, ms. */
  maxMs: number;
}

export interface BackoffOptions extends RetryPolicy {
  /** A number in [0, 1). */
  random: () => number;
}

/** How long to wait before attempt `failures + 1` after `failures` consecutive failures, ms. */
export function backoffMs(failures: number, o: BackoffOptions): number {
  if (failures <= 0) return 0;
  const step = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(failures - 1, 30));
  return step / 2 + o.random() * (step / 2);
}

/** The policy's presets, one per road, each with why it waits as it does. */
export const RETRY = Object.freeze({
  /**
   * The one road out (the outbox: alerts, suspicion and disruption events to the bus): the first
   * retry within 50-100 ms, at most a second apart, since a stream electing a new leader answers
   * again within a second or two and an alert must not wait for a long step.
   */
  bus: Object.freeze({ baseMs: 100, maxMs: 1_000 }),
  /**
   * People's receivers (delivery's retry stage, and the delay before an alert released by a
   * failure is handed out again): the first retry within 0.25-0.5 s (a receiver restarting answers
   * again within seconds), doubling to a 30 s step (a receiver down for long is asked twice a minute).
   */
  receivers: Object.freeze({ baseMs: 500, maxMs: 30_000 }),
  /**
   * Writers colliding on one JetStream subject (the SDK's peerset writes): a few ms, growing, so
   * that colliding writers spread out; at most 100 ms.
   */
  contention: Object.freeze({ baseMs: 20, maxMs: 100 }),
} satisfies Record<string, RetryPolicy>);
