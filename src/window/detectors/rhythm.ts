/**
 * The rhythm detector, peermon's own: it learns the interval of a window's metrics and how late
 * they have lately been, and suspects the peer once it is later than that.
 *
 *   suspectAt = last arrival + interval
 *               + max(marginSpreads x spread, slackGain x slack, minMargin, interval / 64)
 *
 * - interval, spread: moving averages (weight 1/16) of the gaps between valid arrivals and of
 *   their absolute deviation from the interval. They start from the first plausible gap (not a
 *   restart's burst, not past the ttl) ± a quarter of at least ttl / 2, so the margin is wider
 *   than the ttl until real gaps have taught it otherwise: no early suspicion without history, and
 *   no counter for it. A peer may send as often as it likes (4, 5, 10 metrics per ttl).
 * - slack: the largest lateness (gap - interval) seen lately, halving every `slackHalfLifeMetrics`
 *   metrics: a running estimate of the tail that a spread cannot give. After a pause the
 *   next one like it is no mistake; after a lost metric (lateness of a whole interval) suspicion
 *   falls after the deadline: a peer that loses metrics is left to the TTL until it has been
 *   punctual for a while.
 * - Which gaps teach what: a gap shorter than half the interval (a restart: two metrics close
 *   together; a backlog flushed after a stall) teaches nothing, nor does a gap of 4 intervals or
 *   more (an outage: the TTL convicted, and the rhythm after it is the same; shorter silences are
 *   taken as lost metrics). A gap within the spread margin updates the averages; any other
 *   moves the interval 8x less (a lasting change of rhythm is still learned, one off-beat gap
 *   barely moves it) and leaves the spread alone.
 * - `observe(..., learn = false)` (the monitor's own timing is in doubt): the arrival re-arms the
 *   detector and teaches nothing.
 * - Which peers lose metrics (`losses`, for expiry confirmation: confirmation.ts): every gap that
 *   teaches is counted, and so are those with one lost metric (1¾ intervals or more) and with two or
 *   more (2¾ or more, under the outage's 4); the counts fade with the slack's half-life. The quarter
 *   interval of room keeps a late metric (a jitter's tail) from passing for a lost one; suspicion
 *   does not read them.
 *
 * State: one time and six integers (1/256 ms fixed point, and counts in fixed point, so V8 keeps
 * them as small integers rather than boxed doubles): 96 bytes an instance on 64-bit Node
 * (docs/detection.md). Metrics sent less often than every 45 minutes (ttl / 2) get no early
 * suspicion and no confirmation.
 */
import type { LossRecord } from "./confirmation.js";
import type { Detector } from "./detector.js";

export interface RhythmOptions {
  /**
   * Margin in learned spreads (mean absolute deviations of the gap): what holds until the slack
   * has seen the peer's tail. @default 6 (not tuned: after the first hours the slack sets the margin)
   */
  marginSpreads?: number;
  /** Margin as a multiple of the largest recent lateness. @default 1.5 (tuned: docs/detection.md) */
  slackGain?: number;
  /**
   * Half-life of that lateness, in metrics: how long a pause or a lost metric is remembered.
   * Counted in metrics, not time, as losses are (one metric in so many). @default 30_000 (tuned: docs/detection.md)
   */
  slackHalfLifeMetrics?: number;
  /** Smallest margin (ms), besides 1/64 of the interval: below it a timer's own jitter decides. @default 100, Akka's min-std-deviation */
  minMarginMs?: number;
}

export const DEFAULT_RHYTHM = { marginSpreads: 6, slackGain: 1.5, slackHalfLifeMetrics: 30_000, minMarginMs: 100 } as const;

/**
 * Fixed point: the integer fields count 1/256 ms, fine enough that rounding the slack down at each
 * metric forgets at most 1/512 ms a metric more than the half-life says.
 */
const SCALE = 256;
const MAX_FIXED = 2 ** 31 - 1;
/** Metrics sent less often are left to the TTL: the slack (3 intervals) must stay a small integer. */
export const MAX_RHYTHM_INTERVAL_MS = 45 * 60_000;
/**
 * Weight of an on-time gap in the moving averages (a divisor); an off-beat gap moves the interval
 * 8x less, so that one restart or one lost metric shifts it by less than a quarter of the smallest
 * margin (interval / MARGIN_FLOOR_DIVISOR) and the next punctual metric is still on time.
 */
