/**
 * Expiry confirmation: when an expired deadline becomes a firing alert. Pure: no clock, no I/O;
 * every time is milliseconds on the monitor's clock, passed in.
 *
 * At ttl = 2 x interval one lost metric lets the deadline pass whenever the next one is a little
 * late, and two lost in a row always do: a peer that loses metrics looks dead for a moment. Its
 * rhythm detector (rhythm.ts) has counted how it loses them; from that, a window waits for
 *
 *   0 expected metrics: it fires at the deadline, exactly as without confirmation (a punctual peer);
 *   1: the metric expected at the deadline must be overdue too: deadline + margin;
 *   2: and the one after it: deadline + interval + margin,
 *
 * whichever makes the fewest expected false alerts per metric plus `intervalCost` for each interval
 * of waiting (the price of a crash detected later, in false alerts per metric):
 *
 *   wait 0: late singles (half of the singles: the next metric is as likely early as late) + bursts
 *   wait 1: bursts                        + intervalCost x margin / interval
 *   wait 2: (nothing the peer has shown)  + intervalCost x (1 + margin / interval)
 *
 * with rates per gap counted by the rhythm detector; bursts of two or more are estimated with
 * Laplace's rule (one burst seen, of one metric, is not proof that the next is short), and a young
 * window (fewer than 1 / intervalCost gaps: too few to call its peer punctual) waits at least for
 * the next expected metric. The margin is `marginSpreads` times the learned spread, or times the
 * largest lateness seen lately when that is less (a young rhythm's spread starts wide on purpose; a
 * peer that loses metrics has a slack of an interval), at least `minMarginMs`, at most half an
 * interval. A window without a learned rhythm
 * (one metric, metrics sent less often than every 45 minutes) fires at its deadline: nothing is
 * expected of it. Never later than one interval and a margin after the deadline.
 */

/** What a rhythm detector learned of its peer (RhythmDetector.losses). */
export interface LossRecord {
  /** Learned interval (ms); 0 while unknown. */
  intervalMs: number;
  /** Learned spread of the gaps (ms). */
  spreadMs: number;
  /** The largest lateness seen lately (ms, the rhythm's slack). */
  slackMs: number;
  /** Gaps counted lately (fading). */
  gaps: number;
  /** Of which with one lost metric. */
  singles: number;
  /** Of which with two or more. */
  bursts: number;
}

export interface ConfirmationOptions {
  /**
   * False alerts per metric that one interval of waiting must save to be worth it (and a window is
   * young for 1 / this many gaps). @default 0.00125 (tuned: docs/detection.md; the crash of a lossy
   * peer is still known sooner than IPFS Cluster's checker knows it in every scenario)
   */
  intervalCost?: number;
  /**
   * Margin after an expected metric, in learned spreads, or in the largest lateness seen lately when
   * that is less (a young rhythm's spread starts wide on purpose). @default 2 (tuned: docs/detection.md)
   */
  marginSpreads?: number;
  /** Smallest margin (ms): a timer's and a NATS hop's jitter. @default 10 */
  minMarginMs?: number;
}

export const DEFAULT_CONFIRMATION = { intervalCost: 0.00125, marginSpreads: 2, minMarginMs: 10 } as const;

/** How many expected metrics must be overdue before an expired deadline fires. */
export type Awaited = 0 | 1 | 2;

/** Validated options, with defaults: throws a RangeError naming the option. */
export function confirmationOptions(o: ConfirmationOptions = {}): Required<ConfirmationOptions> {
  const r = { ...DEFAULT_CONFIRMATION, ...o };
  if (!(r.intervalCost > 0 && r.intervalCost < 1)) throw new RangeError(`confirmation: intervalCost must be > 0 and < 1, got ${r.intervalCost}`);
  if (!(r.marginSpreads >= 0)) throw new RangeError(`confirmation: marginSpreads must be >= 0, got ${r.marginSpreads}`);
  if (!(r.minMarginMs >= 0)) throw new RangeError(`confirmation: minMarginMs must be >= 0, got ${r.minMarginMs}`);
  return r;
}

/** The margin after an expected metric (ms): spreads (or the lateness seen, if less), floored, at most half an interval. */
export function confirmationMargin(r: LossRecord, o: Required<ConfirmationOptions>): number {
  return Math.min(Math.max(o.marginSpreads * Math.min(r.spreadMs, r.slackMs), o.minMarginMs), r.intervalMs / 2);
}

/** How many expected metrics the window waits for (0: it fires at its deadline). */
export function metricsAwaited(r: LossRecord, o: Required<ConfirmationOptions>): Awaited {
  if (!(r.intervalMs > 0)) return 0;
  const margin = confirmationMargin(r, o) / r.intervalMs;
  const singles = r.gaps > 0 ? r.singles / r.gaps : 0;
  const losses = r.singles + r.bursts;
  const bursts = r.gaps > 0 ? (losses / r.gaps) * ((r.bursts + 1) / (losses + 2)) : 0;
  const cost = [singles / 2 + bursts, bursts + o.intervalCost * margin, o.intervalCost * (1 + margin)];
  let wait: Awaited = 0;
  if (cost[1]! < cost[wait]!) wait = 1;
  if (cost[2]! < cost[wait]!) wait = 2;
  return wait === 0 && r.gaps * o.intervalCost < 1 ? 1 : wait;
}

/**
 * When the expired deadline of a window whose last valid metric arrived at `lastArrivalMs` becomes
 * firing: the deadline itself, or the time the awaited metrics are overdue.
 */
export function confirmedAt(deadlineMs: number, lastArrivalMs: number, r: LossRecord, o: Required<ConfirmationOptions>): number {
  const wait = metricsAwaited(r, o);
  if (wait === 0) return deadlineMs;
  // The metric expected at the deadline: ttl = 2 x interval makes it the second after the last one.
  const expected = lastArrivalMs + Math.max(1, Math.round((deadlineMs - lastArrivalMs) / r.intervalMs)) * r.intervalMs;
  return Math.max(deadlineMs, expected + (wait - 1) * r.intervalMs + confirmationMargin(r, o));
}
