import { test } from "node:test";
import assert from "node:assert/strict";
import { counts, ns, SEC, setup, T0 } from "../helpers/supervisor.js";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

test("supervisor - a metric with ttl 0 alerts exactly once, however long the peer stays silent", async () => {
  const { units, publish, run, alerts, state } = setup();
  publish("P1", { l: 0 });
  await run(0);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  await run(60_000, 1_000);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  assert.deepEqual(state(), counts(0, 0, 1));
  assert.equal(units.stats.alertsFiring, 1);
});

test("supervisor - ttl 2 s: silent at 1.9 s, one firing alert with the latest metric at 2 s", async () => {
  const { clock, sink, publish, run, alerts, state } = setup();
  publish("P1", { v: "first" });
  await run(1_000);
  publish("P1", { v: "latest", w: 7, o: true });
  await run(1_900);
  assert.deepEqual(alerts(), [], "1.9 s after the latest metric");
  assert.deepEqual(state(), counts(1, 0, 0));
  await run(100);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  assert.deepEqual(state(), counts(0, 0, 1));
  const [alert] = sink.accepted;
  assert.equal(clock.now(), T0 + 3_000);
  assert.equal(alert!.episode, alert!.id, "the first firing alert names its episode");
  assert.deepEqual(
    { ...alert, id: "", episode: "" },
    {
      name: "ping",
      peer: "P1",
      value: "latest",
      expire: 0n,
      valid: true,
      weight: 7n,
      partitionable: true,
      receivedAt: ns(T0 + 1_000),
      ttl: 2n * BigInt(SEC),
      triggeredAt: ns(clock.now()),
      id: "",
      kind: "firing",
      episode: "",
    },
  );
  assert.match(alert!.id, ULID);
});

test("supervisor - t and r are the exact ns of the monitor's clock (regression: msToNs rounded past 2^53)", async () => {
  const { clock, sink, publish, run } = setup();
  clock.advance(10);
  publish("P1", { t: 5 });
  await run(2_000);
  const [alert] = sink.accepted;
  assert.equal(alert!.receivedAt, ns(T0 + 10), "t set by the monitor, not the sender");
  assert.equal(alert!.triggeredAt, ns(T0 + 2_010));
});

test("supervisor - a due deadline convicts only once the round trip came back", async () => {
  const { clock, reach, publish, alerts, state } = setup({ auto: false });
  publish("P1");
  publish("P2");
  clock.advance(2_000);
  assert.equal(reach.requests, 1, "one round trip for every window due at once");
  clock.advance(10_000);
  assert.deepEqual(alerts(), [], "no alert while the round trip is out");
  assert.equal(reach.requests, 1);
  assert.deepEqual(state(), counts(2, 0, 0));
  publish("P1");
  reach.back();
  assert.deepEqual(alerts(), ["firing ping/P2"], "P1 spoke before the answer: no alert, not even a resolved");
  assert.deepEqual(state(), counts(1, 0, 1));
  clock.advance(1_999);
  assert.equal(reach.requests, 1, "P1 is armed again by its metric");
});

test("supervisor - a failed round trip convicts nobody and is retried after the grace (regression: immediate retry loop)", async () => {
  const { clock, units, reach, publish, alerts, state } = setup({ auto: false });
  publish("P1");
  clock.advance(2_000);
  assert.equal(reach.requests, 1);
  reach.fail();
  assert.deepEqual(alerts(), []);
  assert.deepEqual(state(), counts(1, 0, 0));
  assert.equal(units.stats.convictionsDeferred, 1);
  clock.advance(999);
  assert.equal(reach.requests, 1, "no new round trip during the grace");
  clock.advance(1);
  assert.equal(reach.requests, 2);
  reach.back();
  assert.deepEqual(alerts(), ["firing ping/P1"]);
});

test("supervisor - a metric received while the round trip is out saves a window whose deadline passed before it", async () => {
  const { clock, reach, publish, alerts, state } = setup({ auto: false });
  publish("P0", { l: 1 * SEC });
  publish("P1");
  clock.advance(1_000);
  assert.equal(reach.requests, 1, "for P0's deadline");
  clock.advance(1_100);
  reach.back();
  assert.deepEqual(alerts(), ["firing ping/P0"], "P1's deadline (2 s) came after that round trip started");
  clock.advance(0);
  assert.equal(reach.requests, 2, "a round trip that starts after P1's deadline");
  clock.advance(50);
  publish("P1");
  clock.advance(50);
  reach.back();
  assert.deepEqual(alerts(), ["firing ping/P0"]);
  assert.deepEqual(state(), counts(1, 0, 1));
  clock.advance(1_949);
  assert.equal(reach.requests, 2, "P1 re-armed at 2 s after its metric");
  clock.advance(1);
  reach.back();
  assert.deepEqual(alerts(), ["firing ping/P0", "firing ping/P1"]);
});

