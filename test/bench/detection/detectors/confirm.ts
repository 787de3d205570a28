/**
 * `ttl+confirm`: the TTL with expiry confirmation (src/window/detectors/confirmation.ts), peermon's
 * verdict with `serve --confirm auto`: a punctual peer is convicted at its deadline, a peer that
 * loses metrics once the metrics its rhythm detector says to wait for are overdue too.
 */
import { type ConfirmationOptions, confirmedAt } from "../../../../src/window/detectors/confirmation.js";
import type { Detector } from "../../../../src/window/detectors/detector.js";
import { RhythmDetector } from "../../../../src/window/detectors/rhythm.js";

export class ConfirmedTtlDetector implements Detector {
  private readonly rhythm = new RhythmDetector();
  private last = Number.NaN;
  private deadline = Infinity;

  constructor(private readonly options: Required<ConfirmationOptions>) {}

  observe(arrivalMs: number, deadlineMs: number, learn = true): void {
    this.rhythm.observe(arrivalMs, deadlineMs, learn);
    this.last = arrivalMs;
    this.deadline = deadlineMs;
  }

  suspectAt(): number {
    if (!Number.isFinite(this.deadline)) return this.deadline;
    return confirmedAt(this.deadline, this.last, this.rhythm.losses, this.options);
  }
}
