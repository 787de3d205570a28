import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock, type Clock, type TimerHandle, type WallStep } from "../../src/clock.js";
import { WakeScheduler } from "../../src/actors/wake-scheduler.js";
import type { Wakeable } from "../../src/window/wake-heap.js";

interface Item extends Wakeable {
  id: string;
}

const item = (id: string): Item => ({ id, wakeAt: 0, heapIndex: -1 });

/** A ManualClock that counts timer turns, so a test can see which wakes ran in the same turn. */
class TurnClock implements Clock {
  readonly manual = new ManualClock(0);
  turn = 0;
  now(): number {
    return this.manual.now();
  }
  wallNow(): number {
    return this.manual.wallNow();
  }
  onWallStep(listener: (step: WallStep) => void): () => void {
    return this.manual.onWallStep(listener);
  }
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    return this.manual.setTimer(() => {
      this.turn++;
      callback();
    }, delayMs);
  }
  clearTimer(handle: TimerHandle): void {
    this.manual.clearTimer(handle);
  }
}

interface Wake {
  id: string;
  now: number;
  turn: number;
}

function setup(options: { batchSize?: number; stallThresholdMs?: number } = {}) {
  const clock = new TurnClock();
  const wakes: Wake[] = [];
  const stalls: { now: number; lateMs: number; wakesBefore: number }[] = [];
  const scheduler = new WakeScheduler<Item>({
    clock,
    onWake: (it, now) => wakes.push({ id: it.id, now, turn: clock.turn }),
    onStall: (now, lateMs) => stalls.push({ now, lateMs, wakesBefore: wakes.length }),
    stallThresholdMs: options.stallThresholdMs ?? 1_000,
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
  });
  const ids = () => wakes.map((w) => w.id);
  return { clock, manual: clock.manual, scheduler, wakes, stalls, ids };
}

test("wake scheduler - items wake at their time, in order", () => {
  const { manual, scheduler, wakes } = setup();
  const [a, b, c] = [item("a"), item("b"), item("c")];
  scheduler.schedule(c, 300);
  scheduler.schedule(a, 100);
  scheduler.schedule(b, 200);
  assert.equal(scheduler.size, 3);
  manual.advance(99);
  assert.equal(wakes.length, 0, "nothing before its time");
  manual.advance(1_000);
  assert.deepEqual(
    wakes.map(({ id, now }) => [id, now]),
    [
      ["a", 100],
      ["b", 200],
      ["c", 300],
    ],
  );
  assert.equal(scheduler.size, 0);
  assert.equal(scheduler.isScheduled(a), false);
  assert.equal(manual.pendingTimers, 0, "no timer left once the heap is empty");
});

test("wake scheduler - rescheduling later moves the wake later", () => {
  const { manual, scheduler, ids, wakes } = setup();
  const [a, b] = [item("a"), item("b")];
  scheduler.schedule(a, 100);
  scheduler.schedule(b, 200);
  scheduler.schedule(a, 300);
  manual.advance(150);
  assert.deepEqual(ids(), []);
  manual.advance(50);
  assert.deepEqual(ids(), ["b"]);
  manual.advance(100);
  assert.deepEqual(ids(), ["b", "a"]);
  assert.equal(wakes[1]!.now, 300);
});

test("wake scheduler - rescheduling earlier moves the wake earlier", () => {
  const { manual, scheduler, wakes } = setup();
  const a = item("a");
  scheduler.schedule(a, 500);
  scheduler.schedule(a, 50);
  assert.ok(manual.pendingTimers <= 1, "one timer for the whole heap");
  manual.advance(60);
  assert.deepEqual(
    wakes.map(({ id, now }) => [id, now]),
    [["a", 50]],
  );
  manual.advance(1_000);
  assert.equal(wakes.length, 1, "the old time does not wake it again");
});

test("wake scheduler - a cancelled item does not wake", () => {
  const { manual, scheduler, ids } = setup();
  const [a, b] = [item("a"), item("b")];
  scheduler.schedule(a, 100);
  scheduler.schedule(b, 200);
  scheduler.cancel(a);
  assert.equal(scheduler.isScheduled(a), false);
  assert.equal(scheduler.isScheduled(b), true);
  manual.advance(1_000);
  assert.deepEqual(ids(), ["b"]);
  scheduler.cancel(a);
  manual.advance(1_000);
  assert.deepEqual(ids(), ["b"]);
});

test("wake scheduler - an item rescheduled from onWake wakes again", () => {
  const clock = new ManualClock(0);
  const times: number[] = [];
  const a = item("a");
  const scheduler: WakeScheduler<Item> = new WakeScheduler<Item>({
    clock,
    onWake: (it, now) => {
      times.push(now);
      if (times.length < 3) scheduler.schedule(it, now + 100);
    },
    onStall: () => assert.fail("no stall"),
    stallThresholdMs: 1_000,
  });
  scheduler.schedule(a, 100);
  clock.advance(10_000);
  assert.deepEqual(times, [100, 200, 300]);
});