test("supervisor - the next valid metric resolves once; a new episode fires again", async () => {
  const { units, sink, publish, run, alerts, state } = setup();
  publish("P1");
  await run(5_000);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  publish("P1", { v: "back" });
  assert.deepEqual(alerts(), ["firing ping/P1", "resolved ping/P1"]);
  assert.equal(sink.accepted[1]!.value, "back", "resolved carries the metric that ended the episode");
  assert.deepEqual(state(), counts(1, 0, 0));
  publish("P1");
  assert.equal(alerts().length, 2, "a second metric resolves nothing");
  await run(10_000);
  assert.deepEqual(alerts(), ["firing ping/P1", "resolved ping/P1", "firing ping/P1"]);
  assert.deepEqual(state(), counts(0, 0, 1));
  assert.deepEqual([units.stats.alertsFiring, units.stats.alertsResolved], [2, 1]);
});

test("supervisor - invalid metrics (d false or omitted) never arm a deadline", async () => {
  const { reach, publish, run, alerts, state } = setup();
  publish("P1", { d: false });
  publish("P2", { d: undefined });
  publish("P3", { d: undefined, l: undefined, e: undefined });
  await run(60_000, 1_000);
  assert.deepEqual(alerts(), []);
  assert.equal(reach.requests, 0);
  assert.deepEqual(state(), counts(3, 0, 0));
});

test("supervisor - an invalid metric neither disarms a valid deadline nor resolves an alert", async () => {
  const { publish, run, alerts, state } = setup();
  publish("P1");
  await run(1_000);
  publish("P1", { d: false, l: 60 * SEC });
  await run(1_000);
  assert.deepEqual(alerts(), ["firing ping/P1"], "at the valid metric's deadline");
  publish("P1", { d: false });
  await run(5_000);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  assert.deepEqual(state(), counts(0, 0, 1));
});

test("supervisor - a ttl counts on the monitor's clock, whatever the sender's e says", async () => {
  const { clock, publish, run, alerts } = setup();
  publish("P1", { e: ns(clock.now() - 3_600_000), l: 30 * SEC });
  await run(29_900, 1_000);
  assert.deepEqual(alerts(), [], "e an hour in the past does not matter with l");
  await run(100);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
});

test("supervisor - without a ttl the deadline is the sender's e, even far in the future", async () => {
  const { clock, sink, publish, run, alerts } = setup();
  const expire = clock.now() + 3_600_000;
  publish("P1", { e: ns(expire), l: undefined });
  await run(3_599_000, 60_000);
  assert.deepEqual(alerts(), []);
  await run(2_000);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  assert.equal(sink.accepted[0]!.expire, ns(expire));
  assert.equal(sink.accepted[0]!.ttl, undefined);
});

test("supervisor - each metric moves the deadline later; the alert comes 2 s after the last one", async () => {
  const { clock, reach, publish, run, alerts, elapsed } = setup();
  for (let s = 0; s < 20; s++) {
    publish("P1");
    await run(1_000);
  }
  assert.deepEqual(alerts(), []);
  assert.equal(reach.requests, 0, "a rescheduled deadline never looked due");
  assert.ok(clock.pendingTimers <= 1, "one timer for the whole schedule");
  await run(900, 10);
  assert.deepEqual(alerts(), [], "1.9 s after the last metric");
  await run(100, 10);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  assert.equal(elapsed(), 21_000);
});

test("supervisor - a shorter ttl brings the deadline earlier", async () => {
  const { publish, run, alerts, elapsed } = setup();
  publish("P1", { l: 60 * SEC });
  await run(500);
  publish("P1", { l: 1 * SEC });
  await run(900, 10);
  assert.deepEqual(alerts(), []);
  await run(100, 10);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  assert.equal(elapsed(), 1_500);
});

