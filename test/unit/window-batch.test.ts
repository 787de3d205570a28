import { test } from "node:test";
import assert from "node:assert/strict";
import { encode } from "../../src/api/codec.js";
import { wireToMetric, type WireMetric } from "../../src/api/validate.js";
import { MetricWindow } from "../../src/window/metric-window.js";
import { decodeWindowBatch, encodeWindowBatch, receivedAtOnReader } from "../../src/window/window-batch.js";

const T_NS = 1_700_000_000_000_000_000n;
const SEC_NS = 1_000_000_000n;

function windowOf(peer: string, metrics: Partial<WireMetric>[]): MetricWindow {
  const w = new MetricWindow("ping", peer, 4);
  metrics.forEach((m, i) => w.add({ n: "ping", p: peer, v: String(i), d: true, l: 30n * SEC_NS, ...m }, T_NS + BigInt(i) * SEC_NS));
  return w;
}

test("window batch - each window's newest metric, its receive time kept, empty windows left out", () => {
  const windows = [windowOf("P1", [{}, {}, { v: "newest", w: 7, o: true }]), windowOf("P2", [{ e: 5n, l: undefined }]), windowOf("P3", [])];
  const batch = decodeWindowBatch(encodeWindowBatch(windows, T_NS + 10n * SEC_NS));
  assert.equal(batch.writtenAtNs, T_NS + 10n * SEC_NS);
  assert.equal(batch.rejected, 0);
  assert.deepEqual(batch.metrics.map(wireToMetric), [windows[0]!.latest(), windows[1]!.latest()]);
});

test("window batch - a window whose newest metric is invalid also carries its newest valid one, first (it holds the deadline)", () => {
  const w = windowOf("P1", [{ v: "old" }, { v: "valid" }, { v: "broken", d: false }]);
  const never = windowOf("P2", [{ v: "never valid", d: false }]);
  const batch = decodeWindowBatch(encodeWindowBatch([w, never], T_NS));
  assert.deepEqual(
    batch.metrics.map((m) => `${m.p} ${m.v} ${m.d}`),
    ["P1 valid true", "P1 broken false", "P2 never valid false"],
  );
});

test("window batch - a batch keeps no wire copy in the windows it read", () => {
  const w = windowOf("P1", [{ v: "1" }]);
  encodeWindowBatch([w], T_NS);
  w.add({ n: "ping", p: "P1", v: "2", d: true }, T_NS + SEC_NS);
  assert.equal(decodeWindowBatch(encodeWindowBatch([w], T_NS)).metrics[0]!.v, "2");
});

test("window batch - entries that are not metrics with a receive time are skipped and counted; other input throws", () => {
  const data = encode({ c: T_NS, s: [{ n: "ping", p: "P1", t: T_NS }, { n: "ping", p: "P2" }, { n: "bad token", p: "P3", t: 1 }, 42] });
  const batch = decodeWindowBatch(data);
  assert.deepEqual(
    batch.metrics.map((m) => m.p),
    ["P1"],
  );
  assert.equal(batch.rejected, 3);
  assert.throws(() => decodeWindowBatch(encode({ s: [] })), /no time/);
  assert.throws(() => decodeWindowBatch(encode([1, 2])), /no list/);
  assert.throws(() => decodeWindowBatch(Uint8Array.of(0x92, 0x01)), /undecodable/);
});

const PLACEMENTS: [what: string, writerOffsetMs: number][] = [
  ["a writer whose clock agrees", 0],
  ["a writer an hour ahead", 3_600_000],
  ["a writer an hour behind", -3_600_000],
];

for (const [what, offsetMs] of PLACEMENTS) {
  test(`window batch - from ${what}, a metric lands at its age before the batch's time on the reader's clock`, () => {
    const writerNs = (ms: number) => BigInt(ms + offsetMs) * 1_000_000n;
    const batch = { writtenAtNs: writerNs(100_000), metrics: [], rejected: 0 };
    const m: WireMetric = { n: "ping", p: "P1", t: writerNs(92_500) };
    assert.equal(receivedAtOnReader(batch, m, 5_000_000), 5_000_000 - 7_500);
  });
}
