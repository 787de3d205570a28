import { test } from "node:test";
import assert from "node:assert/strict";
import { encode, encodePeerSet, MAX_MESSAGE_BYTES } from "../../src/api/codec.js";
import { partitionOf } from "../../src/api/subjects.js";
import { MESSAGE_REJECT_REASONS, type RejectReason } from "../../src/api/validate.js";
import { counts, ns, SEC, setup } from "../helpers/supervisor.js";

const PS_ID = "01HZZZZZZZZZZZZZZZZZZZZZZZ";

test("supervisor - before any peerset every publishing peer is tracked", () => {
  const { sup, units, publish } = setup();
  publish("P1");
  publish("P2");
  publish("P2", {}, "freespace");
  assert.equal(sup.currentPeerSet, undefined);
  assert.equal(sup.windowCount, 3);
  assert.deepEqual(units.views.names(), ["freespace", "ping"]);
  assert.deepEqual(
    units.views.latest("ping").map((m) => m.peer),
    ["P1", "P2"],
  );
});

test("supervisor - a peerset frees the windows of non-members without alerts and ignores their metrics", async () => {
  const { sup, units, publish, run, alerts, intake } = setup();
  publish("P1");
  publish("P2");
  publish("P2", {}, "freespace");
  intake.receivePeerSet(encodePeerSet({ peers: ["P1"], id: PS_ID }));
  assert.deepEqual(sup.currentPeerSet, { peers: ["P1"], id: PS_ID });
  assert.equal(sup.windowCount, 1);
  assert.equal(units.stats.windowsFreed, 2);
  assert.deepEqual(units.views.names(), ["ping"], "a name whose windows were all freed is gone");
  publish("P2");
  assert.equal(units.stats.metricsIgnored, 1);
  assert.equal(sup.windowCount, 1);
  assert.equal(units.views.latestForPeer("ping", "P2"), undefined);
  assert.deepEqual(
    units.views.latest("ping").map((m) => m.peer),
    ["P1"],
    "only members are listed",
  );
  await run(5_000);
  assert.deepEqual(alerts(), ["firing ping/P1"], "no alert for the departed P2");

  sup.applyPeerSet({ peers: ["P1", "P2"], id: PS_ID });
  assert.equal(sup.windowCount, 1, "a re-added peer is tracked from its next metric");
  publish("P2", { v: "again" });
  assert.equal(sup.windowCount, 2);
  assert.deepEqual(
    units.views.history("ping", "P2").map((m) => m.value),
    ["again"],
    "a fresh window",
  );
  await run(2_000);
  assert.deepEqual(alerts(), ["firing ping/P1", "firing ping/P2"]);
});

test("supervisor - a peerset message that does not decode is counted and changes nothing", () => {
  const { sup, units, publish, intake } = setup();
  sup.applyPeerSet({ peers: ["P1"], id: PS_ID });
  publish("P1");
  intake.receivePeerSet(Buffer.from([0x81, 0xa1]));
  intake.receivePeerSet(encode({ s: "P1" }));
  intake.receivePeerSet(encode({ i: PS_ID }));
  assert.equal(units.stats.rejected.undecodable, 1);
  assert.equal(units.stats.rejected.wrong_type, 1);
  assert.equal(units.stats.rejected.missing_field, 1);
  assert.equal(units.stats.peersetsApplied, 1);
  assert.deepEqual(sup.currentPeerSet, { peers: ["P1"], id: PS_ID });
  assert.equal(sup.windowCount, 1);
});

test("supervisor - a freed window's alerts that wait for the sink are never delivered", async () => {
  const { sup, sink, publish, run, alerts, state, outbox } = setup();
  publish("P3");
  await run(2_000);
  assert.deepEqual(alerts(), ["firing ping/P3"]);
  sink.refuse = true;
  publish("P1");
  publish("P2");
  await run(1_000);
  publish("P3");
  await run(1_000);
  assert.deepEqual(state(), counts(1, 2, 0), "P1 and P2 firing, P3 resolved: all waiting");
  assert.equal(outbox.waiting, 3);
  sup.applyPeerSet({ peers: ["P2"], id: PS_ID });
  assert.equal(outbox.waiting, 1);
  sink.refuse = false;
  outbox.resume();
  assert.deepEqual(alerts(), ["firing ping/P3", "firing ping/P2"]);
});