const LEARN = 16;
const LEARN_OFF_BEAT = 128;
/** The margin is never below interval / 64 (1.6%). */
const MARGIN_FLOOR_DIVISOR = 64;
/** A first gap shorter than ttl / this is a burst (a restart), not the peer's rhythm. */
const FIRST_GAP_TTL_DIVISOR = 16;
/** A gap of this many intervals or more is an outage, not a late metric. */
const OUTAGE_INTERVALS = 4;
/** The slack never exceeds this many intervals. */
const MAX_SLACK_INTERVALS = 3;
/** A gap of 1¾ intervals or more had a lost metric in it; of 2¾ or more, two (in quarters of an interval). */
const SINGLE_QUARTERS = 7;
const BURST_QUARTERS = 11;

/** Validated options in the detector's own units: shared by every window of one configuration. */
interface RhythmParams {
  marginSpreads: number;
  slackGain: number;
  /** The slack's factor per metric: 2^(-1 / half-life). */
  slackDecay: number;
  /** Fixed point. */
  minMargin: number;
  /** What one gap adds to a loss count: the counts stay small integers at their steady state (unit / (1 - decay)). */
  countUnit: number;
}

export class RhythmDetector implements Detector {
  /** On the prototype (see `configure`), not in each window: a window holds only its four fields. */
  declare protected readonly params: RhythmParams;
  private lastAt = Number.NaN;
  private interval = 0;
  private spread = 0;
  private slack = 0;
  /** Gaps counted lately, and those after one lost metric and after two or more: fading counts, `countUnit` each. */
  private gaps = 0;
  private singles = 0;
  private bursts = 0;

  /**
   * The detector class of one configuration: its windows share the options through the class's
   * prototype, so that each instance costs four fields (72 bytes) whatever the options.
   */
  static configure(o: RhythmOptions = {}): new () => RhythmDetector {
    const params = rhythmParams(o);
    const Configured = class extends RhythmDetector {};
    Object.defineProperty(Configured.prototype, "params", { value: params });
    return Configured;
  }

  observe(arrivalMs: number, deadlineMs: number, learn = true): void {
    const first = Number.isNaN(this.lastAt);
    const gap = arrivalMs - this.lastAt;
    this.lastAt = arrivalMs;
    if (first || !(gap > 0)) return;
    if (this.interval === 0) {
      if (learn) this.start(gap, deadlineMs - arrivalMs);
      return;
    }
    this.slack = Math.floor(this.slack * this.params.slackDecay) | 0;
    if (learn) this.learn(gap * SCALE);
  }

  suspectAt(): number {
    if (this.interval === 0) return Infinity;
    const margin = Math.max(this.spreadMargin(), this.params.slackGain * this.slack);
    return this.lastAt + (this.interval + margin) / SCALE;
  }

  /** What the detector has learned, in ms: for tests and the benchmark. */
  get learned(): { intervalMs: number; spreadMs: number; slackMs: number } {
    return { intervalMs: this.interval / SCALE, spreadMs: this.spread / SCALE, slackMs: this.slack / SCALE };
  }

  /** How the peer loses metrics, for expiry confirmation (counts in gaps, fading with the slack's half-life). */
  get losses(): LossRecord {
    const unit = this.params.countUnit;
    return {
      intervalMs: this.interval / SCALE,
      spreadMs: this.spread / SCALE,
      slackMs: this.slack / SCALE,
      gaps: this.gaps / unit,
      singles: this.singles / unit,
      bursts: this.bursts / unit,
    };
  }

  /**
   * The first plausible gap sets the rhythm: not a burst (a restart sends two metrics close
   * together: under ttl / FIRST_GAP_TTL_DIVISOR) and not past the ttl (an outage); until one comes
   * the detector knows nothing. The spread starts at a quarter of the larger of that gap and
   * ttl / 2 (the senders' convention ttl = 2 x interval), so that the margin is wider than the ttl
   * until real gaps have taught it otherwise, however often the peer sends.
   */
  private start(gapMs: number, ttlMs: number): void {
    if (gapMs > MAX_RHYTHM_INTERVAL_MS || gapMs * FIRST_GAP_TTL_DIVISOR < ttlMs || gapMs >= ttlMs) return;
    this.interval = fixed(gapMs * SCALE);
    this.spread = fixed((Math.max(gapMs, ttlMs / 2) * SCALE) / 4);
  }

