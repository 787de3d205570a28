import { test } from "node:test";
import assert from "node:assert/strict";
import { Disruptions } from "../../src/actors/disruptions.js";
import type { DisruptionEvent } from "../../src/api/types.js";
import { ManualClock } from "../../src/clock.js";
import { silentLogger } from "../../src/log.js";
import { MonitorStats } from "../../src/stats.js";
import { isLate } from "../../src/window/disruption.js";

interface FakeWindow {
  expired: boolean;
  /** Its failure episode fired before. */
  alerted?: boolean;
  /** Its machine waits in expired.held. */
  held?: boolean;
  armedAt: number;
  deadline: number;
}

const T0 = 1_700_000_000_000;

/** 20 windows armed at T0 with a 2 s ttl; `walks` counts the walks over them. */
function unit(recountMs = 100) {
  const clock = new ManualClock(T0);
  const windows: FakeWindow[] = Array.from({ length: 20 }, () => ({ expired: false, armedAt: T0, deadline: T0 + 2_000 }));
  const events: DisruptionEvent[] = [];
  const fired: FakeWindow[] = [];
  const released: string[] = [];
  let walks = 0;
  let judging = true;
  const d = new Disruptions<FakeWindow>({
    rule: { threshold: 0.5, minPeers: 10, hysteresis: 0.2 },
    clock,
    checkIntervalMs: 1_000,
    recountMs,
    log: silentLogger,
    stats: new MonitorStats(),
    ports: {
      windowsOf: () => (walks++, windows),
      expired: (w) => w.expired,
      alerted: (w) => w.alerted === true,
      late: (w, at) => isLate(at, w.armedAt, w.deadline),
      held: (w) => w.held === true,
      release: (name) => {
        released.push(name);
        for (const w of windows) if (w.held) fired.push(w);
      },
      announce: (e) => events.push(e),
      mayJudge: () => judging,
    },
  });
  /** `w` enters expired now and asks whether it may fire; held, it waits in expired.held. */
  const fire = (w: FakeWindow) => {
    w.expired = true;
    w.held = d.holds("ping", w);
    return w.held;
  };
  return { clock, windows, events, fired, released, d, fire, walks: () => walks, judge: (on: boolean) => (judging = on) };
}

test("disruptions - one walk serves the firings within recountMs, each counted once", () => {
  const { clock, windows, fire, walks, events } = unit();
  // 10 peers were refreshed at 1.5 s: not late at 2.05 s. The other 10 are, and fire one by one.
  for (const w of windows.slice(0, 10)) (w.armedAt = T0 + 1_500), (w.deadline = T0 + 3_500);
  clock.advance(2_050);
  assert.equal(fire(windows[10]!), false, "10 of 20 late or expired: not more than half");
  assert.equal(walks(), 1);
  clock.advance(10);
  assert.equal(fire(windows[11]!), false, "still 10 of 20: it was counted as late already");
  assert.equal(walks(), 1, "the count was reused");
  clock.advance(100);
  windows[0]!.expired = true; // a refreshed peer failed meanwhile: a new walk sees it
  assert.equal(fire(windows[12]!), true, "11 of 20");
  assert.equal(walks(), 2);
  assert.equal(events.length, 1);
});

test("disruptions - a firing window that was not late at the reused count adds one", () => {
  const { clock, windows, fire, walks } = unit();
  for (const w of windows.slice(0, 10)) (w.armedAt = T0 + 1_500), (w.deadline = T0 + 3_500);
  windows[10]!.deadline = T0 + 5_000; // half its ttl is 2.5 s: not late at 2.05 s
  clock.advance(2_050);
  assert.equal(fire(windows[12]!), false, "9 of 20 late at the count (it was one of them)");
  windows[0]!.armedAt = T0 + 2_040; // a 20 ms ttl: due at 2.06 s, not late at the count (2.05 s)
  windows[0]!.deadline = T0 + 2_060;
  clock.advance(10);
  assert.equal(fire(windows[0]!), false, "10 of 20: it was added");
  assert.equal(fire(windows[10]!), true, "11 of 20: more than half");
  assert.equal(walks(), 1);
});

test("disruptions - no end is decided while the monitor cannot judge (its grace); then it ends and fires what it held", () => {
  const { clock, windows, fire, fired, events, judge } = unit();
  clock.advance(2_050);
  for (const w of windows.slice(8)) assert.equal(fire(w), true);
  judge(false);
  clock.advance(3_000);
  for (const w of windows) (w.expired = false), (w.armedAt = clock.now()), (w.deadline = clock.now() + 2_000);
  windows[19]!.expired = true;
  windows[8]!.held = false; // (a window whose peer came back leaves expired.held)
  assert.deepEqual(
    events.map((e) => e.kind),
    ["started"],
    "still open: the monitor could not judge",
  );
  judge(true);
  clock.advance(1_000);
  assert.deepEqual(
    events.map((e) => e.kind),
    ["started", "ended"],
  );
  assert.ok(fired.includes(windows[19]!), "the held windows are handed back to fire (the supervisor posts only what is still expired)");
});

test("disruptions - peers alerted before (dead one by one, still tracked) are not part of a wave", () => {
  const { clock, windows, fire, events } = unit();
  // 9 of 20 died one at a time and were alerted long ago: they stay tracked (no peerset frees them).
  for (const w of windows.slice(0, 9)) (w.expired = true), (w.alerted = true);
  for (const w of windows.slice(9)) (w.armedAt = T0 + 1_500), (w.deadline = T0 + 3_500);
  clock.advance(2_050);
  windows[9]!.deadline = T0 + 2_000;
  assert.equal(fire(windows[9]!), false, "one death among the 11 that were up: not a disruption (10 of 20 would be, counting the old ones)");
  windows[10]!.expired = true;
  windows[11]!.expired = true;
  windows[12]!.expired = true;
  windows[13]!.expired = true;
  clock.advance(200);
  assert.equal(fire(windows[14]!), true, "6 of the 11 that were up fail at once: a disruption");
  assert.equal(events.length, 1);
  assert.equal(events[0]!.count, 6);
});
