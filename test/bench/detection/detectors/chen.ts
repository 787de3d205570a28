/**
 * Chen, Toueg and Aguilera's adaptive freshness point (NFD-E, "On the QoS of failure detectors",
 * 2002): the next arrival is expected at EA = (1/n) Σ (A_i - i·η) + (n+1)·η over the last n
 * arrivals A_1..A_n, and the peer is suspect from EA + α. peermon's metrics carry no sequence
 * numbers and no declared interval, so η is estimated from the same n arrivals,
 * η = (A_n - A_1) / (n - 1), and α is a fraction of it; EA then simplifies to mean(A) + (n+1)·η/2.
 *
 * n = 10 is peermon's default window (`--window 10`): in production the detector would read the
 * window's RECEIVED column (metric-window.ts) instead of keeping these arrivals. Off until n
 * arrivals are known. Nothing resets the history: a restart's short interval or an outage's long
 * one stays in it for n arrivals, as in the plain estimator.
 */
import type { Detector } from "../../../../src/window/detectors/detector.js";

export interface ChenOptions {
  /** Arrivals the estimate is made from. @default 10, peermon's default window capacity */
  arrivals?: number;
  /** Safety margin α as a fraction of the estimated interval. @default 0.5 (tuned: docs/detection.md) */
  alpha?: number;
}

export const DEFAULT_CHEN = { arrivals: 10, alpha: 0.5 } as const;

export class ChenDetector implements Detector {
  private readonly n: number;
  private readonly alpha: number;
  private readonly ring: Float64Array;
  private count = 0;
  private next = 0;
  private sum = 0;

  constructor(o: ChenOptions = {}) {
    this.n = o.arrivals ?? DEFAULT_CHEN.arrivals;
    this.alpha = o.alpha ?? DEFAULT_CHEN.alpha;
    if (!Number.isInteger(this.n) || this.n < 2) throw new RangeError(`chen: arrivals must be a whole number >= 2, got ${this.n}`);
    if (!(this.alpha >= 0)) throw new RangeError(`chen: alpha must be >= 0, got ${this.alpha}`);
    this.ring = new Float64Array(this.n);
  }

  observe(arrivalMs: number): void {
    if (this.count === this.n) this.sum -= this.ring[this.next]!;
    else this.count++;
    this.ring[this.next] = arrivalMs;
    this.sum += arrivalMs;
    this.next = (this.next + 1) % this.n;
  }

  suspectAt(): number {
    if (this.count < this.n) return Infinity;
    const newest = this.ring[(this.next + this.n - 1) % this.n]!;
    const oldest = this.ring[this.next]!;
    const interval = (newest - oldest) / (this.n - 1);
    return this.sum / this.n + ((this.n + 1) / 2) * interval + this.alpha * interval;
  }
}
