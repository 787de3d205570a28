import { test } from "node:test";
import assert from "node:assert/strict";
import { seededRandom } from "../../src/cli/demo/scenario.js";
import { DETECTOR_NAMES, detectorFactory, type DetectorName } from "../bench/detection/detectors/mod.js";
import { DEFAULT_RHYTHM, RhythmDetector } from "../../src/window/detectors/rhythm.js";

const TTL = 30_000;

/** A detector fed `gaps` (ms) after a first metric at t = 1e12; returns it and the last arrival. */
function fed(gaps: number[], d = new RhythmDetector(), learn = true): { d: RhythmDetector; last: number } {
  let t = 1e12;
  d.observe(t, t + TTL);
  for (const g of gaps) d.observe((t += g), t + TTL, learn);
  return { d, last: t };
}

/** Feeds more gaps to `d`, from `last` on. */
function more(d: RhythmDetector, last: number, gaps: number[], learn = true): number {
  for (const g of gaps) d.observe((last += g), last + TTL, learn);
  return last;
}

const punctual = (n: number, every = 15_000) => Array<number>(n).fill(every);
/** The smallest margin at a 15 s interval: 1/64 of it. */
const FLOOR = 15_000 / 64;
const GAIN = DEFAULT_RHYTHM.slackGain;
const HALF_LIFE = DEFAULT_RHYTHM.slackHalfLifeMetrics;
const close = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

test("rhythm detector - no history: nothing before the first plausible gap, then past the deadline", () => {
  assert.equal(new RhythmDetector().suspectAt(), Infinity);
  assert.equal(fed([]).d.suspectAt(), Infinity, "one metric: no gap yet");
  assert.equal(fed([1_000]).d.suspectAt(), Infinity, "a restart's burst (under ttl/16) is not a rhythm");
  assert.equal(fed([31_000]).d.suspectAt(), Infinity, "a gap past the ttl is an outage, not a rhythm");
  // First gap 15 s: interval 15 s, spread ttl/8 = 3.75 s, margin 6 spreads = 22.5 s: past the 30 s deadline.
  const { d, last } = fed([15_000]);
  assert.equal(d.suspectAt() - last, 15_000 + 22_500);
});

test("rhythm detector - a peer that sends more often than ttl / 2 is learned (regression: 5 metrics per ttl never were)", () => {
  // 6 s gaps with a 30 s ttl: a prior of ttl/2 took every gap for a restart and never learned.
  const { d, last } = fed(punctual(60, 6_000));
  const early = d.suspectAt() - last;
  assert.ok(early < 7_000, `suspect ${early} ms after the last metric, well before the 30 s deadline`);
  const first = fed(punctual(1, 6_000));
  assert.equal(first.d.suspectAt() - first.last, 6_000 + 22_500, "after one gap the margin is as wide as for ttl/2 senders: no early suspicion yet");
});

test("rhythm detector - what each gap teaches, after 150 punctual metrics (interval 15 s, margin at its floor: 15 s / 64)", () => {
  const cases: { what: string; gaps: number[]; learn?: boolean; offset: number; slack: number }[] = [
    { what: "punctual: 234 ms after the expected metric", gaps: [], offset: 15_000 + FLOOR, slack: 0 },
    { what: "a restart (two metrics 1 s apart) teaches nothing", gaps: [1_000], offset: 15_000 + FLOOR, slack: 0 },
    { what: "an outage (10 min) teaches nothing", gaps: [600_000], offset: 15_000 + FLOOR, slack: 0 },
    { what: "an outage (4 intervals) teaches nothing", gaps: [60_000], offset: 15_000 + FLOOR, slack: 0 },
    // Lateness 5 s: slack 5 s, margin 1.5 x 5 s; the interval moves 5 s / 128.
    { what: "a pause widens the margin to 1.5 x its lateness", gaps: [20_000], offset: 15_000 + 5_000 / 128 + GAIN * 5_000, slack: 5_000 },
    // A lost metric: lateness 15 s, margin 22.5 s: suspicion after the deadline (30 s), the TTL decides.
    { what: "a lost metric leaves the peer to the TTL", gaps: [30_000], offset: 15_000 + 15_000 / 128 + GAIN * 15_000, slack: 15_000 },
    { what: "with learn = false the same gap teaches nothing", gaps: [30_000], learn: false, offset: 15_000 + FLOOR, slack: 0 },
  ];
  for (const c of cases) {
    const { d, last } = fed(punctual(150));
    const now = more(d, last, c.gaps, c.learn);
    close(d.suspectAt() - now, c.offset, 1e-9, c.what);
    assert.equal(d.learned.slackMs, c.slack, `${c.what}: slack`);
  }
});

