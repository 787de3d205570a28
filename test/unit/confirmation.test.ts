import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type Awaited,
  confirmationMargin,
  confirmationOptions,
  confirmedAt,
  DEFAULT_CONFIRMATION,
  type LossRecord,
  metricsAwaited,
} from "../../src/window/detectors/confirmation.js";
import { DEFAULT_RHYTHM, RhythmDetector } from "../../src/window/detectors/rhythm.js";

const I = 15_000;
const TTL = 2 * I;
const LAST = 1e12;
const O = confirmationOptions();
/** A loss record at a 15 s interval: old (10,000 gaps), punctual and tight unless said; a slack of an interval (a peer that lost a metric). */
const rec = (r: Partial<LossRecord> = {}): LossRecord => ({ intervalMs: I, spreadMs: 50, slackMs: I, gaps: 10_000, singles: 0, bursts: 0, ...r });
/** The margin of those records: two spreads of 50 ms. */
const MARGIN = 100;

test("confirmation - how many expected metrics a window waits for, by what its rhythm learned (intervalCost 0.00125, 2 spreads)", () => {
  assert.equal(DEFAULT_CONFIRMATION.intervalCost, 0.00125, "the table is worked out for the default price");
  const cases: { what: string; r: LossRecord; wait: Awaited }[] = [
    { what: "no rhythm learned (one metric, or sent less often than every 45 min): nothing is expected", r: rec({ intervalMs: 0, gaps: 0 }), wait: 0 },
    { what: "a punctual peer with a long record fires at its deadline", r: rec(), wait: 0 },
    { what: "a young window (under 1 / intervalCost gaps) is not known punctual: the next expected metric", r: rec({ gaps: 100 }), wait: 1 },
    { what: "a young window after one lost metric: bursts of two are likely enough (Laplace) to wait for them", r: rec({ gaps: 40, singles: 1 }), wait: 2 },
    { what: "rare single losses, a tight rhythm: the next expected metric (its margin is cheap)", r: rec({ singles: 5 }), wait: 1 },
    { what: "single losses only, 1% of the metrics (random loss): the next expected metric", r: rec({ singles: 100, bursts: 1 }), wait: 1 },
    { what: "bursts of two in more than 1 of 1,000 metrics: the one after it too", r: rec({ singles: 30, bursts: 20 }), wait: 2 },
    { what: "two late metrics in 10,000 and a wide jitter: the margin costs more than the alerts it spares", r: rec({ singles: 2, spreadMs: 2_000 }), wait: 0 },
  ];
  for (const c of cases) assert.equal(metricsAwaited(c.r, O), c.wait, c.what);
});

test("confirmation - when an expired deadline fires: at it, or once the awaited metrics are overdue by the margin", () => {
  const deadline = LAST + TTL;
  const cases: { what: string; r: LossRecord; deadline?: number; at: number }[] = [
    { what: "punctual: the deadline itself", r: rec(), at: deadline },
    { what: "no rhythm: the deadline itself", r: rec({ intervalMs: 0 }), at: deadline },
    { what: "wait 1 (ttl = 2 x interval): the metric expected at the deadline, overdue by the margin", r: rec({ singles: 5 }), at: LAST + 2 * I + MARGIN },
    { what: "wait 2: and the one after it", r: rec({ singles: 30, bursts: 20 }), at: LAST + 3 * I + MARGIN },
    { what: "the margin is 2 learned spreads", r: rec({ singles: 30, bursts: 20, spreadMs: 1_000 }), at: LAST + 3 * I + 2_000 },
    {
      what: "or twice the largest lateness seen, when less (a young rhythm's spread starts wide)",
      r: rec({ gaps: 100, spreadMs: 3_000, slackMs: 40 }),
      at: LAST + 2 * I + 80,
    },
    { what: "at least 10 ms (a peer never late yet)", r: rec({ gaps: 100, spreadMs: 3_000, slackMs: 0 }), at: LAST + 2 * I + 10 },
    { what: "and at most half an interval", r: rec({ gaps: 100, spreadMs: 10_000 }), at: LAST + 2 * I + I / 2 },
    {
      what: "ttl = 4 x interval: the metric expected at the deadline is the fourth",
      r: rec({ singles: 30, bursts: 20 }),
      deadline: LAST + 4 * I,
      at: LAST + 5 * I + MARGIN,
    },
    { what: "a ttl shorter than the interval: the next metric at all", r: rec({ singles: 5 }), deadline: LAST + 10_000, at: LAST + I + MARGIN },
  ];
  for (const c of cases) assert.equal(confirmedAt(c.deadline ?? deadline, LAST, c.r, O), c.at, c.what);
});

