/**
 * IPFS Cluster's detector (`monitor/metrics/checker.go`): a check runs on a fixed tick (every 15 s,
 * `pubsubmon.DefaultCheckInterval`) and fails a metric that is expired at that tick. A dead peer is
 * therefore known at the first tick after its deadline: up to one tick later than the TTL itself.
 */
import type { Detector } from "../../../../src/window/detectors/detector.js";

export interface IpfsTickOptions {
  /** Time between two checks (ms). @default 15_000, IPFS Cluster's `DefaultCheckInterval` */
  tickMs?: number;
  /** When one of the ticks falls (ms, any tick): the checker's phase against the peers. @default 0 */
  phaseMs?: number;
}

export const DEFAULT_IPFS_TICK_MS = 15_000;

export class IpfsTickDetector implements Detector {
  private readonly tickMs: number;
  private readonly phaseMs: number;
  private deadline = Infinity;

  constructor(o: IpfsTickOptions = {}) {
    this.tickMs = o.tickMs ?? DEFAULT_IPFS_TICK_MS;
    this.phaseMs = o.phaseMs ?? 0;
    if (!(this.tickMs > 0)) throw new RangeError(`ipfs-tick: tickMs must be > 0, got ${this.tickMs}`);
  }

  observe(_arrivalMs: number, deadlineMs: number): void {
    this.deadline = deadlineMs;
  }

  suspectAt(): number {
    return firstTickAfter(this.deadline, this.tickMs, this.phaseMs);
  }
}

/** The first tick strictly after `t` (IPFS: expired when the tick is after the expiry). */
export function firstTickAfter(t: number, tickMs: number, phaseMs: number): number {
  if (!Number.isFinite(t)) return t;
  return phaseMs + (Math.floor((t - phaseMs) / tickMs) + 1) * tickMs;
}
