import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock, SystemClock, type Clock, type WallStep } from "../../src/clock.js";

const systemClock = new SystemClock();
import { DEFAULT_CONFIG } from "../../src/config.js";
import { DEFAULT_WALL_STEP_THRESHOLD_MS, driftOf, monotonicAt, movedDeadline, offsetOf, stepFor, WallClock } from "../../src/wall-clock.js";
import { deadlineOf, isWallDeadline } from "../../src/window/deadline.js";

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const SEC_NS = 1_000_000_000n;

// ---- the arithmetic, table-driven ----

const STEPS: [what: string, monotonic: number, offset: number, system: number, threshold: number, step: number | undefined][] = [
  ["clocks that agree", T0, 0, T0, 100, undefined],
  ["a drift of 99 ms ahead", T0, 0, T0 + 99, 100, undefined],
  ["a drift of exactly the threshold (only beyond it counts)", T0, 0, T0 + 100, 100, undefined],
  ["a drift of exactly the threshold behind", T0, 0, T0 - 100, 100, undefined],
  ["a drift just past the threshold", T0, 0, T0 + 100.5, 100, 100.5],
  ["NTP moving a clock that was 1 h behind", T0, 0, T0 + HOUR, 100, HOUR],
  ["NTP moving a clock that was 1 h ahead", T0, 0, T0 - HOUR, 100, -HOUR],
  ["a leap second inserted (clock stepped back 1 s)", T0, 5, T0 + 5 - 1_000, 100, -1_000],
  ["agreement under an earlier offset", T0, HOUR, T0 + HOUR + 50, 100, undefined],
  ["a second step after an earlier one", T0, HOUR, T0 + 2 * HOUR, 100, HOUR],
];

for (const [what, monotonic, offset, system, threshold, step] of STEPS) {
  test(`wall clock - stepFor: ${what} ${step === undefined ? "keeps the offset" : `steps ${step} ms`}`, () => {
    const found = stepFor(monotonic, offset, system, threshold);
    if (step === undefined) return assert.equal(found, undefined);
    assert.deepEqual(found, { stepMs: step, fromOffsetMs: offset, toOffsetMs: system - monotonic, atMs: monotonic });
    assert.equal(driftOf(monotonic, found!.toOffsetMs, system), 0, "after the step the wall clock reads the system clock");
  });
}

test("wall clock - offsetOf and driftOf", () => {
  assert.equal(offsetOf(T0, T0 + 250), 250);
  assert.equal(driftOf(T0, 250, T0 + 250), 0);
  assert.equal(driftOf(T0, 0, T0 - 30), -30, "negative: the system clock is behind the wall clock");
});

const MOVES: [what: string, deadline: number, step: number, moved: number][] = [
  ["a clock that jumped 1 h forward brings an `e` deadline 1 h sooner", T0 + HOUR + 30_000, HOUR, T0 + 30_000],
  ["a clock that jumped 1 h back takes it 1 h later", T0 + 30_000, -HOUR, T0 + HOUR + 30_000],
  ["no step leaves it", T0, 0, T0],
];

for (const [what, deadline, stepMs, moved] of MOVES) {
  test(`wall clock - movedDeadline: ${what}`, () => {
    const step: WallStep = { stepMs, fromOffsetMs: 0, toOffsetMs: stepMs, atMs: T0 };
    assert.equal(movedDeadline(deadline, step), moved);
  });
}

const DEADLINES: [what: string, received: number, l: bigint | undefined, e: bigint | undefined, offset: number, deadline: number][] = [
  ["`l` counts from the receive time, whatever the offset", T0, 30n * SEC_NS, undefined, HOUR, T0 + 30_000],
  ["`l` wins over `e`", T0, 30n * SEC_NS, BigInt(T0) * 1_000_000n, HOUR, T0 + 30_000],
  ["`e` with no offset is read as is (the monitor's clock agrees with the system's)", T0, undefined, BigInt(T0 + 30_000) * 1_000_000n, 0, T0 + 30_000],
  [
    "`e` from a right sender, judged while the monitor's clock is 1 h behind (offset 0, as anchored at start), falls due in 1 h 30 s",
    T0,
    undefined,
    BigInt(T0 + HOUR + 30_000) * 1_000_000n,
    0,
    T0 + HOUR + 30_000,
  ],
  ["the same `e` with the corrected offset (+1 h) falls due in 30 s", T0, undefined, BigInt(T0 + HOUR + 30_000) * 1_000_000n, HOUR, T0 + 30_000],
  ["an omitted `e` is already expired", T0, undefined, undefined, HOUR, -HOUR],
];

