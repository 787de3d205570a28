/**
 * The bound behind expiry confirmation's plot: what any confirmation that only waits can reach. A
 * window that waits D after its deadline (the same D at every expiry of its peer) avoids the false
 * expiries that end within D, and detects each crash of its peer D later. Given each peer's own
 * future losses (its false expiries at every D, replayed), and only the fleet's mean crash count
 * (a peer's crashes are not foreseeable), the best D per peer for a price λ per second of detection
 * is the one with the fewest false expiries + λ x D x (mean crashes); over λ that traces the
 * frontier no learned rule can pass, short of knowing when a peer will crash.
 */
import { seededRandom } from "../../../src/cli/demo/scenario.js";
import type { Detector } from "./detectors/mod.js";
import { emptyTally, replay } from "./replay.js";
import { drawBehaviour, peerSeed, type Cell } from "./scenarios.js";
import { generateTrace } from "./traces.js";

/** Waits after the deadline, in intervals: a margin for single losses, an interval (two) and a margin for bursts of two (three). */
const WAITS = [0, 0.02, 0.05, 0.1, 0.15, 0.25, 0.5, 1.02, 1.05, 1.1, 1.15, 1.25, 1.5, 2.02, 2.05, 2.1, 2.25, 2.5];
/** Prices of a second of detection, in false expiries per crash, from "detect at once" (50) to "wait" (0.0001), log-spaced. */
const PRICES = Array.from({ length: 48 }, (_, i) => 50 * (0.0001 / 50) ** (i / 47));
const WEEK = 7 * 86_400_000;

export interface BoundPoint {
  /** False expiries per peer-week of up time. */
  falsePerWeek: number;
  /** Mean detection time of a crash (ms). */
  detectMeanMs: number;
}

class Waiting implements Detector {
  private deadline = Infinity;

  constructor(private readonly waitMs: number) {}

  observe(_arrivalMs: number, deadlineMs: number): void {
    this.deadline = deadlineMs;
  }

  suspectAt(): number {
    return this.deadline + this.waitMs;
  }
}

/** The frontier of one cell (its peers drawn as runCell draws them), from the cheapest detection to the fewest false expiries. */
export function lossBound(cell: Cell, days: number, seed: number): BoundPoint[] {
  const { scenario, intervalMs, peers } = cell;
  const ttlMs = cell.ttlMs ?? 2 * intervalMs;
  const mistakes: number[][] = [];
  const crashesOf: number[] = [];
  let upMs = 0;
  let crashes = 0;
  let detectSum = 0;
  for (let p = 0; p < peers; p++) {
    const s = peerSeed(seed, scenario, intervalMs, p);
    const trace = generateTrace(drawBehaviour(scenario, seededRandom(s)), intervalMs, days, s ^ 0x7f4a7c15, ttlMs);
    mistakes.push(
      WAITS.map((w, i) => {
        const t = emptyTally();
        replay(trace, new Waiting(w * intervalMs), "verdict", t);
        if (i === 0) {
          upMs += t.upMs;
          crashesOf.push(t.detections.length);
          crashes += t.detections.length;
          detectSum += t.detections.reduce((a, b) => a + b, 0);
        }
        return t.mistakes;
      }),
    );
  }
  const meanCrashes = crashes / peers;
  return PRICES.map((price) => {
    let falseSum = 0;
    let delaySum = 0;
    mistakes.forEach((m, p) => {
      let best = 0;
      const cost = (i: number) => m[i]! + (price * meanCrashes * (WAITS[i]! * intervalMs)) / 1_000;
      for (let i = 1; i < WAITS.length; i++) if (cost(i) < cost(best)) best = i;
      falseSum += m[best]!;
      delaySum += crashesOf[p]! * WAITS[best]! * intervalMs;
    });
    return { falsePerWeek: (falseSum / upMs) * WEEK, detectMeanMs: crashes ? (detectSum + delaySum) / crashes : Number.NaN };
  });
}
