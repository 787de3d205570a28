import { test } from "node:test";
import assert from "node:assert/strict";
import type { Alert, Metric } from "../../src/api/types.js";
import { ANSI, NO_COLOR } from "../../src/cli/color.js";
import { alertJson, alertLine, metricLine, printable } from "../../src/cli/format.js";
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
    [
      "repeat",
      { ...FIRST, id: "01J0000000000000000000000B" },
      "2023-11-14T22:13:22.000Z FIRING   P1 | ping: v1 | repeat of episode 01J0000000000000000000000A",
    ],
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
    [{ impaired: [], impairedForMs: null, graceLeftMs: 12_000 }, "link: ok, grace 12s left: due deadlines wait for it (the monitor was cut off)"],
  ];
  for (const [link, line] of rows) assert.equal(linkLine(link, NO_COLOR), line);
});

const NOW = 1_700_000_000_000_000_000n;
const metric: Metric = {
  name: "ping",
  peer: "P1",
  value: "ok",
  expire: 0n,
  valid: true,
  weight: 0n,
  partitionable: false,
  receivedAt: NOW,
  ttl: 30_000_000_000n,
};

/** True when every SGR colour or weight opened on a line is closed on that line. */
function closedOnEachLine(text: string): boolean {
  return text.split("\n").every((line) => {
    const open = new Set<number>();
    for (const [, code] of line.matchAll(/\x1b\[(\d+)m/g)) {
      const n = Number(code);
      if (n === 39) for (const c of [31, 32, 33]) open.delete(c);
      else if (n === 22) for (const c of [1, 2]) open.delete(c);
      else open.add(n);
    }
    return open.size === 0;
  });
}

test("format - every colour is reset before the end of its line, even around a newline", () => {
  for (const paint of [ANSI.red, ANSI.green, ANSI.yellow, ANSI.bold, ANSI.dim]) {
    assert.ok(closedOnEachLine(paint("one\ntwo\n")), JSON.stringify(paint("one\ntwo\n")));
  }
  assert.equal(ANSI.red("a\nb"), "\x1b[31ma\x1b[39m\n\x1b[31mb\x1b[39m");
  assert.equal(NO_COLOR.red("a\nb"), "a\nb");
});

test("format - text from the wire cannot carry escape sequences or newlines into a terminal line", () => {
  assert.equal(printable("ok"), "ok");
  assert.equal(printable("a\x1b[41mb\nc\x7f"), "a\\x1b[41mb\\x0ac\\x7f");
  const hostile = { ...metric, peer: "P\x1b[2J", value: "v\x1b[31m\nFAKE | line" };
  const alert: Alert = { ...hostile, triggeredAt: NOW, id: "01J", kind: "firing", episode: "01J" };
  for (const line of [metricLine(hostile, NOW, ANSI), alertLine(alert, ANSI)]) {
    assert.doesNotMatch(line, /\n/);
    assert.ok(!line.includes("\x1b[2J") && !line.includes("\x1b[31m\n"), JSON.stringify(line));
    assert.ok(closedOnEachLine(line), JSON.stringify(line));
  }
  assert.match(metricLine(hostile, NOW, NO_COLOR), /^P\\x1b\[2J \| ping: v\\x1b\[31m\\x0aFAKE \| line \| Expires in: 30s$/);
});