test("wake scheduler - a wake beyond setTimeout's range does not fire early", () => {
  const { manual, scheduler, wakes, stalls } = setup();
  const at = 2 ** 32 + 123;
  scheduler.schedule(item("far"), at);
  const step = 2 ** 28;
  while (manual.now() + step < at) {
    manual.advance(step);
    assert.equal(wakes.length, 0, `no wake at ${manual.now()}`);
    assert.equal(manual.pendingTimers, 1);
  }
  manual.advance(at - 1 - manual.now());
  assert.equal(wakes.length, 0);
  manual.advance(1);
  assert.deepEqual(
    wakes.map(({ id, now }) => [id, now]),
    [["far", at]],
  );
  assert.deepEqual(stalls, [], "intermediate timers are not stalls");
});

test("wake scheduler - batchSize limits wakes per timer turn, yet every due item wakes", () => {
  const { clock, manual, scheduler, wakes } = setup({ batchSize: 2 });
  const items = ["a", "b", "c", "d", "e"].map(item);
  for (const it of items) scheduler.schedule(it, 0);
  assert.equal(wakes.length, 0, "nothing wakes before time advances");
  manual.advance(0);
  assert.deepEqual(new Set(wakes.map((w) => w.id)), new Set(["a", "b", "c", "d", "e"]));
  const perTurn = new Map<number, number>();
  for (const w of wakes) perTurn.set(w.turn, (perTurn.get(w.turn) ?? 0) + 1);
  assert.deepEqual([...perTurn.values()], [2, 2, 1], "two, two, then one");
  assert.equal(clock.turn, 3);
  manual.advance(0);
  assert.equal(wakes.length, 5, "no wake twice");
});

test("wake scheduler - the default batch wakes 2000 items per turn", () => {
  const { manual, scheduler, wakes } = setup();
  for (let i = 0; i < 4_500; i++) scheduler.schedule(item(String(i)), 10);
  manual.advance(10);
  assert.equal(wakes.length, 4_500);
  const turns = wakes.map((w) => w.turn);
  assert.equal(turns.filter((t) => t === turns[0]).length, 2_000);
  assert.equal(new Set(turns).size, 3);
});

const STALLS: [what: string, stallMs: number, stalled: boolean][] = [
  ["a jump well past the timer is a stall", 5_000, true],
  ["a jump past the timer by just over the threshold is a stall", 1_101, true],
  ["a jump past the timer by exactly the threshold is not", 1_100, false],
  ["a jump that only reaches the timer is not", 100, false],
];

for (const [what, stallMs, stalled] of STALLS) {
  test(`wake scheduler - ${what}`, () => {
    const { manual, scheduler, stalls, ids } = setup({ stallThresholdMs: 1_000 });
    scheduler.schedule(item("a"), 100);
    manual.stall(stallMs);
    assert.deepEqual(ids(), [], "a stalled loop runs no timers");
    manual.advance(0);
    assert.deepEqual(ids(), ["a"]);
    if (stalled) {
      assert.deepEqual(stalls, [{ now: stallMs, lateMs: stallMs - 100, wakesBefore: 0 }], "reported before any wake");
    } else {
      assert.deepEqual(stalls, []);
    }
  });
}

test("wake scheduler - timers that fire on time never report a stall", () => {
  const { manual, scheduler, stalls, ids } = setup({ stallThresholdMs: 10 });
  for (let i = 1; i <= 20; i++) scheduler.schedule(item(String(i)), i * 1_000);
  manual.advance(100_000);
  assert.equal(ids().length, 20);
  assert.deepEqual(stalls, []);
});

test("wake scheduler - stop() prevents further wakes", () => {
  const { manual, scheduler, ids } = setup();
  scheduler.schedule(item("a"), 100);
  scheduler.schedule(item("b"), 200);
  manual.advance(150);
  assert.deepEqual(ids(), ["a"]);
  scheduler.stop();
  assert.equal(manual.pendingTimers, 0);
  manual.advance(1_000);
  scheduler.schedule(item("c"), manual.now() + 10);
  manual.advance(1_000);
  assert.deepEqual(ids(), ["a"]);
  assert.equal(manual.pendingTimers, 0);
});

test("wake scheduler - stop() from inside onWake ends the batch's follow-up turns", () => {
  const clock = new ManualClock(0);
  const woken: string[] = [];
  const scheduler: WakeScheduler<Item> = new WakeScheduler<Item>({
    clock,
    onWake: (it) => {
      woken.push(it.id);
      scheduler.stop();
    },
    onStall: () => {},
    stallThresholdMs: 1_000,
    batchSize: 1,
  });
  scheduler.schedule(item("a"), 10);
  scheduler.schedule(item("b"), 10);
  clock.advance(100);
  assert.deepEqual(woken, ["a"]);
  assert.equal(clock.pendingTimers, 0);
});
