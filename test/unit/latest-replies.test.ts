import { test } from "node:test";
import assert from "node:assert/strict";
import { decode } from "../../src/api/codec.js";
import { SEC, setup } from "../helpers/supervisor.js";

const peersOf = (bytes: Uint8Array) => (decode(bytes) as { p: string; v: string }[]).map((m) => `${m.p}=${m.v}`);

test("latest replies - a request with nothing changed gets the kept reply, the very same bytes", () => {
  const { publish, units } = setup();
  for (const p of ["A", "B", "C"]) publish(p, { l: 60 * SEC });
  const first = units.views.latestReply("ping");
  assert.deepEqual(peersOf(first.bytes), ["A=1", "B=1", "C=1"]);
  assert.equal(units.views.latestReply("ping").bytes, first.bytes, "kept, not rebuilt");
});

test("latest replies - a metric, a new window, a freed window and a peerset change each rebuild the reply", () => {
  const { publish, units, sup } = setup();
  for (const p of ["A", "B"]) publish(p, { l: 60 * SEC });
  const views = units.views;
  const built = () => peersOf(views.latestReply("ping").bytes);
  assert.deepEqual(built(), ["A=1", "B=1"]);
  publish("A", { v: "2", l: 60 * SEC });
  assert.deepEqual(built(), ["A=2", "B=1"], "a metric");
  publish("C", { l: 60 * SEC });
  assert.deepEqual(built(), ["A=2", "B=1", "C=1"], "a new window");
  publish("B", { d: false });
  assert.deepEqual(built(), ["A=2", "C=1"], "an invalid newest metric");
  sup.applyPeerSet({ peers: ["A", "B"], id: "ps1" });
  assert.deepEqual(built(), ["A=2"], "a peerset change frees C");
  sup.applyPeerSet({ peers: ["A"], id: "ps2" });
  assert.deepEqual(built(), ["A=2"]);
  publish("X", { l: 60 * SEC }, "other");
  assert.deepEqual(built(), ["A=2"], "another name's metric changes nothing here");
});

test("latest replies - a kept reply ends when its first listed metric passes its deadline", async () => {
  const { publish, units, run, clock } = setup();
  publish("A", { l: 5 * SEC });
  publish("B", { l: 2 * SEC });
  const views = units.views;
  assert.deepEqual(peersOf(views.latestReply("ping").bytes), ["A=1", "B=1"]);
  assert.equal(views.latestReply("ping").validUntil, clock.now() + 2_000, "kept until B's deadline, the first");
  await run(1_999);
  assert.deepEqual(peersOf(views.latestReply("ping").bytes), ["A=1", "B=1"], "fresh strictly before the deadline");
  await run(1);
  assert.deepEqual(peersOf(views.latestReply("ping").bytes), ["A=1"], "B's deadline passed: rebuilt without it");
});

test("latest replies - leaving suspects out is kept apart, and a suspicion or its clearing rebuilds it", async () => {
  const { publish, units, run } = setup({ suspicion: true });
  const views = units.views;
  const out = () => peersOf(views.latestReply("ping", { excludeSuspects: true }).bytes);
  for (let i = 0; i < 20; i++) {
    for (const p of ["A", "B"]) publish(p, { l: 2 * SEC });
    await run(1_000, 50);
  }
  publish("A", { l: 2 * SEC });
  assert.deepEqual(out(), ["A=1", "B=1"]);
  await run(700, 50); // B silent 1.7 s: later than its rhythm explains, within its ttl
  assert.equal(units.stats.suspicionsRaised, 1);
  assert.deepEqual(out(), ["A=1"], "B is suspect: left out when asked");
  assert.deepEqual(peersOf(views.latestReply("ping").bytes), ["A=1", "B=1"], "and listed when not");
  publish("B", { l: 2 * SEC });
  assert.deepEqual(out(), ["A=1", "B=1"], "cleared by its next metric");
});

test("latest replies - a restored metric says how old its snapshot is until a live metric replaces it", () => {
  const { publish, units, sup, clock } = setup();
  const now = clock.now();
  sup.restore({ n: "ping", p: "A", v: "old", d: true, l: BigInt(60 * SEC) }, now - 4_000, now - 3_000);
  publish("B", { l: 60 * SEC });
  const reply = units.views.latestReply("ping");
  assert.deepEqual(peersOf(reply.bytes), ["A=old", "B=1"]);
  assert.equal(reply.restoredFrom, now - 3_000, "the snapshot A's metric came from");
  assert.equal(units.views.restoredFrom("ping", "A"), now - 3_000);
  publish("A", { v: "live", l: 60 * SEC });
  const live = units.views.latestReply("ping");
  assert.deepEqual(peersOf(live.bytes), ["A=live", "B=1"]);
  assert.equal(live.restoredFrom, Infinity, "nothing restored is listed any more");
  assert.equal(units.views.restoredFrom("ping", "A"), undefined);
});

test("latest replies - under ingest the kept reply is patched in place into a copy: the bytes handed out never change", () => {
  const { publish, units } = setup();
  for (const p of ["A", "B", "C"]) publish(p, { v: "10", l: 60 * SEC });
  const views = units.views;
  const first = views.latestReply("ping");
  const handedOut = first.bytes.slice();
  publish("B", { v: "20", l: 60 * SEC }); // same length: patched
  const patched = views.latestReply("ping");
  assert.deepEqual(peersOf(patched.bytes), ["A=10", "B=20", "C=10"]);
  assert.notEqual(patched.bytes, first.bytes, "a copy");
  assert.deepEqual(first.bytes, handedOut, "what was handed out is unchanged");
  publish("C", { v: "300", l: 60 * SEC }); // another length: rebuilt
  assert.deepEqual(peersOf(views.latestReply("ping").bytes), ["A=10", "B=20", "C=300"]);
  publish("A", { d: false }); // leaves the answer: rebuilt
  assert.deepEqual(peersOf(views.latestReply("ping").bytes), ["B=20", "C=300"]);
  publish("A", { v: "11", l: 60 * SEC }); // joins it again: rebuilt
  assert.deepEqual(peersOf(views.latestReply("ping").bytes), ["A=11", "B=20", "C=300"]);
});

test("latest replies - a patched reply ends at the earliest deadline of what it lists, a touched window's shorter ttl included", async () => {
  const { publish, units, run } = setup();
  for (const p of ["A", "B"]) publish(p, { v: "1", l: 60 * SEC });
  const views = units.views;
  views.latestReply("ping");
  publish("B", { v: "2", l: 1 * SEC });
  assert.deepEqual(peersOf(views.latestReply("ping").bytes), ["A=1", "B=2"]);
  await run(1_000);
  assert.deepEqual(peersOf(views.latestReply("ping").bytes), ["A=1"], "B's new, shorter deadline passed");
});
