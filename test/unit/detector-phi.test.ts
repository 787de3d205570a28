import { test } from "node:test";
import assert from "node:assert/strict";
import { akkaPhi, logisticQuantile, PhiAccrualDetector } from "../bench/detection/detectors/phi.js";

const close = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

test("phi detector - Akka's φ: log10(2) at the mean, rising past it", () => {
  close(akkaPhi(1_000, 1_000, 100), Math.log10(2), 1e-12, "at the mean");
  assert.ok(akkaPhi(500, 1_000, 100) < 0.01, "well before the mean φ is near 0");
  const rising = [1_100, 1_200, 1_300, 1_400].map((t) => akkaPhi(t, 1_000, 100));
  for (let i = 1; i < rising.length; i++) assert.ok(rising[i]! > rising[i - 1]!, "φ grows with lateness");
});

test("phi detector - the threshold's crossing point solves Akka's formula", () => {
  for (const threshold of [1, 3, 8, 12]) close(akkaPhi(logisticQuantile(threshold), 0, 1), threshold, 1e-9, `threshold ${threshold}`);
  close(logisticQuantile(8), 5.226, 0.001, "threshold 8 sits 5.226 σ past the mean");
});

test("phi detector - suspect where φ reaches the threshold: mean + pause + y·max(σ, min σ)", () => {
  const y8 = logisticQuantile(8);
  const cases: { what: string; intervals: number[]; o?: object; offset: number }[] = [
    // Seeded like Akka from ttl/2 = 15 s ± 3.75 s: mean 15 s, σ 3.75 s.
    { what: "first metric: the seeded history", intervals: [], offset: 15_000 + 3_000 + y8 * 3_750 },
    // 3 samples: the seeds are gone; σ 0 is floored at 100 ms.
    { what: "punctual beats: σ floored", intervals: [15_000, 15_000, 15_000], o: { maxSampleSize: 3 }, offset: 15_000 + 3_000 + y8 * 100 },
    {
      what: "Akka's pause and floor are options",
      intervals: [15_000, 15_000],
      o: { maxSampleSize: 2, acceptablePauseMs: 0, minStdDeviationMs: 10 },
      offset: 15_000 + y8 * 10,
    },
    // σ of 14, 15, 16 s (population): sqrt(2/3) s.
    { what: "jitter widens it", intervals: [14_000, 15_000, 16_000], o: { maxSampleSize: 3 }, offset: 15_000 + 3_000 + y8 * 1_000 * Math.sqrt(2 / 3) },
  ];
  for (const c of cases) {
    const d = new PhiAccrualDetector(c.o);
    let t = 1_000_000;
    d.observe(t, t + 30_000);
    for (const i of c.intervals) d.observe((t += i), t + 30_000);
    close(d.suspectAt() - t, c.offset, 1e-6, c.what);
    close(d.phi(d.suspectAt()), (c.o as { threshold?: number })?.threshold ?? 8, 1e-6, `${c.what}: φ at suspectAt`);
  }
});

test("phi detector - an interval that ends while suspect is not sampled; a restart's short one is, and inflates σ", () => {
  const o = { maxSampleSize: 3 };
  const pause = new PhiAccrualDetector(o);
  const restart = new PhiAccrualDetector(o);
  let t = 0;
  for (const d of [pause, restart]) d.observe(0, 30_000);
  for (let k = 0; k < 3; k++) {
    t += 15_000;
    for (const d of [pause, restart]) d.observe(t, t + 30_000);
  }
  const punctualOffset = pause.suspectAt() - t;
  pause.observe(t + 60_000, t + 90_000); // arrived long after the suspicion: not a sample
  close(pause.suspectAt() - (t + 60_000), punctualOffset, 1e-6, "the pause left the statistics alone");
  restart.observe(t + 500, t + 30_500); // two metrics 500 ms apart: sampled
  // Intervals 15, 15, 0.5 s: mean 10.2 s, σ 6.8 s; suspicion moves 24 s later.
  assert.ok(restart.suspectAt() - (t + 500) > punctualOffset + 20_000, "the short interval widens the distribution");
});

test("phi detector - bad options are refused", () => {
  assert.throws(() => new PhiAccrualDetector({ threshold: 0.1 }), /threshold must be > log10\(2\)/);
  assert.throws(() => new PhiAccrualDetector({ maxSampleSize: 1 }), /maxSampleSize must be >= 2/);
});
