/**
 * The bound: a detector that knows what no real one can, each peer's true interval and jitter,
 * and suspects at last arrival + interval + c x jitter (the jitter's standard deviation). Every
 * peer then runs the same risk per metric, the best any detector predicting from the last
 * arrival can do with one knob. Meaningful on `steady` only (it knows nothing of drift or pauses).
 */
import type { Detector } from "./detectors/mod.js";

export class OracleDetector implements Detector {
  private last = Number.NaN;

  constructor(
    private readonly intervalMs: number,
    private readonly marginMs: number,
  ) {}

  observe(arrivalMs: number): void {
    this.last = arrivalMs;
  }

  suspectAt(): number {
    return Number.isNaN(this.last) ? Infinity : this.last + this.intervalMs + this.marginMs;
  }
}