test("confirmation - never before the deadline, never more than an interval and a margin after the metric expected at it", () => {
  fc.assert(
    fc.property(
      fc.record({
        intervalMs: fc.double({ min: 1, max: 2_700_000, noNaN: true }),
        spreadRatio: fc.double({ min: 0, max: 2, noNaN: true }),
        slackRatio: fc.double({ min: 0, max: 3, noNaN: true }),
        gaps: fc.double({ min: 0, max: 50_000, noNaN: true }),
        singleShare: fc.double({ min: 0, max: 1, noNaN: true }),
        burstShare: fc.double({ min: 0, max: 1, noNaN: true }),
        metricsPerTtl: fc.double({ min: 0.5, max: 8, noNaN: true }),
      }),
      (g) => {
        const r: LossRecord = {
          intervalMs: g.intervalMs,
          spreadMs: g.spreadRatio * g.intervalMs,
          slackMs: g.slackRatio * g.intervalMs,
          gaps: g.gaps,
          singles: g.gaps * g.singleShare * (1 - g.burstShare),
          bursts: g.gaps * g.singleShare * g.burstShare,
        };
        const deadline = LAST + g.metricsPerTtl * g.intervalMs;
        const at = confirmedAt(deadline, LAST, r, O);
        const expected = LAST + Math.max(1, Math.round(g.metricsPerTtl)) * g.intervalMs;
        assert.ok(at >= deadline, "not before the deadline");
        // 1 µs of room: times near 1e12 ms carry about 0.1 µs of rounding.
        assert.ok(at <= Math.max(deadline, expected + 1.5 * g.intervalMs) + 1e-3, "at most an interval and half an interval after the expected metric");
        if (metricsAwaited(r, O) === 0) assert.equal(at, deadline);
        assert.ok(confirmationMargin(r, O) <= g.intervalMs / 2);
      },
    ),
  );
});

test("confirmation - options default as documented; bad ones are refused, naming the option", () => {
  assert.deepEqual(confirmationOptions(), { ...DEFAULT_CONFIRMATION });
  assert.equal(confirmationOptions({ marginSpreads: 3 }).marginSpreads, 3);
  assert.throws(() => confirmationOptions({ intervalCost: 0 }), /intervalCost must be > 0 and < 1, got 0/);
  assert.throws(() => confirmationOptions({ intervalCost: 1 }), /intervalCost must be > 0 and < 1/);
  assert.throws(() => confirmationOptions({ marginSpreads: -1 }), /marginSpreads must be >= 0/);
  assert.throws(() => confirmationOptions({ minMarginMs: Number.NaN }), /minMarginMs must be >= 0/);
});

/** A rhythm detector fed `gaps` (ms) after 150 punctual metrics 15 s apart. */
function rhythmAfter(gaps: number[], learn = true): RhythmDetector {
  const d = new RhythmDetector();
  let t = LAST;
  d.observe(t, t + TTL);
  for (let k = 0; k < 150; k++) d.observe((t += I), t + TTL);
  for (const g of gaps) d.observe((t += g), t + TTL, learn);
  return d;
}

test("rhythm detector - counts the gaps that teach, and those with one lost metric or more (a quarter interval of room for a late one)", () => {
  const cases: { what: string; gaps: number[]; learn?: boolean; singles: number; bursts: number; gaps_: number }[] = [
    { what: "punctual: 149 gaps (the first one started the rhythm), no loss", gaps: [], singles: 0, bursts: 0, gaps_: 149 },
    { what: "one lost metric (a 30 s gap)", gaps: [30_000], singles: 1, bursts: 0, gaps_: 150 },
    { what: "a lost metric whose next one came early (27 s: over 1¾ intervals)", gaps: [27_000], singles: 1, bursts: 0, gaps_: 150 },
    { what: "a late metric (25 s: under 1¾ intervals) is no loss", gaps: [25_000], singles: 0, bursts: 0, gaps_: 150 },
    { what: "two lost in a row (45 s)", gaps: [45_000], singles: 0, bursts: 1, gaps_: 150 },
    { what: "three lost (57 s, under the outage's 4 intervals) count as two or more", gaps: [57_000], singles: 0, bursts: 1, gaps_: 150 },
    { what: "an outage (4 intervals) teaches nothing", gaps: [60_000], singles: 0, bursts: 0, gaps_: 149 },
    { what: "a restart's two metrics 1 s apart teach nothing", gaps: [1_000], singles: 0, bursts: 0, gaps_: 149 },
    { what: "with learn = false a gap teaches nothing", gaps: [30_000], learn: false, singles: 0, bursts: 0, gaps_: 149 },
  ];
  for (const c of cases) {
    const l = rhythmAfter(c.gaps, c.learn).losses;
    assert.equal(Math.round(l.singles), c.singles, `${c.what}: singles`);
    assert.equal(Math.round(l.bursts), c.bursts, `${c.what}: bursts`);
    assert.ok(Math.abs(l.gaps - c.gaps_) < 1, `${c.what}: gaps ${l.gaps} (fading a little)`);
    assert.ok(Math.abs(l.intervalMs - I) < 500, `${c.what}: interval ${l.intervalMs}`);
  }
});

test("rhythm detector - lost metrics fade with the slack's half-life: a peer that stopped losing them is punctual again", () => {
  const d = rhythmAfter([30_000, 45_000]);
  assert.equal(metricsAwaited(d.losses, O), 2, "right after a burst of two (and young): wait for two");
  let t = LAST + 151 * I + 75_000;
  for (let k = 0; k < DEFAULT_RHYTHM.slackHalfLifeMetrics; k++) d.observe((t += I), t + TTL);
  const l = d.losses;
  assert.ok(l.singles < 1 && l.bursts < 1, `faded below one loss each (${l.singles}, ${l.bursts})`);
  assert.ok(l.gaps > 10_000, "while the gaps counted stay many");
  for (let k = 0; k < DEFAULT_RHYTHM.slackHalfLifeMetrics; k++) d.observe((t += I), t + TTL);
  assert.deepEqual([d.losses.singles, d.losses.bursts], [0, 0], "gone");
  assert.equal(metricsAwaited(d.losses, O), 0, "punctual: fires at its deadline again");
});
