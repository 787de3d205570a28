import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffMs, DEFAULT_BACKOFF } from "../../src/delivery/backoff.js";

const low = () => 0;
const high = () => 0.999_999;
const mid = () => 0.5;

test("backoff - the ceiling doubles per attempt and the wait lies in its upper half", () => {
  const table: [attempt: number, min: number, max: number][] = [
    [1, 250, 500],
    [2, 500, 1_000],
    [3, 1_000, 2_000],
    [4, 2_000, 4_000],
    [6, 8_000, 16_000],
    [7, 15_000, 30_000], // 32 s capped at 30 s
  ];
  for (const [attempt, min, max] of table) {
    assert.equal(backoffMs(attempt, low), min, `attempt ${attempt}, rng 0`);
    assert.ok(backoffMs(attempt, high) < max && backoffMs(attempt, high) > max - 1, `attempt ${attempt}, rng ~1`);
    assert.equal(backoffMs(attempt, mid), (min + max) / 2, `attempt ${attempt}, rng 0.5`);
  }
});

test("backoff - capped at maxMs however many attempts failed", () => {
  for (const attempt of [8, 20, 100, 10_000, Number.MAX_SAFE_INTEGER]) {
    assert.equal(backoffMs(attempt, low), DEFAULT_BACKOFF.maxMs / 2);
    assert.ok(backoffMs(attempt, high) <= DEFAULT_BACKOFF.maxMs);
  }
});

test("backoff - attempts below 1 or not numbers count as the first; rng outside [0, 1) is clamped", () => {
  for (const attempt of [0, -3, Number.NaN, Number.POSITIVE_INFINITY * -1]) assert.equal(backoffMs(attempt, low), 250);
  assert.equal(backoffMs(1, () => -5), 250);
  assert.equal(backoffMs(1, () => 7), 500);
});

test("backoff - options set the base and the cap", () => {
  assert.equal(backoffMs(1, low, { baseMs: 100, maxMs: 1_000 }), 50);
  assert.equal(backoffMs(5, low, { baseMs: 100, maxMs: 1_000 }), 500);
  assert.equal(backoffMs(3, mid, { baseMs: 100, maxMs: 1_000 }), 300);
});

test("backoff - many senders spread out: waits of one attempt are not all equal", () => {
  let seed = 7;
  const rng = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const waits = new Set(Array.from({ length: 100 }, () => Math.round(backoffMs(4, rng))));
  assert.ok(waits.size > 50, `${waits.size} distinct waits of 100`);
});
