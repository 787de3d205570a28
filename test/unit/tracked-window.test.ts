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
