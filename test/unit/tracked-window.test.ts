import { test } from "node:test";
import assert from "node:assert/strict";
import { TrackedWindow } from "../../src/actors/tracked-window.js";
import { windowMachine } from "../../src/actors/window-machine.js";

test("tracked window - its state is the machine's, read from the actor through a whole episode", () => {
  const w = new TrackedWindow("ping", "P1", 4, windowMachine);
  const same = () => assert.equal(w.state, w.actor.getSnapshot().value);
  assert.equal(w.state, "healthy");
  const seen: string[] = [];
  for (const type of ["timer", "deadline.passed", "alert.published", "timer", "metric.valid", "deadline.passed", "metric.valid"] as const) {
    w.actor.send({ type });
    same();
    seen.push(w.state);
  }
  assert.deepEqual(seen, ["healthy", "expired", "alerted", "alerted", "healthy", "expired", "healthy"]);
  w.free();
  assert.equal(w.freed, true);
});

test("tracked window - a window no event reached reads the machine's initial state; its first event starts the actor from there", () => {
  const idle = new TrackedWindow("ping", "P1", 4, windowMachine);
  assert.equal(idle.state, "healthy");
  idle.free();
  assert.equal(idle.freed, true, "a window without an actor frees without one");

  const w = new TrackedWindow("ping", "P2", 4, windowMachine);
  w.actor.send({ type: "deadline.passed" });
  assert.equal(w.state, "expired");
  assert.equal(w.actor, w.actor, "one actor per window, started once");
  w.free();
});
