import { test } from "node:test";
import assert from "node:assert/strict";
import { SEC, counts, setup } from "../helpers/supervisor.js";

test("supervisor - a live peer's window is woken at each old deadline and stays healthy, alerted only once it stops (regression: the wake shortcut)", async () => {
  const { publish, run, alerts, state } = setup();
  publish("P1", { l: 2 * SEC });
  for (let i = 0; i < 10; i++) {
    await run(1_000); // every wake finds the deadline moved on by the metric since
    publish("P1", { l: 2 * SEC });
  }
  assert.deepEqual(state(), counts(1, 0, 0));
  assert.deepEqual(alerts(), []);
  await run(2_100);
  assert.deepEqual(alerts(), ["firing ping/P1"], "the deadline of the last metric still convicts");
  publish("P1", { l: 2 * SEC });
  await run(0);
  assert.deepEqual(alerts(), ["firing ping/P1", "resolved ping/P1"]);
});