test("supervisor - a window freed while its round trip is out is never convicted", () => {
  const { clock, sup, reach, publish, alerts } = setup({ auto: false });
  publish("P1");
  clock.advance(2_000);
  assert.equal(reach.requests, 1);
  sup.applyPeerSet({ peers: [], id: PS_ID });
  assert.equal(sup.windowCount, 0);
  reach.back();
  clock.advance(10_000);
  assert.deepEqual(alerts(), []);
  assert.equal(reach.requests, 1);
});

test("supervisor - a peerset of 10 out of 10 000 peers frees 9 990 windows and their deadlines", async () => {
  const { clock, sup, units, run, alerts } = setup();
  for (let i = 0; i < 10_000; i++) sup.ingest({ n: "ping", p: `P${i}`, v: "1", d: true, l: 2 * SEC });
  assert.equal(sup.windowCount, 10_000);
  const members = Array.from({ length: 10 }, (_, i) => `P${i * 1_000}`);
  sup.applyPeerSet({ peers: members, id: PS_ID });
  assert.equal(sup.windowCount, 10);
  assert.equal(units.stats.windowsFreed, 9_990);
  await run(5_000, 500);
  assert.deepEqual(alerts().sort(), members.map((p) => `firing ping/${p}`).sort());
  assert.equal(clock.pendingTimers, 0, "nothing left to wake");
});

test("supervisor - each rejection counts its reason only, stores nothing, and valid metrics in between are stored", () => {
  const { sup, units, publish, intake } = setup();
  const subject = "peermon.metrics.ping.P1";
  const good = encode({ n: "ping", p: "P1", d: true, l: 2 * SEC });
  const k = partitionOf("ping", 32);
  const cases: [RejectReason, string, Uint8Array][] = [
    ["too_large", subject, encode({ n: "ping", p: "P1", v: "x".repeat(MAX_MESSAGE_BYTES) })],
    ["undecodable", subject, Buffer.from([0x81, 0xa1])],
    ["missing_field", subject, encode({ n: "ping", v: "1" })],
    ["wrong_type", subject, encode({ n: "ping", p: "P1", d: "yes" })],
    ["bad_token", subject, encode({ n: "ping", p: "P 1" })],
    ["subject_mismatch", "peermon.metrics.ping.P2", good],
    ["subject_mismatch", "peermon.metrics.cpu.P1", good],
    ["subject_mismatch", `peermon.part.${(k + 1) % 32}.metrics.ping.P1`, good],
    ["subject_mismatch", "other.metrics.ping.P1", good],
    ["out_of_range", subject, encode({ n: "ping", p: "P1", l: -1 })],
  ];
  let stored = 0;
  for (const [reason, subj, data] of cases) {
    const before = { ...units.stats.rejected };
    intake.receive(subj, data);
    const expected = { ...before, [reason]: before[reason] + 1 };
    assert.deepEqual(units.stats.rejected, expected, `${reason} on ${subj}`);
    assert.equal(units.views.history("ping", "P1").length, stored, `${reason}: nothing stored`);
    publish("P1", { v: String(++stored) });
    assert.equal(units.views.latestForPeer("ping", "P1")?.value, String(stored), `valid metric after ${reason}`);
  }
  intake.receive(`peermon.part.${k}.metrics.ping.P1`, good);
  assert.equal(units.stats.metricsStored, cases.length + 1, "the right partition is accepted");
  assert.equal(units.stats.rejectedTotal(), cases.length);
  assert.deepEqual(new Set(cases.map(([r]) => r)), new Set(MESSAGE_REJECT_REASONS), "every message reason covered");
  assert.deepEqual(units.views.names(), ["ping"]);
  assert.equal(sup.windowCount, 1);
});