test("rhythm detector - one off-beat gap (a restart, a lost metric) never makes the next punctual metric late", () => {
  for (const gap of [7_600, 9_000, 14_000, 16_000, 22_000, 30_000]) {
    const { d, last } = fed(punctual(150));
    const t = more(d, last, [gap]);
    const due = d.suspectAt();
    assert.ok(t + 15_000 < due, `after a ${gap} ms gap the next punctual metric is on time (${t + 15_000 - due} ms)`);
  }
});

test("rhythm detector - a lost metric is forgiven with the slack's half-life (30 000 metrics)", () => {
  const { d, last } = fed([...punctual(150), 30_000]);
  const after = (t: number) => d.suspectAt() - t;
  assert.ok(after(last) > TTL, "right after it: no early suspicion");
  const later = more(d, last, punctual(HALF_LIFE));
  // About: the fixed point rounds down at each metric, so it forgets up to 1/512 ms a metric more.
  close(d.learned.slackMs, 7_500, 60, "one half-life later the slack has halved");
  close(after(later), 15_000 + GAIN * d.learned.slackMs, 50, "early suspicion is back, later than before");
  more(d, later, punctual(2 * HALF_LIFE));
  close(d.learned.slackMs, 1_875, 120, "three half-lives later an eighth is left");
});

test("rhythm detector - a lasting change of rhythm costs one false suspicion, then is learned", () => {
  const { d, last } = fed(punctual(150));
  let t = last;
  for (let k = 0; k < 600; k++) {
    const due = d.suspectAt();
    t = more(d, t, [20_000]);
    // The first 20 s gap after a 15 s rhythm cannot be told from a dead peer; after it the slack covers.
    if (k === 0) assert.ok(t > due, "the first slower metric came after the suspicion");
    else assert.ok(t < due, `metric ${k} of the slower rhythm came before the suspicion (${t - due} ms late)`);
  }
  close(d.learned.intervalMs, 20_000, 200, "the new interval is learned");
});

test("rhythm detector - bounded jitter never raises a false suspicion once warmed up", () => {
  const random = seededRandom(7);
  const d = new RhythmDetector();
  let false_ = 0;
  // Metrics due every 15 s, each up to 600 ms late, uniformly.
  for (let k = 0; k < 10_000; k++) {
    const at = 1e12 + k * 15_000 + 600 * random();
    if (k > 10 && at >= d.suspectAt()) false_++;
    d.observe(at, at + TTL);
  }
  assert.equal(false_, 0);
  assert.ok(d.suspectAt() - d.learned.intervalMs < 1e12 + 9_999 * 15_000 + 2_000, "and the margin stays tight (under 2 s)");
});

test("rhythm detector - configurations keep their own options, defaults when none", () => {
  const Eager = RhythmDetector.configure({ slackGain: 1, minMarginMs: 500 });
  const eager = fed([...punctual(150), 20_000], new Eager());
  const standard = fed([...punctual(150), 20_000]);
  close(eager.d.suspectAt() - eager.last, 15_000 + 5_000 / 128 + 5_000, 1e-9, "gain 1");
  close(standard.d.suspectAt() - standard.last, 15_000 + 5_000 / 128 + DEFAULT_RHYTHM.slackGain * 5_000, 1e-9, "default gain");
  const floor = fed(punctual(150), new Eager());
  close(floor.d.suspectAt() - floor.last, 15_500, 1e-9, "min margin 500 ms");
});

test("rhythm detector - metrics sent less often than every 45 minutes are left to the TTL", () => {
  const d = new RhythmDetector();
  let t = 0;
  for (let k = 0; k < 200; k++) d.observe((t += 3_600_000), t + 7_200_000);
  assert.equal(d.suspectAt(), Infinity);
});

test("rhythm detector - bad options are refused, naming the option", () => {
  assert.throws(() => RhythmDetector.configure({ marginSpreads: 0 }), /marginSpreads must be > 0/);
  assert.throws(() => RhythmDetector.configure({ slackGain: -1 }), /slackGain must be >= 0/);
  assert.throws(() => RhythmDetector.configure({ slackHalfLifeMetrics: 0 }), /slackHalfLifeMetrics must be > 0/);
  assert.throws(() => RhythmDetector.configure({ minMarginMs: -5 }), /minMarginMs must be >= 0/);
});

test("detector factory - options are checked when the factory is made, and every name makes its detector", () => {
  assert.throws(() => detectorFactory("rhythm", { slackGain: -1 }), /slackGain must be >= 0/);
  assert.throws(() => detectorFactory("chen", { arrivals: 1 }), /arrivals must be a whole number >= 2/);
  assert.throws(() => detectorFactory("nope" as DetectorName), /unknown detector nope: use one of ttl, ipfs-tick, phi, chen, rhythm/);
  for (const name of DETECTOR_NAMES) {
    const d = detectorFactory(name)();
    assert.equal(d.suspectAt(), Infinity, `${name}: nothing suspect before the first metric`);
    d.observe(1_000, 31_000);
    assert.ok(d.suspectAt() >= 1_000, `${name}: a time after the first metric`);
  }
});
