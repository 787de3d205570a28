import { test } from "node:test";
import assert from "node:assert/strict";
import { sinceFlag } from "../../src/cli/commands/alerts.js";
import { nextTick } from "../../src/cli/commands/publish.js";
import { ConfigError } from "../../src/errors.js";

test("publish --every - the next tick is the first grid point after now: the rhythm holds, missed ticks are skipped", () => {
  const start = 1_000_000;
  const rows: [nowOffset: number, tick: number][] = [
    [0, 1], // just published at the start: next at start + every
    [5, 1], // a slow publish does not shift the grid
    [999, 1],
    [1_000, 2], // exactly on a grid point: that one was due now, the next is after it
    [1_001, 2],
    [4_500, 5], // a stall (or an outage) of several periods: no burst, the next point on the grid
    [-3, 1], // a clock step backwards never schedules into the past
  ];
  for (const [offset, tick] of rows) assert.equal(nextTick(start, 1_000, start + offset), tick, `now = start + ${offset}`);
});

test("alerts --since - a duration counts back from now; a time is taken as written; anything else is a usage error", () => {
  const now = Date.parse("2026-11-23T10:00:00Z");
  assert.equal(sinceFlag("2h", now).toISOString(), "2026-11-23T08:00:00.000Z");
  assert.equal(sinceFlag("1h30m", now).toISOString(), "2026-11-23T08:30:00.000Z");
  assert.equal(sinceFlag("2026-11-23T01:00:00Z", now).toISOString(), "2026-11-23T01:00:00.000Z");
  assert.equal(sinceFlag("2026-11-23", now).toISOString(), "2026-11-23T00:00:00.000Z");
  for (const bad of ["yesterday", "2", "", "12:00"]) assert.throws(() => sinceFlag(bad, now), ConfigError, bad);
});