test("supervisor - latest lists valid fresh metrics by peer; latestForPeer and history show everything", async () => {
  const { clock, units, publish, run } = setup();
  publish("Pc");
  publish("Pa");
  publish("Pexpired", { e: ns(clock.now() - 1), l: undefined });
  publish("Pinvalid");
  publish("Pinvalid", { d: false, v: "bad" });
  for (let i = 1; i <= 12; i++) publish("Pb", { v: String(i) });
  await run(1_000);
  assert.deepEqual(
    units.views.latest("ping").map((m) => [m.peer, m.value]),
    [
      ["Pa", "1"],
      ["Pb", "12"],
      ["Pc", "1"],
    ],
  );
  assert.deepEqual(units.views.latest("unknown"), []);
  assert.equal(units.views.latestForPeer("ping", "Pexpired")?.valid, true, "expired, still answered");
  assert.deepEqual([units.views.latestForPeer("ping", "Pinvalid")?.valid, units.views.latestForPeer("ping", "Pinvalid")?.value], [false, "bad"]);
  assert.equal(units.views.latestForPeer("ping", "nobody"), undefined);
  assert.deepEqual(
    units.views.history("ping", "Pb").map((m) => m.value),
    ["12", "11", "10", "9", "8", "7", "6", "5", "4", "3"],
    "newest first, window of 10",
  );
  assert.deepEqual(units.views.history("ping", "nobody"), []);
  await run(1_000);
  assert.deepEqual(units.views.latest("ping"), [], "all past their deadline");
});

test("supervisor - names are sorted across metric names", () => {
  const { units, publish } = setup();
  publish("P1", {}, "ping");
  publish("P1", {}, "freespace");
  publish("P2", {}, "cpu");
  assert.deepEqual(units.views.names(), ["cpu", "freespace", "ping"]);
  assert.deepEqual(Object.keys(units.views.stateCounts()).sort(), ["cpu", "freespace", "ping"]);
});

test("supervisor - interleaved publishers of one (name, peer): the latest is the last received", async () => {
  const { clock, sup, units, publish, run } = setup();
  const order = ["a1", "b1", "c1", "b2", "a2", "c2", "c3", "a3", "b3"];
  for (const value of order) {
    publish("P1", { v: value, t: 5 });
    const latest = units.views.latestForPeer("ping", "P1")!;
    assert.equal(latest.value, value);
    assert.equal(latest.receivedAt, ns(clock.now()), "t is the monitor's receive time, not the sender's");
    assert.equal(units.views.latest("ping")[0]!.value, value);
    await run(10);
  }
  assert.deepEqual(
    units.views.history("ping", "P1").map((m) => m.value),
    [...order].reverse(),
  );
  assert.equal(sup.windowCount, 1);
});

test("supervisor - limits: a metric that would open a window past maxWindows or maxNames is over_limit", () => {
  const { sup, units, publish } = setup({ maxWindows: 3, maxNames: 2 });
  publish("P1");
  publish("P2");
  sup.ingest({ n: "freespace", p: "P1", d: true, l: 2 * SEC });
  assert.equal(sup.ingest({ n: "numpin", p: "P1", d: true }), false, "a third name");
  assert.equal(sup.ingest({ n: "ping", p: "P3", d: true }), false, "a fourth window");
  assert.equal(units.stats.rejected.over_limit, 2);
  assert.equal(sup.windowCount, 3);
  publish("P1", { v: "again" });
  assert.equal(units.views.latestForPeer("ping", "P1")?.value, "again", "known windows still take metrics");
});

test("supervisor - restore: a held live metric older than the replayed newest does not take the window back in time (regression: stale first answers)", () => {
  const { clock, sup, units } = setup();
  const ttl = 60 * SEC;
  sup.ingest({ n: "ping", p: "P1", v: "30", d: true, l: ttl }, clock.now() - 11_600); // held live, before the replay ended
  sup.ingest({ n: "ping", p: "P1", v: "41", d: true, l: ttl }, clock.now() - 500); // replayed, stored later
  assert.equal(sup.ingest({ n: "ping", p: "P1", v: "30", d: true, l: ttl }, clock.now() - 11_600), false, "the older one is dropped");
  assert.equal(units.views.latestForPeer("ping", "P1")?.value, "41");
  assert.equal(units.stats.metricsStale, 1);
  assert.equal(sup.ingest({ n: "ping", p: "P1", v: "42", d: true, l: ttl }), true, "live metrics (no time given) always apply");
});
