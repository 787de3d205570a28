import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffMs } from "../../src/retry-policy.js";

test("backoff - doubles per failure up to the cap, drawn from the upper half of the step", () => {
  const o = { baseMs: 100, maxMs: 1_000 };
  const rows: [failures: number, random: number, want: number][] = [
    [0, 0.5, 0],
    [1, 0, 50],
    [1, 0.999, 99.95],
    [2, 0, 100],
    [3, 0.5, 300],
    [4, 0, 400],
    [5, 0, 500], // 1600 capped at 1000
    [50, 0.5, 750], // far past the cap, no overflow
  ];
  for (const [failures, random, want] of rows) {
    assert.equal(backoffMs(failures, { ...o, random: () => random }), want, `${failures} failures, random ${random}`);
  }
});