for (const [what, received, l, e, offset, deadline] of DEADLINES) {
  test(`wall clock - deadlineOf: ${what}`, () => {
    assert.equal(deadlineOf(received, l, e, offset), deadline);
    assert.equal(isWallDeadline(l), l === undefined);
  });
}

test("wall clock - monotonicAt places a wall time on the monotonic timeline", () => {
  assert.equal(monotonicAt(T0 + HOUR, HOUR), T0);
  assert.equal(monotonicAt(T0, -500), T0 + 500);
});

test("wall clock - the default threshold is the config's", () => {
  assert.equal(DEFAULT_CONFIG.wallStepThresholdMs, DEFAULT_WALL_STEP_THRESHOLD_MS);
});

// ---- WallClock: the offset and its listeners ----

test("wall clock - WallClock anchors at construction, re-anchors past the threshold only, and tells listeners once per step", () => {
  let monotonic = T0;
  let system = T0 - HOUR; // started while the machine's clock was 1 h behind
  const wall = new WallClock(
    () => monotonic,
    () => system,
    100,
  );
  const steps: WallStep[] = [];
  const stop = wall.onStep((s) => steps.push(s));
  assert.equal(wall.now(), T0 - HOUR);
  monotonic += 10_000;
  system += 10_050; // NTP slewing: within the threshold
  assert.equal(wall.check(), undefined);
  assert.equal(wall.now(), T0 - HOUR + 10_000, "follows the monotonic clock, not the 50 ms");
  system += HOUR; // NTP steps it
  const step = wall.check();
  assert.deepEqual(steps, [step]);
  assert.equal(Math.round(step!.stepMs), HOUR + 50);
  assert.equal(wall.now(), system);
  assert.equal(wall.check(), undefined, "a step is reported once");
  stop();
  system -= HOUR;
  wall.check();
  assert.equal(steps.length, 1, "a stopped listener is not told");
  assert.equal(wall.now(), system, "but the clock still follows");
});

// ---- ManualClock: a wall clock that steps, for tests ----

test("wall clock - ManualClock.stepSystemClock: below the threshold nothing moves; past it wallNow jumps and now() does not", () => {
  const clock = new ManualClock(T0);
  const steps: WallStep[] = [];
  clock.onWallStep((s) => steps.push(s));
  let fired = -1;
  clock.setTimer(() => (fired = clock.now()), 1_000);

  assert.equal(clock.stepSystemClock(80), undefined);
  assert.deepEqual([clock.wallNow(), clock.systemNow, steps.length], [T0, T0 + 80, 0]);
  const step = clock.stepSystemClock(HOUR);
  assert.deepEqual(steps, [step]);
  assert.deepEqual(step, { stepMs: HOUR + 80, fromOffsetMs: 0, toOffsetMs: HOUR + 80, atMs: T0 });
  assert.equal(clock.wallNow(), T0 + HOUR + 80);
  assert.equal(clock.now(), T0, "the monotonic clock did not move");
  clock.advance(1_000);
  assert.equal(fired, T0 + 1_000, "timers run on the monotonic clock");
  assert.equal(clock.wallNow(), T0 + HOUR + 1_080);
  clock.stepSystemClock(-2 * HOUR);
  assert.equal(clock.wallNow(), T0 - HOUR + 1_080, "a step back is followed too");
  assert.equal(steps.at(-1)!.stepMs, -2 * HOUR);
});

