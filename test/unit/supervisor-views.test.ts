import { test } from "node:test";
import assert from "node:assert/strict";
import { IgnoredMetrics } from "../../src/actors/ignored-metrics.js";
import { silentLogger } from "../../src/log.js";
import { MonitorStats } from "../../src/stats.js";
import { alertFact } from "../../src/window/history.js";
import { setup, SEC, T0 } from "../helpers/supervisor.js";

const PS_ID = "01HZZZZZZZZZZZZZZZZZZZZZZZ";

test("views - a peerset member with no window for a name others report is never seen, and only then", () => {
  const { sup, units, publish } = setup();
  publish("P1");
  assert.deepEqual(units.views.neverSeen("ping"), [], "no peerset yet: nobody is expected");
  sup.applyPeerSet({ peers: ["P1", "P2", "P3"], id: PS_ID });
  publish("P2", {}, "freespace");
  assert.deepEqual(units.views.neverSeen("ping"), ["P2", "P3"]);
  assert.deepEqual(units.views.neverSeen("freespace"), ["P1", "P3"]);
  assert.deepEqual(units.views.neverSeen("cpu"), [], "a name nobody reports");
  assert.equal(units.views.isNeverSeen("ping", "P3"), true);
  assert.equal(units.views.isNeverSeen("ping", "P1"), false, "P1 reports ping");
  assert.equal(units.views.isNeverSeen("ping", "P9"), false, "P9 is no member");
  assert.equal(units.views.isNeverSeen("cpu", "P1"), false, "nobody reports cpu");
  assert.deepEqual(units.views.neverSeenSummary(1), { freespace: { count: 2, peers: ["P1"] }, ping: { count: 2, peers: ["P2"] } });
  const snapshot = units.views.statusSnapshot(10);
  assert.deepEqual(snapshot.names.ping!.neverSeen, { count: 2, peers: ["P2", "P3"] });
  publish("P3");
  assert.deepEqual(units.views.neverSeen("ping"), ["P2"], "P3 reported");
});

test("views - never-seen peers are not alerted", async () => {
  const { sup, units, publish, run, alerts } = setup();
  sup.applyPeerSet({ peers: ["P1", "P2"], id: PS_ID });
  publish("P1", { l: 60 * SEC });
  await run(10_000, 1_000);
  assert.deepEqual(alerts(), []);
  assert.deepEqual(units.views.neverSeen("ping"), ["P2"]);
});

test("views - ignored metrics are counted by reason: a peer that left the peerset, or one never in it", () => {
  const { sup, units, publish } = setup();
  sup.applyPeerSet({ peers: ["P1", "P2"], id: PS_ID });
  sup.applyPeerSet({ peers: ["P1"], id: PS_ID });
  publish("P2");
  publish("P2", {}, "freespace");
  publish("P7");
  assert.deepEqual(units.stats.ignored, { removed_peer: 2, unknown_peer: 1 });
  assert.equal(units.stats.metricsIgnored, 3);
  sup.applyPeerSet({ peers: ["P1", "P2"], id: PS_ID });
  sup.applyPeerSet({ peers: ["P1"], id: PS_ID });
  publish("P2");
  assert.equal(units.stats.ignored.removed_peer, 3, "removed again");
  assert.deepEqual((units.stats.snapshot() as { ignored: unknown }).ignored, { removed_peer: 3, unknown_peer: 1 });
});

test("views - a peer's history: last seen, its episodes from the alert log, availability and flaps", async () => {
  const { units, publish, run, sink, clock } = setup();
  const feed = () => {
    for (const a of sink.accepted.splice(0)) units.history.record(alertFact(a));
  };
  publish("P1"); // ttl 2 s
  for (let flap = 0; flap < 3; flap++) {
    await run(3_000); // silent: fired at its deadline
    publish("P1"); // back: resolved
    feed();
  }
  await run(1_000);
  const h = units.views.historyOf("ping", "P1")!;
  assert.equal(h.flaps, 3);
  assert.deepEqual(
    h.episodes.map((e) => [e.startMs - T0, e.endMs! - T0]),
    [
      [2_000, 3_000],
      [5_000, 6_000],
      [8_000, 9_000],
    ],
    "each episode from its deadline to the peer's return",
  );
  assert.equal(h.sinceMs, T0, "without an alert log: since the monitor started");
  assert.equal(h.untilMs, clock.now());
  assert.equal(Math.round(h.availability * 1_000), 700, "3 s down in 10 s");
  assert.equal(h.lastSeenMs, T0 + 9_000);
  assert.equal(h.neverSeen, false);
  assert.equal(units.views.historyOf("ping", "nobody"), undefined, "nothing known");
  const pairs = units.views.statusSnapshot(10).history.pairs;
  assert.equal(pairs.ping!.P1!.flaps, 3, "the snapshot carries it for the page");
});

test("views - a never-seen peer has a history with no last seen", () => {
  const { sup, units, publish } = setup();
  sup.applyPeerSet({ peers: ["P1", "P2"], id: PS_ID });
  publish("P1");
  const h = units.views.historyOf("ping", "P2")!;
  assert.equal(h.neverSeen, true);
  assert.equal(h.lastSeenMs, null);
  assert.deepEqual([h.availability, h.flaps, h.episodes], [1, 0, []]);
});

test("views - departed peers are remembered up to a bound, the oldest forgotten first", () => {
  const rows: [what: string, steps: string[][], peer: string, want: "removed_peer" | "unknown_peer"][] = [
    ["left: removed", [["A", "B"], ["A"]], "B", "removed_peer"],
    ["never a member: unknown", [["A"]], "Z", "unknown_peer"],
    ["came back, then a metric while a member again is not ignored; left again: removed", [["A", "B"], ["A"], ["A", "B"], ["A"]], "B", "removed_peer"],
    ["the oldest of three departures with room for two: forgotten", [["A", "B", "C", "D"], ["A", "C", "D"], ["A", "D"], ["A"]], "B", "unknown_peer"],
    ["the newest two are remembered", [["A", "B", "C", "D"], ["A", "C", "D"], ["A", "D"], ["A"]], "D", "removed_peer"],
  ];
  for (const [what, steps, peer, want] of rows) {
    const ignored = new IgnoredMetrics({ stats: new MonitorStats(), log: silentLogger, logIntervalMs: 0, now: () => 0, remember: 2 });
    let previous: Set<string> | undefined;
    for (const members of steps) {
      const next = new Set(members);
      ignored.peersetChanged(previous, next);
      previous = next;
    }
    assert.equal(ignored.reasonFor(peer), want, what);
  }
});
