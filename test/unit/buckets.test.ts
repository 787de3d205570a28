import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_BUCKETS, bucketCount, bucketOf, splitIntoBuckets } from "../../src/window/buckets.js";

const COUNTS: [windows: number, bytesPerWindow: number, targetBytes: number, want: number][] = [
  [0, 170, 262_144, 0],
  [1, 170, 262_144, 1],
  [1_000, 170, 262_144, 1],
  [1_542, 170, 262_144, 1],
  [1_543, 170, 262_144, 2],
  [10_000, 170, 262_144, 8],
  [100_000, 170, 262_144, 128],
  [1_000_000, 170, 262_144, 1_024],
  [100_000_000, 170, 262_144, MAX_BUCKETS],
];

for (const [windows, bytes, target, want] of COUNTS) {
  test(`buckets - ${windows} windows of ${bytes} B in buckets of ${target} B: ${want} buckets`, () => {
    assert.equal(bucketCount(windows, bytes, target), want);
  });
}

test("buckets - a peer's bucket is stable and within the count; all peers are split, none lost", () => {
  const peers = Array.from({ length: 1_000 }, (_, i) => ({ peer: `12D3KooW${i}` }));
  for (const n of [1, 2, 8, 64]) {
    const split = splitIntoBuckets(peers, n);
    assert.equal(split.length, n);
    assert.equal(split.flat().length, peers.length);
    split.forEach((bucket, b) => assert.ok(bucket.every((p) => bucketOf(p.peer, n) === b)));
    if (n > 1)
      assert.ok(
        split.every((bucket) => bucket.length > 0),
        `${n} buckets all used by 1000 peers`,
      );
  }
  assert.equal(bucketOf("P1", 8), bucketOf("P1", 8));
});