test("wall clock - ManualClock takes its own threshold", () => {
  const clock = new ManualClock(T0, { wallStepThresholdMs: 5_000 });
  assert.equal(clock.stepSystemClock(4_000), undefined);
  assert.equal(clock.stepSystemClock(2_000)?.stepMs, 6_000, "drift adds up until it passes the threshold");
});

// ---- the issue's scenario, as the supervisor is to wire it ----

test("wall clock - an `e` deadline judged while the clock was 1 h behind falls due 30 s after NTP corrects it, not 1 h later", () => {
  // A monitor started while its machine's clock was 1 h behind; a peer (right clock) sends only `e`.
  const clock = new ManualClock(T0);
  const realNow = () => clock.wallNow() + HOUR;
  const expire = BigInt(realNow() + 30_000) * 1_000_000n;
  let deadline = deadlineOf(clock.now(), undefined, expire, clock.wallNow() - clock.now());
  assert.equal(deadline - clock.now(), HOUR + 30_000, "judged an hour late before the correction");
  const due: number[] = [];
  let timer = clock.setTimer(() => due.push(clock.now()), deadline - clock.now());
  clock.onWallStep((step) => {
    deadline = movedDeadline(deadline, step); // the owner moves its `e` deadlines and re-arms their wakes
    clock.clearTimer(timer);
    timer = clock.setTimer(() => due.push(clock.now()), deadline - clock.now());
  });
  clock.advance(5_000);
  clock.stepSystemClock(HOUR); // NTP
  clock.advance(24_999);
  assert.deepEqual(due, [], "not before its time");
  clock.advance(1);
  assert.deepEqual(due, [T0 + 30_000], "30 s after it was sent, on the sender's clock");
});

// ---- SystemClock: the checks run on a timer while someone listens ----

test("wall clock - SystemClock tells a listener of a step from its check timer, and stops the timer when nobody listens", async () => {
  let system = Date.now();
  const clock = new SystemClock({ wallCheckIntervalMs: 20, system: () => system });
  const before = clock.wallNow();
  const stepped = new Promise<WallStep>((resolve) => {
    const stop = clock.onWallStep((step) => {
      stop();
      resolve(step);
    });
  });
  assert.equal(clock.checking, true);
  system += HOUR;
  // The check timer is unref'd (it never keeps a process alive): this test's own timer does.
  const alive = setTimeout(() => {}, 5_000);
  const step = await stepped.finally(() => clearTimeout(alive));
  assert.ok(Math.abs(step.stepMs - HOUR) < 1_000, `stepped ${step.stepMs} ms`);
  assert.ok(clock.wallNow() - before >= HOUR, "wallNow follows");
  assert.equal(clock.checking, false, "no listener, no timer");
});

test("wall clock - SystemClock without a listener compares by itself, at most once per interval", () => {
  let monotonic = T0;
  let system = T0;
  const clock = new SystemClock({ wallCheckIntervalMs: 1_000, monotonic: () => monotonic, system: () => system });
  system += HOUR;
  assert.equal(clock.wallNow(), T0, "within the interval the last anchor holds");
  monotonic += 1_000;
  system += 1_000;
  assert.equal(clock.wallNow(), T0 + HOUR + 1_000, "after it, the step is followed");
  assert.equal(clock.checking, false);
});

test("wall clock - a spread of the system clock keeps every member (regression: a skewed test clock lost setTimer)", async () => {
  const skewed: Clock = { ...systemClock, now: () => systemClock.now() - HOUR };
  assert.ok(Math.abs(skewed.now() + HOUR - systemClock.now()) < 1_000);
  assert.ok(Math.abs(skewed.wallNow() - Date.now()) < 1_000, "the wall clock is the system's");
  const fired = await new Promise<boolean>((resolve) => skewed.setTimer(() => resolve(true), 1));
  assert.equal(fired, true);
  const stop = skewed.onWallStep(() => undefined);
  stop();
  skewed.clearTimer(skewed.setTimer(() => assert.fail("cleared"), 1));
});
