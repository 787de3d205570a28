/**
 * φ accrual (Hayashibara et al. 2004) as Akka implements it (`PhiAccrualFailureDetector.scala`):
 * φ = -log10(1 - F(t - last)), F the normal CDF (logistic approximation) with the mean of the
 * sampled intervals plus an acceptable pause, and their standard deviation floored. Suspect from
 * the time φ reaches the threshold. An interval is not sampled when it ended while the peer was
 * already suspect ("a long pause will skew the stats"). The history is seeded, as Akka seeds it
 * from `heartbeat-interval`, with a first estimate of the interval ± a quarter: here ttl / 2 (the
 * senders' convention, IPFS Cluster's ping ttl = 2 x interval).
 *
 * Keeps its own ring of up to `maxSampleSize` intervals: a benchmark reference, not a candidate
 * for 1M windows (Akka's 1000 samples are 8 KB a window).
 */
import type { Detector } from "../../../../src/window/detectors/detector.js";

export interface PhiOptions {
  /** φ at which the peer is suspect. @default 8, Akka cluster's `threshold` */
  threshold?: number;
  /** Intervals kept (a sliding window). @default 1000, Akka cluster's `max-sample-size` */
  maxSampleSize?: number;
  /** Floor of the standard deviation (ms). @default 100, Akka's `min-std-deviation` */
  minStdDeviationMs?: number;
  /** Added to the mean: a pause that costs no φ (ms). @default 3_000, Akka cluster's `acceptable-heartbeat-pause` */
  acceptablePauseMs?: number;
}

export const DEFAULT_PHI = { threshold: 8, maxSampleSize: 1000, minStdDeviationMs: 100, acceptablePauseMs: 3_000 } as const;

export class PhiAccrualDetector implements Detector {
  private readonly o: Required<PhiOptions>;
  /** y = (t - mean) / σ at which φ reaches the threshold: fixed by the threshold alone. */
  private readonly yAtThreshold: number;
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;
  private sum = 0;
  private squares = 0;
  private last = Number.NaN;

  constructor(o: PhiOptions = {}) {
    this.o = { ...DEFAULT_PHI, ...o };
    if (!(this.o.threshold > Math.log10(2))) throw new RangeError(`phi: threshold must be > log10(2), got ${this.o.threshold}`);
    if (!(this.o.maxSampleSize >= 2)) throw new RangeError(`phi: maxSampleSize must be >= 2, got ${this.o.maxSampleSize}`);
    this.yAtThreshold = logisticQuantile(this.o.threshold);
    this.samples = new Float64Array(this.o.maxSampleSize);
  }

  observe(arrivalMs: number, deadlineMs: number, learn = true): void {
    if (Number.isNaN(this.last)) {
      const estimate = (deadlineMs - arrivalMs) / 2;
      this.add(estimate - estimate / 4);
      this.add(estimate + estimate / 4);
    } else if (learn && arrivalMs < this.suspectAt()) {
      this.add(arrivalMs - this.last);
    }
    this.last = arrivalMs;
  }

  suspectAt(): number {
    if (Number.isNaN(this.last)) return Infinity;
    const mean = this.sum / this.count;
    const sd = Math.sqrt(Math.max(0, this.squares / this.count - mean * mean));
    return this.last + mean + this.o.acceptablePauseMs + this.yAtThreshold * Math.max(sd, this.o.minStdDeviationMs);
  }

  /** φ at `nowMs` (Akka's formula), for tests and plots. */
  phi(nowMs: number): number {
    if (Number.isNaN(this.last)) return 0;
    const mean = this.sum / this.count + this.o.acceptablePauseMs;
    const sd = Math.max(Math.sqrt(Math.max(0, this.squares / this.count - (this.sum / this.count) ** 2)), this.o.minStdDeviationMs);
    return akkaPhi(nowMs - this.last, mean, sd);
  }

  private add(interval: number): void {
    if (this.count === this.samples.length) {
      const old = this.samples[this.next]!;
      this.sum -= old;
      this.squares -= old * old;
    } else {
      this.count++;
    }
    this.samples[this.next] = interval;
    this.next = (this.next + 1) % this.samples.length;
    this.sum += interval;
    this.squares += interval * interval;
  }
}

/** Akka's φ: -log10 of the logistic approximation of the normal tail beyond `timeDiff`. */
export function akkaPhi(timeDiff: number, mean: number, sd: number): number {
  const y = (timeDiff - mean) / sd;
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  return timeDiff > mean ? -Math.log10(e / (1 + e)) : -Math.log10(1 - 1 / (1 + e));
}

/** The y (in standard deviations past the mean) where Akka's φ equals `threshold`, by Newton's method. */
export function logisticQuantile(threshold: number): number {
  const p = 10 ** -threshold;
  const target = Math.log((1 - p) / p);
  let y = 3;
  for (let i = 0; i < 50; i++) {
    const f = y * (1.5976 + 0.070566 * y * y) - target;
    const step = f / (1.5976 + 3 * 0.070566 * y * y);
    y -= step;
    if (Math.abs(step) < 1e-12) break;
  }
  return y;
}
