import { test } from "node:test";
import assert from "node:assert/strict";
import { LiveGate } from "../../src/bus/live-gate.js";

const bytes = (s: string) => new TextEncoder().encode(s);

test("live gate - metrics held during a restore are applied in arrival order with their arrival times, then pass straight through", () => {
  let now = 1_000;
  const applied: [string, string, number | undefined][] = [];
  const gate = new LiveGate(
    (subject, data, at) => applied.push([subject, new TextDecoder().decode(data), at]),
    () => now,
  );
  gate.receive("a", bytes("1"));
  now = 1_250;
  gate.receive("b", bytes("2"));
  assert.equal(gate.holding, 2);
  assert.deepEqual(applied, [], "nothing applied while the restore runs");
  now = 2_000;
  gate.open();
  gate.receive("c", bytes("3"));
  assert.equal(gate.holding, 0);
  assert.deepEqual(applied, [
    ["a", "1", 1_000],
    ["b", "2", 1_250],
    ["c", "3", undefined],
  ]);
});
