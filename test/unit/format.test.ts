import { test } from "node:test";
import assert from "node:assert/strict";
import type { Alert } from "../../src/api/types.js";
import { NO_COLOR } from "../../src/cli/color.js";
import { alertJson, alertLine } from "../../src/cli/format.js";
import { linkLine } from "../../src/cli/commands/status.js";
import type { LinkReport } from "../../src/window/self-outage.js";

const FIRST: Alert = {
  name: "ping",
  peer: "P1",
  value: "v1",
  expire: 0n,
  valid: true,
  weight: 0n,
  partitionable: false,
  receivedAt: 1_700_000_000_000_000_000n,
  triggeredAt: 1_700_000_002_000_000_000n,
  id: "01J0000000000000000000000A",
  kind: "firing",
  episode: "01J0000000000000000000000A",
};

test("format - alert lines: the first firing alert as before; a repeat names its episode; muted says so", () => {
  const rows: [what: string, alert: Alert, line: string][] = [
    ["first", FIRST, "2023-11-14T22:13:22.000Z FIRING   P1 | ping: v1"],
    ["repeat", { ...FIRST, id: "01J0000000000000000000000B" }, "2023-11-14T22:13:22.000Z FIRING   P1 | ping: v1 | repeat of episode 01J0000000000000000000000A"],
    ["resolved", { ...FIRST, id: "01J0000000000000000000000C", kind: "resolved" }, "2023-11-14T22:13:22.000Z RESOLVED P1 | ping: v1"],
    ["muted", { ...FIRST, muted: true }, "2023-11-14T22:13:22.000Z FIRING   P1 | ping: v1 | muted"],
  ];
  for (const [what, alert, line] of rows) assert.equal(alertLine(alert, NO_COLOR), line, what);
});

test("format - alert JSON carries the episode and whether it was muted", () => {
  const json = alertJson({ ...FIRST, muted: true });
  assert.equal(json.episode, FIRST.id);
  assert.equal(json.muted, true);
  assert.equal(alertJson(FIRST).muted, false);
});

test("format - status link line: ok, impaired with why and since when, or the grace left", () => {
  const rows: [LinkReport, string][] = [
    [{ impaired: [], impairedForMs: null, graceLeftMs: 0 }, "link: ok"],
    [{ impaired: ["disconnected"], impairedForMs: 3_000, graceLeftMs: 0 }, "link: impaired (disconnected) for 3s: no alerts until it recovers"],
    [{ impaired: [], impairedForMs: null, graceLeftMs: 12_000 }, "link: ok, grace 12s left: due deadlines wait for it (the monitor was cut off or stalled)"],
  ];
  for (const [link, line] of rows) assert.equal(linkLine(link, NO_COLOR), line);
});
