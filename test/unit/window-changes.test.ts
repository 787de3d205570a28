import { test } from "node:test";
import assert from "node:assert/strict";
import { WindowChanges } from "../../src/actors/window-changes.js";
import { SlabPool } from "../../src/window/slab-pool.js";

test("window changes - each window once per take, oldest first; the listener hears the first after each take", () => {
  const changes = new WindowChanges<string>();
  let heard = 0;
  changes.note("A");
  changes.listen(() => heard++);
  assert.equal(heard, 1, "told at once: one waits already");
  changes.note("B");
  changes.note("A");
  assert.equal(heard, 1, "only the first after a take");
  assert.deepEqual(changes.take(), ["A", "B"]);
  assert.equal(changes.size, 0);
  changes.note("C");
  assert.equal(heard, 2);
  changes.listen(undefined);
  changes.take();
  changes.note("D");
  assert.equal(heard, 2, "nobody listens any more");
});

test("slab pool - regions are handed out in order, given back and taken again zeroed; a region is a positive multiple of 8", () => {
  const pool = new SlabPool(64);
  const a = pool.take();
  const b = pool.take();
  assert.deepEqual([a, b], [0, 1]);
  assert.equal(pool.baseOf(b), 64);
  pool.slabOf(a).bytes.fill(7, pool.baseOf(a), pool.baseOf(a) + 64);
  pool.give(a);
  assert.equal(pool.inUse, 1);
  const again = pool.take();
  assert.equal(again, a);
  assert.ok(
    pool
      .slabOf(again)
      .bytes.subarray(pool.baseOf(again), pool.baseOf(again) + 64)
      .every((x) => x === 0),
    "zeroed",
  );
  const many = Array.from({ length: 20_000 }, () => pool.take());
  assert.notEqual(pool.slabOf(many.at(-1)!), pool.slabOf(a), "more slabs as needed");
  assert.throws(() => new SlabPool(12), /multiple of 8/);
});
