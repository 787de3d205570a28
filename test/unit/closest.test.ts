import { test } from "node:test";
import assert from "node:assert/strict";
import { closest, editDistance } from "../../src/cli/closest.js";

test("closest - edit distance counts insertions, deletions and substitutions", () => {
  const rows: [string, string, number][] = [
    ["", "", 0],
    ["grace", "grace", 0],
    ["grac", "grace", 1],
    ["graces", "grace", 1],
    ["grase", "grace", 1],
    ["windw", "window", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ];
  for (const [a, b, want] of rows) assert.equal(editDistance(a, b), want, `${a} -> ${b}`);
});

test("closest - names the nearest candidate, case aside; none among no candidates", () => {
  const keys = ["nats", "window", "grace", "repeat", "max-windows", "maxWindows", "alert-retention"];
  assert.equal(closest("windw", keys), "window");
  assert.equal(closest("Grace", keys), "grace");
  assert.equal(closest("max_windows", keys), "max-windows");
  assert.equal(closest("alertRetention", keys), "alert-retention");
  assert.equal(closest("x", []), undefined);
});
