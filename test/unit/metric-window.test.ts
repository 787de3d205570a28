// Ported from IPFS Cluster's monitor/metrics window tests (TestWindow_*), plus the columnar storage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MetricWindow, regionBytes } from "../../src/window/metric-window.js";
import { SlabPool } from "../../src/window/slab-pool.js";
import type { WireMetric } from "../../src/api/validate.js";
import type { Metric } from "../../src/api/types.js";

const NOW_NS = 1_700_000_000_000_000_000n;

function wire(value: string, fields: Partial<WireMetric> = {}): WireMetric {
  return { n: "ping", p: "P1", v: value, e: 1_800_000_000_000_000_000n, d: true, ...fields };
}

function windowWith(capacity: number, values: number[]): MetricWindow {
  const w = new MetricWindow("ping", "P1", capacity);
  for (const v of values) w.add(wire(String(v)), NOW_NS + BigInt(v));
  return w;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const values = (w: MetricWindow) => w.all().map((m) => m.value);

const NEWEST_FIRST: [what: string, capacity: number, added: number[], want: string[]][] = [
  ["more than capacity keeps the newest", 4, range(1, 5), ["5", "4", "3", "2"]],
  ["fewer than capacity keeps all", 4, [1, 2], ["2", "1"]],
  ["exactly capacity keeps all", 4, range(1, 4), ["4", "3", "2", "1"]],
  ["capacity one keeps the last", 1, range(1, 3), ["3"]],
  ["wrapping many times stays ordered", 10, range(1, 103), range(94, 103).reverse().map(String)],
  ["wrapping exactly twice", 5, range(1, 10), ["10", "9", "8", "7", "6"]],
];

for (const [what, capacity, added, want] of NEWEST_FIRST) {
  test(`metric window - ${what} (capacity ${capacity}, ${added.length} added)`, () => {
    const w = windowWith(capacity, added);
    assert.deepEqual(values(w), want);
    assert.equal(w.size, want.length);
    assert.equal(w.latest()?.value, want[0]);
    assert.deepEqual(w.all()[0], w.latest());
  });
}

test("metric window - four added into capacity four: length 4, oldest last", () => {
  const all = windowWith(4, range(1, 4)).all();
  assert.equal(all.length, 4);
  assert.equal(all[3]!.value, "1");
});

test("metric window - an empty window has no latest metric", () => {
  const w = new MetricWindow("ping", "P1", 3);
  assert.equal(w.latest(), undefined);
  assert.deepEqual(w.all(), []);
  assert.equal(w.size, 0);
  assert.equal(w.latestIsValid(), false);
});

test("metric window - a stored metric equals its input, with receivedAt set to the given time", () => {
  const w = new MetricWindow("ping", "P1", 2);
  const input: Metric = {
    name: "ping",
    peer: "P1",
    value: "free: 12 GiB",
    expire: 1_800_000_000_123_456_789n,
    valid: true,
    weight: -(2n ** 63n),
    partitionable: true,
    receivedAt: 5n,
    ttl: 30_000_000_000n,
  };
  w.add({ n: "ping", p: "P1", v: input.value, e: input.expire, d: true, w: input.weight, o: true, t: 5n, l: input.ttl! }, NOW_NS);
  assert.deepEqual(w.latest(), { ...input, receivedAt: NOW_NS });
});

test("metric window - int64 fields are kept exactly, from numbers and bigints", () => {
  const cases: [e: number | bigint, w: number | bigint, want: [bigint, bigint]][] = [
    [0, 0, [0n, 0n]],
    [1_700_000_000_000, -3, [1_700_000_000_000n, -3n]],
    [2n ** 63n - 1n, -(2n ** 63n), [2n ** 63n - 1n, -(2n ** 63n)]],
    [Number.MAX_SAFE_INTEGER, 1n, [BigInt(Number.MAX_SAFE_INTEGER), 1n]],
  ];
  const win = new MetricWindow("ping", "P1", 2);
  for (const [e, weight, [wantE, wantW]] of cases) {
    win.add(wire("x", { e, w: weight }), NOW_NS);
    assert.equal(win.latest()!.expire, wantE);
    assert.equal(win.latest()!.weight, wantW);
  }
});

test("metric window - ttl is kept only when given, including a zero ttl", () => {
  const w = new MetricWindow("ping", "P1", 4);
  w.add(wire("no ttl"), NOW_NS);
  w.add(wire("ttl", { l: 15_000_000_000 }), NOW_NS);
  w.add(wire("null ttl", { l: null }), NOW_NS);
  w.add(wire("zero ttl", { l: 0n }), NOW_NS);
  const [zero, nil, withTtl, none] = w.all();
  assert.equal(zero!.ttl, 0n);
  assert.equal("ttl" in nil!, false);
  assert.equal(withTtl!.ttl, 15_000_000_000n);
  assert.equal("ttl" in none!, false);
});

test("metric window - a slot reused after eviction does not keep the old ttl or flags", () => {
  const w = new MetricWindow("ping", "P1", 1);
  w.add(wire("old", { l: 5n, o: true, d: true, w: 9 }), NOW_NS);
  w.add({ n: "ping", p: "P1" }, NOW_NS + 1n);
  assert.deepEqual(w.latest(), {
    name: "ping",
    peer: "P1",
    value: "",
    expire: 0n,
    valid: false,
    weight: 0n,
    partitionable: false,
    receivedAt: NOW_NS + 1n,
  });
});

const FLAGS: [d: boolean | null | undefined, o: boolean | null | undefined, valid: boolean, partitionable: boolean][] = [
  [true, true, true, true],
  [true, false, true, false],
  [false, true, false, true],
  [false, false, false, false],
  [undefined, undefined, false, false],
  [null, null, false, false],
];

test("metric window - valid and partitionable flags are stored per metric", () => {
  const w = new MetricWindow("ping", "P1", FLAGS.length);
  for (const [d, o] of FLAGS) w.add(wire("x", { d, o }), NOW_NS);
  const stored = w.all().reverse();
  FLAGS.forEach(([d, o, valid, partitionable], i) => {
    assert.equal(stored[i]!.valid, valid, `d=${d}`);
    assert.equal(stored[i]!.partitionable, partitionable, `o=${o}`);
  });
});

test("metric window - latestIsValid follows the newest metric only", () => {
  const w = new MetricWindow("ping", "P1", 3);
  const steps: [d: boolean, want: boolean][] = [
    [true, true],
    [false, false],
    [false, false],
    [true, true],
  ];
  for (const [d, want] of steps) {
    w.add(wire("x", { d }), NOW_NS);
    assert.equal(w.latestIsValid(), want);
  }
});

test("metric window - metrics carry the window's name and peer", () => {
  const w = new MetricWindow("freespace", "12D3KooW", 2);
  w.add({ n: "freespace", p: "12D3KooW", v: "1" }, NOW_NS);
  assert.equal(w.latest()!.name, "freespace");
  assert.equal(w.latest()!.peer, "12D3KooW");
  assert.equal(w.name, "freespace");
  assert.equal(w.capacity, 2);
});

test("metric window - all() returns copies, not views of the storage", () => {
  const w = windowWith(2, [1]);
  const first = w.all()[0]!;
  first.value = "changed";
  first.expire = 0n;
  assert.equal(w.latest()!.value, "1");
  assert.equal(w.latest()!.expire, 1_800_000_000_000_000_000n);
});

for (const capacity of [0, -1, 1.5, NaN]) {
  test(`metric window - capacity ${capacity} throws RangeError`, () => {
    assert.throws(() => new MetricWindow("ping", "P1", capacity), RangeError);
  });
}

test("metric window - values up to 24 ASCII bytes live in the slab, longer and non-ASCII ones beside it: all read back the same", () => {
  const w = new MetricWindow("tags", "P1", 4);
  const values = ["", "123456789012345", "x".repeat(24), "y".repeat(25), "é-unicode ✓", "z".repeat(70_000)];
  for (const v of values) {
    w.add(wire(v), NOW_NS);
    assert.equal(w.latest()?.value, v);
  }
  assert.deepEqual(
    w.all().map((m) => m.value),
    values.slice(-4).reverse(),
  );
});

test("metric window - a released window is empty, and its region goes to the next window zeroed", () => {
  const pool = SlabPool.shared(regionBytes(3));
  const first = windowWith(3, [1, 2, 3]);
  const inUse = pool.inUse;
  first.release();
  assert.equal(first.size, 0);
  assert.equal(first.latest(), undefined);
  first.add(wire("late"), NOW_NS);
  assert.equal(first.size, 0, "a released window takes nothing more");
  assert.equal(pool.inUse, inUse - 1);
  const next = new MetricWindow("ping", "P2", 3);
  assert.equal(pool.inUse, inUse, "the region was taken again");
  assert.equal(next.size, 0);
  assert.equal(next.latestReceivedAt(), 0n);
  next.add(wire("7"), NOW_NS);
  assert.deepEqual(values(next), ["7"]);
});
