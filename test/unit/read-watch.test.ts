import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.js";
import { DOUBT_FACTOR, ReadWatch } from "../../src/actors/read-watch.js";
import type { RoundTrip } from "../../src/actors/self-health.js";

/** Round trips the test answers by hand. */
class HandRoundTrip implements RoundTrip {
  out: ((ok: boolean) => void)[] = [];
  request(done: (ok: boolean) => void): void {
    this.out.push(done);
  }
  back(): void {
    for (const done of this.out.splice(0)) done(true);
  }
}

test("read watch - reads are on time while the loop keeps its ticks and round trips come back at once", () => {
  const clock = new ManualClock();
  const roundTrip = new HandRoundTrip();
  const watch = new ReadWatch({ clock, roundTrip, tickMs: 20, thresholdMs: 25 });
  watch.start();
  for (let i = 0; i < 50; i++) {
    clock.advance(7);
    roundTrip.back();
    assert.equal(watch.readsOnTime(clock.now()), true);
  }
  watch.stop();
  assert.equal(clock.pendingTimers, 0, "stop leaves no timer");
});

test("read watch - after a pause of the loop, what is read for four times the pause is in doubt; then reads are on time again", () => {
  const clock = new ManualClock();
  const watch = new ReadWatch({ clock, tickMs: 20, thresholdMs: 25 });
  watch.start();
  clock.advance(10);
  clock.stall(400); // the loop stood still: the tick due 10 ms later runs 390 ms late
  assert.equal(watch.readsOnTime(clock.now()), false, "the first read after the pause finds the tick overdue");
  clock.advance(1);
  assert.equal(watch.readsOnTime(clock.now()), false);
  clock.advance(DOUBT_FACTOR * 390 - 10);
  assert.equal(watch.readsOnTime(clock.now()), false, "still working off the backlog");
  clock.advance(20);
  assert.equal(watch.readsOnTime(clock.now()), true, "on time again");
  watch.stop();
});

test("read watch - a round trip out for the threshold or more says the monitor reads behind, and for as long again after it comes back", () => {
  const clock = new ManualClock();
  const roundTrip = new HandRoundTrip();
  const watch = new ReadWatch({ clock, roundTrip, tickMs: 20, thresholdMs: 25 });
  watch.start();
  clock.advance(20); // the first tick sends a round trip; the server's answer waits behind a backlog
  assert.equal(roundTrip.out.length, 1);
  clock.advance(20);
  assert.equal(watch.readsOnTime(clock.now()), true, "out 20 ms: under the threshold");
  clock.advance(10);
  assert.equal(watch.readsOnTime(clock.now()), false, "out 30 ms: reads are behind");
  clock.advance(270);
  assert.equal(roundTrip.out.length, 1, "one round trip out at a time");
  roundTrip.back(); // took 300 ms
  assert.equal(watch.readsOnTime(clock.now()), false, "just after the late answer");
  for (let t = 0; t < 301; t += 7) {
    clock.advance(7);
    roundTrip.back(); // the next round trips come back at once
  }
  assert.equal(watch.readsOnTime(clock.now()), true, "caught up");
  watch.stop();
});

test("read watch - a timer's own jitter under the threshold casts no doubt; not started, it never doubts", () => {
  const clock = new ManualClock();
  const watch = new ReadWatch({ clock, tickMs: 20, thresholdMs: 25 });
  watch.start();
  clock.stall(40); // the tick 20 ms late
  assert.equal(watch.readsOnTime(clock.now()), true);
  watch.stop();
  const idle = new ReadWatch({ clock });
  clock.stall(10_000);
  assert.equal(idle.readsOnTime(clock.now()), true);
});