test("supervisor - with a repeat interval the firing alert is sent again until the peer is back", async () => {
  const { units, sink, publish, run, alerts } = setup({ repeatIntervalMs: 5_000 });
  publish("P1");
  await run(2_000);
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  await run(16_000);
  assert.deepEqual(alerts(), Array(4).fill("firing ping/P1"), "one firing and three repeats in 16 s");
  assert.equal(units.stats.alertsRepeated, 3);
  assert.equal(new Set(sink.accepted.map((a) => a.id)).size, 4, "each repeat is a message of its own");
  for (let s = 0; s < 15; s++) {
    publish("P1");
    await run(1_000);
  }
  assert.deepEqual(alerts(), [...Array(4).fill("firing ping/P1"), "resolved ping/P1"]);
});

test("supervisor - a firing alert the sink refuses waits in expired until sinkReady", async () => {
  const { units, sink, publish, run, alerts, state, outbox } = setup();
  sink.refuse = true;
  publish("P1");
  await run(5_000);
  assert.deepEqual(alerts(), []);
  assert.deepEqual(state(), counts(0, 1, 0));
  assert.equal(units.stats.alertsDeferred, 1);
  assert.equal(outbox.waiting, 1);
  outbox.resume();
  assert.equal(units.stats.alertsDeferred, 2, "refused again");
  assert.deepEqual(state(), counts(0, 1, 0));
  sink.refuse = false;
  outbox.resume();
  assert.deepEqual(alerts(), ["firing ping/P1"]);
  assert.deepEqual(state(), counts(0, 0, 1));
  assert.equal(outbox.waiting, 0);
  outbox.resume();
  assert.deepEqual(alerts(), ["firing ping/P1"], "delivered once");
});

test("supervisor - a metric that arrives while the firing alert waits ends the episode silently", async () => {
  const { sink, publish, run, alerts, state, outbox } = setup();
  sink.refuse = true;
  publish("P1");
  await run(2_000);
  publish("P1");
  sink.refuse = false;
  outbox.resume();
  assert.deepEqual(alerts(), []);
  assert.deepEqual(state(), counts(1, 0, 0));
});

test("supervisor - a refused resolved alert is delivered by sinkReady before newer firing alerts", async () => {
  const { sink, publish, run, alerts, state, outbox } = setup();
  publish("P1");
  publish("P2");
  await run(2_000);
  sink.refuse = true;
  publish("P1");
  assert.deepEqual(state(), counts(1, 0, 1), "resolved in the machine, waiting at the sink");
  await run(2_000);
  assert.deepEqual(state(), counts(0, 1, 1), "P1's second episode, refused too");
  assert.equal(outbox.waiting, 2);
  sink.refuse = false;
  outbox.resume();
  assert.deepEqual(alerts(), ["firing ping/P1", "firing ping/P2", "resolved ping/P1", "firing ping/P1"]);
  assert.equal(sink.accepted[2]!.triggeredAt, ns(T0 + 2_000), "r is when the monitor decided");
  assert.deepEqual(state(), counts(0, 0, 2));
  assert.equal(outbox.waiting, 0);
});

test("supervisor - after its own outage the monitor convicts only peers silent through the grace", async () => {
  const { units, reach, publish, run, alerts } = setup();
  for (const p of ["P1", "P2", "P3"]) publish(p);
  await run(500);
  units.health.linkImpaired("disconnected");
  await run(4_500);
  assert.deepEqual(alerts(), [], "deadlines passed during the outage");
  assert.equal(reach.requests, 0);
  units.health.linkRecovered("disconnected");
  await run(500);
  publish("P2");
  await run(400);
  assert.deepEqual(alerts(), [], "still in the grace");
  await run(200);
  assert.deepEqual(alerts().sort(), ["firing ping/P1", "firing ping/P3"]);
  await run(1_300);
  assert.equal(alerts().length, 2, "P2 published during the grace: fresh until 7.5 s");
  assert.ok(units.stats.convictionsDeferred > 0);
  assert.equal(units.stats.outages, 1);
});

