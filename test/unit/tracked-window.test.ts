import { test } from "node:test";
import assert from "node:assert/strict";
import { TrackedWindow } from "../../src/actors/tracked-window.js";
import { windowMachine } from "../../src/actors/window-machine.js";

test("tracked window - its state copy follows the machine through a whole episode", () => {
  const machine = windowMachine.provide({
    actions: {
      entered: ({ context }, params) => {
        (context.key as TrackedWindow).state = params.state;
      },
    },
  });
  const w = new TrackedWindow("ping", "P1", 4, machine);
  const same = () => assert.equal(w.state, w.actor.getSnapshot().value);
  assert.equal(w.state, "healthy");
  for (const type of ["deadline.passed", "alert.retry", "alert.published", "repeat.due", "metric.valid", "deadline.passed", "metric.valid"] as const) {
    w.actor.send({ type });
    same();
  }
  assert.equal(w.state, "healthy");
  w.free();
  assert.equal(w.freed, true);
});
