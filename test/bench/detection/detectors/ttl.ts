/**
 * The TTL detector: peermon's behaviour today. The peer is suspect exactly when its latest valid
 * metric passes its deadline (`deadlineOf`), never earlier: the baseline every other detector is
 * measured against. Its state is the deadline the window keeps anyway.
 */
import type { Detector } from "../../../../src/window/detectors/detector.js";

export class TtlDetector implements Detector {
  private deadline = Infinity;

  observe(_arrivalMs: number, deadlineMs: number): void {
    this.deadline = deadlineMs;
  }

  suspectAt(): number {
    return this.deadline;
  }
}
