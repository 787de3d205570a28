/**
 * Peers whose clock disagrees with the monitor's (issue 21, point 1): a metric with only `e` that
 * arrives already past it is no sign of life (no storm of firing and resolved alerts), is counted,
 * and the peer's offset is estimated and reported; an hour behind and an hour ahead.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import { Writable } from "node:stream";
import { ns, SEC, setup } from "../helpers/supervisor.js";
import { PeerClocks } from "../../src/window/clock-offset.js";

const HOUR = 3_600_000;

/** A logger whose warnings are kept as parsed JSON lines. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: "warn" }, sink), lines };
}

test("supervisor - an e-only peer an hour behind: its metrics arrive expired, resolve nothing, and no alert storm follows (regression)", async () => {
  const { clock, publish, run, alerts, units } = setup();
  // Healthy first: e 2 s ahead on a right clock.
  publish("P1", { l: undefined, e: ns(clock.wallNow() + 2_000) });
  await run(500);
  // Then its clock is set an hour back: every e is an hour in the past on arrival, every 0.5 s for 6 s.
  for (let i = 0; i < 12; i++) {
    publish("P1", { l: undefined, e: ns(clock.wallNow() - HOUR + 2_000) });
    await run(500);
  }
  assert.deepEqual(alerts(), ["firing ping/P1"], "one firing alert at the last fresh deadline, no resolution, no storm");
  assert.equal(units.stats.metricsExpiredOnArrival, 12);
  assert.equal(units.views.latest("ping").length, 0, "latest leaves it out");
  assert.equal(units.views.latestForPeer("ping", "P1")!.expire, ns(clock.wallNow() - HOUR + 2_000 - 500), "stored: the peer's newest metric, expired");
});

test("supervisor - a metric that arrived expired does not make latest list its window while the deadline before it runs", async () => {
  const { clock, publish, run, units } = setup();
  publish("P1", { l: undefined, e: ns(clock.wallNow() + 30_000) });
  await run(1_000);
  assert.equal(units.views.latest("ping").length, 1);
  publish("P1", { l: undefined, e: ns(clock.wallNow() - HOUR) });
  assert.equal(units.views.latest("ping").length, 0, "its newest metric is expired");
  publish("P1", { l: undefined, e: ns(clock.wallNow() + 30_000) });
  assert.equal(units.views.latest("ping").length, 1, "a fresh one is listed again");
});

test("supervisor - a new e-only peer an hour behind never fires, is never fresh, and its offset is estimated", async () => {
  const { clock, publish, run, alerts, units } = setup();
  for (let i = 0; i < 10; i++) {
    publish("P1", { l: undefined, e: ns(clock.wallNow() - HOUR + 30_000) });
    await run(15_000, 1_000);
  }
  assert.deepEqual(alerts(), []);
  assert.equal(units.views.latest("ping").length, 0);
  const offset = units.clocks.offsetOf("P1")!;
  assert.ok(Math.abs(offset + HOUR) < 1_000, `about an hour behind: ${offset} ms`);
  const report = units.clocks.report(20);
  assert.equal(report.count, 1);
  assert.equal(report.peers[0]!.peer, "P1");
  assert.equal(report.peers[0]!.expiredOnArrival, 10);
});

test("supervisor - an e-only peer an hour ahead: fresh as its e says, its offset estimated and reported", async () => {
  const { clock, publish, run, alerts, units } = setup();
  for (let i = 0; i < 10; i++) {
    publish("P2", { l: undefined, e: ns(clock.wallNow() + HOUR + 30_000) });
    await run(15_000, 1_000);
  }
  assert.deepEqual(alerts(), []);
  assert.equal(units.views.latest("ping").length, 1);
  assert.equal(units.stats.metricsExpiredOnArrival, 0);
  const offset = units.clocks.offsetOf("P2")!;
  assert.ok(Math.abs(offset - HOUR) < 1_000, `about an hour ahead: ${offset} ms`);
  assert.deepEqual(
    units.clocks.report(20).peers.map((p) => p.peer),
    ["P2"],
  );
});

test("supervisor - a peer that sends l and e: its offset is e - l - arrival, and a clock in time is not reported", async () => {
  const { clock, publish, run, units } = setup();
  publish("P3", { l: 30 * SEC, e: ns(clock.wallNow() + 30_000 - 7_000) });
  publish("P4", { l: 30 * SEC, e: ns(clock.wallNow() + 30_000) });
  await run(0);
  assert.equal(units.clocks.offsetOf("P3"), -7_000);
  assert.equal(units.clocks.offsetOf("P4"), 0);
  assert.deepEqual(
    units.clocks.report(20).peers.map((p) => `${p.peer} ${p.offsetMs}`),
    ["P3 -7000"],
  );
});

test("supervisor - the warning about a skewed clock names the peer and its offset, at a rate limit", async () => {
  const { log, lines } = capturingLogger();
  const { clock, publish, run } = setup({ log, rejectLogIntervalMs: 10_000 });
  for (let i = 0; i < 40; i++) {
    publish("P1", { l: undefined, e: ns(clock.wallNow() - HOUR + 1_000) });
    publish("P2", { l: undefined, e: ns(clock.wallNow() + HOUR + 1_000) });
    await run(500);
  }
  const warnings = lines.filter((l) => typeof l.msg === "string" && /clock of peer/.test(l.msg));
  assert.ok(
    warnings.some((w) => w.peer === "P1" && /about (1h|59m59s) behind/.test(String(w.msg))),
    JSON.stringify(warnings),
  );
  assert.ok(
    warnings.some((w) => w.peer === "P2" && /about 1h ahead/.test(String(w.msg))),
    JSON.stringify(warnings),
  );
  assert.equal(warnings.length, 4, "once per peer per 10 s interval, not once per metric");
});

test("clock offsets - the median of the last samples: one late metric does not move the estimate", () => {
  const clocks = new PeerClocks(10);
  let at = 1_000_000;
  // e-only, ttl 30 s, every 15 s (IPFS Cluster's rhythm), clock 10 s behind.
  for (let i = 0; i < 6; i++, at += 15_000) clocks.observe("P", "ping", at - 10_000 + 30_000, undefined, at);
  assert.equal(clocks.offsetOf("P"), -10_000);
  at += 45_000; // a pause: the rhythm looks 60 s long once
  clocks.observe("P", "ping", at - 10_000 + 30_000, undefined, at);
  assert.equal(clocks.offsetOf("P"), -10_000);
});

test("clock offsets - before a rhythm, only a metric that arrived expired counts, as a bound", () => {
  const clocks = new PeerClocks(10);
  clocks.observe("A", "ping", 100_000 + 30_000, undefined, 100_000);
  assert.equal(clocks.offsetOf("A"), undefined, "a fresh e alone says nothing of the clock");
  clocks.observe("B", "ping", 100_000 - 5_000, undefined, 100_000);
  assert.equal(clocks.offsetOf("B"), -5_000);
});

test("clock offsets - peers beyond the limit: the one first heard of is forgotten", () => {
  const clocks = new PeerClocks(2);
  clocks.observe("A", "n", 0, 0, 10);
  clocks.observe("B", "n", 0, 0, 10);
  clocks.observe("C", "n", 0, 0, 10);
  assert.equal(clocks.offsetOf("A"), undefined);
  assert.equal(clocks.size, 2);
});

test("clock offsets - a metric with l gives one sample a second per peer", () => {
  const clocks = new PeerClocks(10);
  clocks.observe("P", "ping", 1_000 + 30_000 - 5_000, 30_000, 1_000);
  clocks.observe("P", "ping", 1_500 + 30_000 + 9_000, 30_000, 1_500);
  assert.equal(clocks.offsetOf("P"), -5_000, "the second, half a second later, is not taken");
});
