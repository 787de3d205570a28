import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, encodeMetrics } from "../../src/api/codec.js";
import { MsgpackWriter } from "../../src/api/msgpack-writer.js";
import { MetricWindow } from "../../src/window/metric-window.js";

test("msgpack writer - writes what msgpackr reads back, for every header size", () => {
  const values: unknown[] = ["", "a", "x".repeat(31), "x".repeat(32), "ü".repeat(200), "y".repeat(70_000), "日本語", true, false];
  for (const v of values) {
    const w = new MsgpackWriter(8);
    if (typeof v === "string") w.str(v);
    else w.bool(v as boolean);
    assert.deepEqual(decode(w.bytes()), v);
  }
  for (const n of [0, 15, 16, 65_535, 65_536]) {
    const w = new MsgpackWriter(8);
    w.arrayHeader(n);
    for (let i = 0; i < n; i++) w.bool(true);
    assert.equal((decode(w.bytes()) as unknown[]).length, n, `array of ${n}`);
  }
  for (const v of [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 1_800_000_000_123_456_789n]) {
    const w = new MsgpackWriter(8);
    w.int64(v);
    assert.equal(BigInt(decode(w.bytes()) as number | bigint), v);
  }
});

test("msgpack writer - a window's latest metric written from storage equals the codec's encoding", () => {
  const win = new MetricWindow("freespace", "12D3KooWPeerIdThatIsLongLikeARealLibp2pOne", 4);
  const cases = [
    { n: "freespace", p: win.peer, v: "5000", d: true, e: 1_800_000_000_123_456_789n, w: -7, l: 30_000_000_000 },
    { n: "freespace", p: win.peer, v: "ü".repeat(100), d: false, o: true },
    { n: "freespace", p: win.peer, e: -(2n ** 63n), w: 2n ** 63n - 1n, l: 0 },
  ];
  for (const [i, m] of cases.entries()) {
    win.add(m, 1_795_000_000_000_000_000n + BigInt(i));
    const w = new MsgpackWriter();
    w.arrayHeader(1);
    win.writeLatest(w);
    assert.deepEqual(decode(w.bytes()), decode(encodeMetrics([win.latest()!])), `case ${i}`);
  }
});
