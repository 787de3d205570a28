import { test } from "node:test";
import assert from "node:assert/strict";
import { ChenDetector } from "../bench/detection/detectors/chen.js";

/** Feeds arrivals (the deadline does not matter to Chen's estimate). */
function fed(arrivals: number[], o: ConstructorParameters<typeof ChenDetector>[0] = {}): ChenDetector {
  const d = new ChenDetector(o);
  for (const a of arrivals) d.observe(a);
  return d;
}

const every = (n: number, step: number, from = 0) => Array.from({ length: n }, (_, i) => from + i * step);

test("chen detector - off until it knows n arrivals", () => {
  assert.equal(fed([]).suspectAt(), Infinity);
  assert.equal(fed(every(9, 1_000)).suspectAt(), Infinity);
  assert.notEqual(fed(every(10, 1_000)).suspectAt(), Infinity);
});

test("chen detector - expected arrival from the last n arrivals plus the margin α", () => {
  // EA = mean(A) + (n+1)/2 x η, η = (A_n - A_1)/(n-1); suspect from EA + α·η.
  const cases: { what: string; arrivals: number[]; o?: { arrivals?: number; alpha?: number }; at: number }[] = [
    { what: "punctual: next beat + α·η", arrivals: every(10, 1_000), at: 10_000 + 500 },
    { what: "α = 0: the expected arrival itself", arrivals: every(10, 1_000), o: { alpha: 0 }, at: 10_000 },
    { what: "only the last n count", arrivals: [...every(5, 7_000, -100_000), ...every(10, 1_000)], at: 10_500 },
    { what: "n = 4", arrivals: every(4, 15_000), o: { arrivals: 4, alpha: 0.2 }, at: 60_000 + 3_000 },
    // A late last arrival moves the estimate by only part of its lateness: mean 4550, η = 9500/9.
    { what: "jitter of the last arrival is averaged", arrivals: [...every(9, 1_000), 9_500], o: { alpha: 0 }, at: 4_550 + 5.5 * (9_500 / 9) },
  ];
  for (const c of cases) assert.ok(Math.abs(fed(c.arrivals, c.o).suspectAt() - c.at) < 1e-9, `${c.what}: ${fed(c.arrivals, c.o).suspectAt()} vs ${c.at}`);
});

test("chen detector - an outage stays in the estimate for n arrivals: suspect at once after it (the plain estimator's flaw)", () => {
  // Punctual at 1 s, then 10 minutes of silence: the long gap inflates η, and the averaged phase
  // still sits in the past, so the freshness point falls before the metric that just arrived.
  const back = 9_000 + 600_000;
  const d = fed([...every(9, 1_000, 1_000), back]);
  assert.ok(d.suspectAt() < back, `${d.suspectAt()} < ${back}`);
});

test("chen detector - bad options are refused", () => {
  assert.throws(() => new ChenDetector({ arrivals: 1 }), /arrivals must be a whole number >= 2/);
  assert.throws(() => new ChenDetector({ alpha: -1 }), /alpha must be >= 0/);
});
