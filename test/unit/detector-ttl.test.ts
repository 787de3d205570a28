import { test } from "node:test";
import assert from "node:assert/strict";
import { deadlineOf } from "../../src/window/deadline.js";
import { TtlDetector } from "../bench/detection/detectors/ttl.js";

const NS = 1_000_000;

test("ttl detector - nothing is suspect before the first valid metric", () => {
  assert.equal(new TtlDetector().suspectAt(), Infinity);
});

test("ttl detector - suspect exactly at the deadline of the latest valid metric", () => {
  const cases: { what: string; arrivals: [at: number, ttlMs: number][]; suspectAt: number }[] = [
    { what: "one metric", arrivals: [[1_000, 30_000]], suspectAt: 31_000 },
    {
      what: "a newer metric moves it",
      arrivals: [
        [1_000, 30_000],
        [16_000, 30_000],
      ],
      suspectAt: 46_000,
    },
    {
      what: "a shorter ttl brings it closer",
      arrivals: [
        [1_000, 30_000],
        [2_000, 5_000],
      ],
      suspectAt: 7_000,
    },
    { what: "fractional ms stay exact", arrivals: [[1_000.25, 2_000]], suspectAt: 3_000.25 },
  ];
  for (const c of cases) {
    const d = new TtlDetector();
    for (const [at, ttl] of c.arrivals) d.observe(at, deadlineOf(at, ttl * NS, undefined));
    assert.equal(d.suspectAt(), c.suspectAt, c.what);
  }
});