  /** Takes one gap (fixed point) into the averages and the slack, by what it says about the peer. */
  private learn(gap: number): void {
    const interval = this.interval;
    if (interval === 0 || gap * 2 < interval || gap >= OUTAGE_INTERVALS * interval) return;
    this.countLosses(gap, interval);
    const deviation = gap - interval;
    if (deviation > this.slack) this.slack = fixed(Math.min(deviation, MAX_SLACK_INTERVALS * interval));
    if (Math.abs(deviation) <= this.spreadMargin()) {
      this.interval = fixed(interval + deviation / LEARN);
      this.spread = fixed(this.spread + (Math.abs(deviation) - this.spread) / LEARN);
    } else {
      this.interval = fixed(interval + deviation / LEARN_OFF_BEAT);
    }
  }

  /** Counts a gap that teaches, and whether one metric or more went missing in it (a quarter interval of room). */
  private countLosses(gap: number, interval: number): void {
    const { slackDecay, countUnit } = this.params;
    this.gaps = (Math.floor(this.gaps * slackDecay) + countUnit) | 0;
    this.singles = Math.floor(this.singles * slackDecay) | 0;
    this.bursts = Math.floor(this.bursts * slackDecay) | 0;
    if (gap * 4 >= BURST_QUARTERS * interval) this.bursts = (this.bursts + countUnit) | 0;
    else if (gap * 4 >= SINGLE_QUARTERS * interval) this.singles = (this.singles + countUnit) | 0;
  }

  private spreadMargin(): number {
    return Math.max(this.params.marginSpreads * this.spread, this.params.minMargin, this.interval / MARGIN_FLOOR_DIVISOR);
  }
}

Object.defineProperty(RhythmDetector.prototype, "params", { value: rhythmParams({}) });

function rhythmParams(o: RhythmOptions): RhythmParams {
  const slackDecay = 2 ** (-1 / (o.slackHalfLifeMetrics ?? DEFAULT_RHYTHM.slackHalfLifeMetrics));
  const p: RhythmParams = {
    marginSpreads: o.marginSpreads ?? DEFAULT_RHYTHM.marginSpreads,
    slackGain: o.slackGain ?? DEFAULT_RHYTHM.slackGain,
    slackDecay,
    minMargin: (o.minMarginMs ?? DEFAULT_RHYTHM.minMarginMs) * SCALE,
    countUnit: Math.max(1, Math.floor((MAX_FIXED / 2) * (1 - slackDecay))),
  };
  if (!(p.marginSpreads > 0)) throw new RangeError(`rhythm: marginSpreads must be > 0, got ${p.marginSpreads}`);
  if (!(p.slackGain >= 0)) throw new RangeError(`rhythm: slackGain must be >= 0, got ${p.slackGain}`);
  const halfLife = o.slackHalfLifeMetrics ?? DEFAULT_RHYTHM.slackHalfLifeMetrics;
  if (!(halfLife > 0)) throw new RangeError(`rhythm: slackHalfLifeMetrics must be > 0, got ${halfLife}`);
  if (!(p.minMargin >= 0)) throw new RangeError(`rhythm: minMarginMs must be >= 0, got ${o.minMarginMs}`);
  return p;
}

/** A non-negative fixed-point value as a small integer (never -0, never a boxed double). */
function fixed(v: number): number {
  return Math.min(Math.max(Math.round(v), 0), MAX_FIXED) | 0;
}

/** Makes a window's rhythm detector. */
export type RhythmFactory = () => RhythmDetector;

/** The factory of rhythm detectors with `options`, validated once: its detectors share the configuration. */
export function rhythmDetectors(options: RhythmOptions = DEFAULT_RHYTHM): RhythmFactory {
  const Configured = RhythmDetector.configure(options);
  return () => new Configured();
}