test("supervisor - after an event-loop stall with the link up, what arrived meanwhile is read first; the silent peer is alerted at once, without a grace", async () => {
  const { clock, units, publish, run, alerts, reach } = setup({ auto: false });
  publish("A");
  publish("B");
  clock.stall(5_000); // a garbage collection: both deadlines (2 s) passed while nothing ran
  await run(0); // timers first, as Node runs them: the due windows ask for a round trip
  assert.equal(units.stats.stalls, 1);
  assert.deepEqual(alerts(), [], "nobody is judged before the round trip is back");
  publish("A"); // read from the socket behind the stall, before the round trip's answer
  reach.back();
  await run(0);
  assert.deepEqual(alerts(), ["firing ping/B"], "A's metric came before the answer; B sent nothing");
  assert.equal(units.stats.convictionsDeferred, 0, "no grace: a stall lost nothing");
  assert.deepEqual(units.health.linkReport(clock.now()), { impaired: [], impairedForMs: null, graceLeftMs: 0 });
});

test("supervisor - a stall during which the connection was lost is an outage: deadlines wait for the grace", async () => {
  const { clock, units, publish, run, alerts } = setup();
  publish("A");
  publish("B");
  clock.stall(5_000);
  units.health.linkImpaired("disconnected"); // what the socket said once read
  units.health.linkRecovered("disconnected");
  publish("A");
  await run(0);
  assert.deepEqual(alerts(), [], "within the grace");
  for (let s = 0; s < 10; s++) {
    await run(200);
    if (s % 4 === 0) publish("A");
  }
  assert.deepEqual(alerts(), ["firing ping/B"]);
  assert.ok(units.stats.convictionsDeferred > 0);
});

test("supervisor - the detection lag of a firing alert is recorded", () => {
  const { clock, units, publish, reach } = setup({ auto: false });
  publish("P1");
  clock.advance(2_000);
  clock.advance(30);
  reach.back();
  assert.equal(units.stats.alertsFiring, 1);
  assert.equal(units.stats.detectionLagCount, 1);
  assert.equal(units.stats.detectionLagMaxMs, 30);
  assert.equal(units.stats.detectionLagSumMs, 30);
});

test("supervisor - episodes alerted before a restart start alerted: the peer's return is announced as resolved", () => {
  const { sup, units, sink, publish } = setup();
  publish("P1", { l: 60 * SEC });
  sup.episodesRestored([
    { name: "ping", peer: "P1", episode: "01J00000000000000000000EP1" },
    { name: "ping", peer: "P2", episode: "01J00000000000000000000EP2" },
  ]);
  assert.deepEqual(units.views.stateCounts(), { ping: { healthy: 0, expired: 0, alerted: 1 } }, "an existing window");
  publish("P1", { l: 60 * SEC });
  publish("P2", { l: 60 * SEC });
  assert.deepEqual(
    sink.accepted.map((a) => `${a.kind} ${a.peer}`),
    ["resolved P1", "resolved P2"],
    "a window created later starts alerted too",
  );
  assert.deepEqual(units.views.stateCounts(), { ping: { healthy: 2, expired: 0, alerted: 0 } });
  assert.deepEqual(
    sink.accepted.map((a) => a.episode),
    ["01J00000000000000000000EP1", "01J00000000000000000000EP2"],
    "each resolved alert ends the episode the log had open",
  );
});

test("supervisor - started with the wall clock an hour behind, it follows NTP's correction: an e-only metric falls due at its e (regression)", async () => {
  const { clock, sink, publish, run, alerts } = setup();
  const HOUR = 3_600_000;
  const trueNow = () => clock.now() + HOUR; // the sender's clock is right; the monitor's wall is an hour behind
  publish("P1", { l: undefined, e: ns(trueNow() + 30_000) });
  await run(10_000);
  clock.stepSystemClock(HOUR); // NTP corrects the machine's clock
  await run(19_900);
  assert.deepEqual(alerts(), [], "fresh until its e on the corrected clock");
  await run(100);
  assert.deepEqual(alerts(), ["firing ping/P1"], "due 30 s after it was sent, not an hour later");
  assert.equal(sink.accepted[0]!.triggeredAt, ns(trueNow()), "r stamped on the corrected wall clock");
  publish("P1", { l: 60 * SEC });
  assert.equal(sink.accepted[1]!.receivedAt, ns(trueNow()), "t too");
});

test("supervisor - a step of the system clock moves no ttl deadline", async () => {
  const { clock, publish, run, alerts } = setup();
  publish("P1");
  clock.stepSystemClock(-3_600_000);
  await run(1_900);
  assert.deepEqual(alerts(), []);
  await run(100);
  assert.deepEqual(alerts(), ["firing ping/P1"], "2 s after, on the monotonic clock");
});
