import { test } from "node:test";
import assert from "node:assert/strict";
import { disruptionEnds, disruptionStarts, endBelow, fractionOf, isLate, type DisruptionRule } from "../../src/window/disruption.js";

const RULE: DisruptionRule = { threshold: 0.5, minPeers: 10, hysteresis: 0.2 };

const LATE: [string, number, number, number, boolean][] = [
  // title, now, armedAt, deadline (ms), late?
  ["just received", 1_000, 1_000, 31_000, false],
  ["exactly half the ttl: not yet", 16_000, 1_000, 31_000, false],
  ["a moment past half the ttl", 16_001, 1_000, 31_000, true],
  ["past its deadline", 40_000, 1_000, 31_000, true],
  ["never had a valid metric (NaN)", 40_000, Number.NaN, Number.NaN, false],
  ["an absolute expiry already past when received", 1_000, 1_000, 500, true],
];
for (const [title, now, armedAt, deadline, expected] of LATE) {
  test(`disruption arithmetic - late: ${title}`, () => assert.equal(isLate(now, armedAt, deadline), expected));
}

const START: [string, DisruptionRule, number, number, boolean][] = [
  // title, rule, late or expired, tracked, starts?
  ["12 of 20: more than half", RULE, 12, 20, true],
  ["10 of 20: exactly half is not more", RULE, 10, 20, false],
  ["11 of 20", RULE, 11, 20, true],
  ["4 of 20", RULE, 4, 20, false],
  ["9 of 9: too few peers tracked", RULE, 9, 9, false],
  ["10 of 10: just enough peers", RULE, 10, 10, true],
  ["threshold 0 turns it off", { ...RULE, threshold: 0 }, 20, 20, false],
  ["threshold 0.25: 6 of 20", { ...RULE, threshold: 0.25 }, 6, 20, true],
  ["nothing tracked", RULE, 0, 0, false],
];
for (const [title, rule, count, tracked, expected] of START) {
  test(`disruption arithmetic - starts: ${title}`, () => assert.equal(disruptionStarts(rule, { count, tracked }), expected));
}

const END: [string, DisruptionRule, number, number, boolean][] = [
  // title, rule, late or expired, tracked, ends?
  ["still 12 of 20", RULE, 12, 20, false],
  ["back to 9 of 20 (0.45): inside the hysteresis, stays open", RULE, 9, 20, false],
  ["8 of 20 (0.40): on the line, stays open", RULE, 8, 20, false],
  ["7 of 20 (0.35): below 0.4, ends", RULE, 7, 20, true],
  ["the peerset left 8 tracked peers: too few for the rule", RULE, 8, 8, true],
  ["threshold set to 0 meanwhile", { ...RULE, threshold: 0 }, 12, 20, true],
];
for (const [title, rule, count, tracked, expected] of END) {
  test(`disruption arithmetic - ends: ${title}`, () => assert.equal(disruptionEnds(rule, { count, tracked }), expected));
}

test("disruption arithmetic - a fraction crossing the threshold back and forth inside the hysteresis neither starts twice nor ends", () => {
  // 11/20 starts it; 9..11 of 20 (0.45..0.55) keeps it open; only below 0.4 does it end.
  const path = [11, 9, 11, 10, 9, 11, 9, 8, 9];
  let open = false;
  const transitions: string[] = [];
  for (const count of path) {
    const t = { count, tracked: 20 };
    if (!open && disruptionStarts(RULE, t)) (open = true), transitions.push(`started at ${count}`);
    else if (open && disruptionEnds(RULE, t)) (open = false), transitions.push(`ended at ${count}`);
  }
  assert.deepEqual(transitions, ["started at 11"]);
  assert.equal(endBelow(RULE), 0.4);
  assert.equal(fractionOf({ count: 0, tracked: 0 }), 0);
});
