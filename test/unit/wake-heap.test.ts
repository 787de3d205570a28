import { test } from "node:test";
import assert from "node:assert/strict";
import { WakeHeap, type Wakeable } from "../../src/window/wake-heap.js";

interface Item extends Wakeable {
  id: number;
}

const item = (id: number): Item => ({ id, wakeAt: 0, heapIndex: -1 });

/** Deterministic xorshift32 in [0, 1): the same "random" operations on every run. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Every item in the heap sits at its own heapIndex, and no parent wakes after its children. */
function assertHeapInvariants(heap: WakeHeap<Item>, inHeap: Iterable<Item>): void {
  let count = 0;
  for (const it of inHeap) {
    count++;
    assert.ok(heap.has(it), `item ${it.id} is in the heap`);
  }
  assert.equal(heap.size, count);
  const head = heap.peek();
  if (head) {
    assert.equal(head.heapIndex, 0);
    for (const it of inHeap) assert.ok(head.wakeAt <= it.wakeAt, `head wakes first (item ${it.id})`);
  }
}

/** Pops everything due at `now`: (wakeAt, id) pairs in pop order. */
function drain(heap: WakeHeap<Item>, now: number): Item[] {
  const out: Item[] = [];
  for (let it = heap.popDue(now); it; it = heap.popDue(now)) out.push(it);
  return out;
}

test("wake heap - random schedules, reschedules and removals pop in wake order", () => {
  for (const seed of [1, 42, 0xdecade]) {
    const random = xorshift(seed);
    const heap = new WakeHeap<Item>();
    const items = Array.from({ length: 1_000 }, (_, i) => item(i));
    /** The model: wake time of each item in the heap. */
    const model = new Map<Item, number>();
    for (let op = 0; op < 5_000; op++) {
      const it = items[Math.floor(random() * items.length)]!;
      const r = random();
      if (r < 0.5) {
        const at = Math.floor(random() * 10_000);
        heap.schedule(it, at);
        model.set(it, at);
      } else if (r < 0.65 && model.has(it)) {
        const at = model.get(it)! - Math.floor(random() * 500);
        heap.schedule(it, at);
        model.set(it, at);
      } else if (r < 0.8 && model.has(it)) {
        const at = model.get(it)! + Math.floor(random() * 500);
        heap.schedule(it, at);
        model.set(it, at);
      } else {
        heap.remove(it);
        model.delete(it);
        assert.equal(it.heapIndex, -1);
        assert.equal(heap.has(it), false);
      }
      if (op % 500 === 0) assertHeapInvariants(heap, model.keys());
    }
    assertHeapInvariants(heap, model.keys());
    for (const it of items) assert.equal(heap.has(it), model.has(it), `membership of item ${it.id}`);

    const early = drain(heap, 5_000);
    assert.ok(early.every((it) => it.wakeAt <= 5_000));
    assert.ok((heap.peek()?.wakeAt ?? Infinity) > 5_000, "what is left wakes later");
    const popped = [...early, ...drain(heap, Infinity)];
    const expected = [...model.entries()].sort((a, b) => a[1] - b[1]).map(([, at]) => at);
    assert.deepEqual(
      popped.map((it) => it.wakeAt),
      expected,
      `seed ${seed}`,
    );
    assert.equal(new Set(popped).size, model.size, "each item pops once");
    for (const it of popped) {
      assert.equal(it.wakeAt, model.get(it));
      assert.equal(it.heapIndex, -1);
      assert.equal(heap.has(it), false);
    }
    assert.equal(heap.size, 0);
  }
});

test("wake heap - popDue returns only items due at or before now", () => {
  const heap = new WakeHeap<Item>();
  const [a, b, c] = [item(1), item(2), item(3)];
  heap.schedule(a, 100);
  heap.schedule(b, 200);
  heap.schedule(c, 300);
  assert.equal(heap.popDue(99), undefined, "head in the future");
  assert.equal(heap.size, 3);
  assert.equal(heap.popDue(100), a, "due exactly now");
  assert.equal(heap.popDue(250), b);
  assert.equal(heap.popDue(250), undefined);
  assert.equal(heap.peek(), c);
  assert.equal(heap.popDue(1_000), c);
  assert.equal(heap.popDue(1_000), undefined, "empty heap");
});

test("wake heap - rescheduling an item moves it, never duplicates it", () => {
  const heap = new WakeHeap<Item>();
  const [a, b, c] = [item(1), item(2), item(3)];
  heap.schedule(a, 100);
  heap.schedule(b, 200);
  heap.schedule(c, 300);
  const steps: [it: Item, at: number, order: number[]][] = [
    [c, 50, [3, 1, 2]],
    [c, 250, [1, 2, 3]],
    [a, 400, [2, 3, 1]],
    [b, 200, [2, 3, 1]],
  ];
  for (const [it, at, order] of steps) {
    heap.schedule(it, at);
    assert.equal(heap.size, 3);
    assert.equal(heap.peek()!.id, order[0]);
  }
  assert.deepEqual(
    drain(heap, Infinity).map((it) => it.id),
    [2, 3, 1],
  );
});

test("wake heap - heapIndex is -1 after removal and after popping", () => {
  const heap = new WakeHeap<Item>();
  const items = [5, 3, 8, 1, 9, 2].map((at, i) => {
    const it = item(i);
    heap.schedule(it, at);
    return it;
  });
  for (const it of items) assert.equal(heap.has(it), true);
  heap.remove(items[0]!);
  assert.equal(items[0]!.heapIndex, -1);
  heap.remove(items[0]!);
  assert.equal(heap.size, 5, "removing an absent item does nothing");
  const head = heap.popDue(1)!;
  assert.equal(head, items[3]);
  assert.equal(head.heapIndex, -1);
  assert.equal(heap.has(head), false);
  for (const it of items.slice(1)) {
    if (it !== head) assert.equal(heap.has(it), true, `item ${it.id} still in the heap`);
  }
});

test("wake heap - an item from another heap is not a member", () => {
  const one = new WakeHeap<Item>();
  const other = new WakeHeap<Item>();
  const a = item(1);
  const b = item(2);
  one.schedule(a, 10);
  other.schedule(b, 20);
  assert.equal(other.has(a), false, "a's heapIndex 0 points at b in the other heap");
  other.remove(a);
  assert.equal(other.size, 1);
  assert.equal(one.has(a), true);
});

test("wake heap - items with equal wake times all pop", () => {
  const heap = new WakeHeap<Item>();
  const items = Array.from({ length: 20 }, (_, i) => item(i));
  for (const it of items) heap.schedule(it, 7);
  const popped = drain(heap, 7);
  assert.equal(popped.length, 20);
  assert.deepEqual(new Set(popped), new Set(items));
});
