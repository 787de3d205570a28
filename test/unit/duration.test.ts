import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, parseDuration, formatDays } from "../../src/duration.js";

const VALID: [text: string, ms: number][] = [
  ["500ms", 500],
  ["30s", 30_000],
  ["5m", 300_000],
  ["1h", 3_600_000],
  ["1m30s", 90_000],
  ["1h2m3s", 3_723_000],
  ["3d", 259_200_000],
  ["1d12h", 129_600_000],
  ["0", 0],
  ["0s", 0],
  ["1.5s", 1_500],
  ["250us", 0.25],
  ["1000000ns", 1],
  [" 30s ", 30_000],
];

for (const [text, ms] of VALID) {
  test(`duration - parses ${JSON.stringify(text)} as ${ms} ms`, () => {
    assert.equal(parseDuration(text), ms);
  });
}

const INVALID = ["", " ", "5", "abc", "10x", "-1s", "1s junk", "s", "1.s", ".5s", "1s2", "1 s", "+1s"];

test("duration - rejects text that is not a duration", () => {
  for (const text of INVALID) {
    assert.equal(parseDuration(text), undefined, `parseDuration(${JSON.stringify(text)})`);
  }
});

test("duration - parsing is repeatable after a failed parse (no state left behind)", () => {
  assert.equal(parseDuration("1s junk"), undefined);
  assert.equal(parseDuration("2s"), 2_000);
  assert.equal(parseDuration("10x"), undefined);
  assert.equal(parseDuration("1m30s"), 90_000);
});

const FORMATTED: [ms: number, text: string][] = [
  [0, "0ms"],
  [500, "500ms"],
  [999, "999ms"],
  [1_000, "1s"],
  [1_500, "1.5s"],
  [30_000, "30s"],
  [60_000, "1m"],
  [90_000, "1m30s"],
  [300_000, "5m"],
  [3_600_000, "1h"],
  [3_723_000, "1h2m3s"],
  [3_600_500, "1h0.5s"],
  [7_260_000, "2h1m"],
];

const CARRIES: [ms: number, text: string][] = [
  [59_999, "1m"],
  [119_960, "2m"],
  [3_599_990, "1h"],
  [1_234, "1.2s"],
  [1_250, "1.3s"],
];

test('duration - seconds that round up to 60 carry into minutes and hours (regression: printed "1m60s")', () => {
  for (const [ms, text] of CARRIES) assert.equal(formatDuration(ms), text, `formatDuration(${ms})`);
});

for (const [ms, text] of FORMATTED) {
  test(`duration - formats ${ms} ms as ${JSON.stringify(text)}`, () => {
    assert.equal(formatDuration(ms), text);
  });
}

test("duration - formatted durations parse back to the same milliseconds", () => {
  for (const [ms] of FORMATTED) {
    assert.equal(parseDuration(formatDuration(ms)), ms, `round trip of ${ms}`);
  }
  for (const [text, ms] of VALID) {
    if (ms >= 1) assert.equal(parseDuration(formatDuration(ms)), ms, `round trip of ${JSON.stringify(text)}`);
  }
});

test("duration - formats negative and non-finite values for display", () => {
  assert.equal(formatDuration(-1_500), "-1.5s");
  assert.equal(formatDuration(-250), "-250ms");
  assert.equal(formatDuration(Infinity), "Infinity");
  assert.equal(formatDuration(NaN), "NaN");
});

test("duration - formatDays puts whole days in front from a day on", () => {
  assert.equal(formatDays(40 * 86_400_000), "40d");
  assert.equal(formatDays(90_000_000), "1d1h");
  assert.equal(formatDays(90_000), "1m30s");
});
