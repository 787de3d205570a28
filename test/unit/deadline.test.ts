import { test } from "node:test";
import assert from "node:assert/strict";
import { deadlineOf, isFresh, msToNs } from "../../src/window/deadline.js";

const T = 1_700_000_000_000;
const S = 1_000_000_000;

test("deadline - deadlineOf: a ttl counts from the receive time, else the sender's expire", () => {
  const rows: [string, number, number | bigint | null | undefined, number | bigint | null | undefined, number][] = [
    ["ttl as number", T, 30 * S, undefined, T + 30_000],
    ["ttl as bigint", T, 30n * BigInt(S), undefined, T + 30_000],
    ["ttl wins over expire", T, 2 * S, BigInt(T + 3_600_000) * 1_000_000n, T + 2_000],
    ["ttl 0: due at once", T, 0, undefined, T],
    ["sub-millisecond ttl", T, 1_500_000, undefined, T + 1.5],
    ["expire only", T, undefined, BigInt(T + 5_000) * 1_000_000n, T + 5_000],
    ["nil ttl is omitted", T, null, BigInt(T + 5_000) * 1_000_000n, T + 5_000],
    ["neither: already expired", T, undefined, undefined, 0],
    ["nil expire without ttl: already expired", T, null, null, 0],
    ["expire in the past", T, undefined, BigInt(T - 60_000) * 1_000_000n, T - 60_000],
  ];
  for (const [why, at, l, e, want] of rows) assert.equal(deadlineOf(at, l, e), want, why);
});

test("deadline - isFresh: fresh strictly before the deadline", () => {
  const rows: [number, number, boolean][] = [
    [T + 1, T, true],
    [T, T, false],
    [T, T + 1, false],
    [Number.NaN, T, false],
  ];
  for (const [deadline, now, want] of rows) assert.equal(isFresh(deadline, now), want, `deadline ${deadline - T} at ${now - T}`);
});

test("deadline - msToNs: exact ns past 2^53, and fractions of a millisecond", () => {
  const rows: [number, bigint][] = [
    [T, 1_700_000_000_000_000_000n],
    [T + 0.5, 1_700_000_000_000_500_000n],
    [T + 0.25, 1_700_000_000_000_250_000n], // a double near 1.7e12 ms resolves ~0.2 µs
    [T + 1, 1_700_000_000_001_000_000n],
    [T, 1_700_000_000_000_000_000n], // the cached whole-ms part is recomputed when it changes
    [0, 0n],
  ];
  for (const [ms, want] of rows) assert.equal(msToNs(ms), want, `${ms}`);
});
