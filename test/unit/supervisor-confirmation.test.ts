import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_CONFIRMATION } from "../../src/window/detectors/confirmation.js";
import { counts, SEC, setup } from "../helpers/supervisor.js";

/** Metrics every second with a 2 s ttl (IPFS Cluster's ping shape at a short interval). */
const I = 1_000;
/** The smallest margin after an expected metric (a peer without jitter is never late: 10 ms). */
const MARGIN = DEFAULT_CONFIRMATION.minMarginMs;
/** Gaps after which a window is no longer young (1 / intervalCost). */
const KNOWN = Math.ceil(1 / DEFAULT_CONFIRMATION.intervalCost);

/**
 * A monitor's windows on a manual clock; `beat(peers, n, skip)` lets `peers` publish n metrics a
 * second apart (metric k lost when `skip(peer, k)`), the clock moving in 50 ms steps.
 */
function fleet(options: Parameters<typeof setup>[0] = { confirmation: true }) {
  const h = setup(options);
  let k = 0;
  const beat = async (peers: string[], n: number, skip: (peer: string, k: number) => boolean = () => false) => {
    for (let i = 0; i < n; i++, k++) {
      for (const p of peers) if (!skip(p, k)) h.publish(p, { l: 2 * SEC });
      await h.run(I, 50);
    }
  };
  const firingAt = (peer: string) => h.sink.accepted.find((a) => a.kind === "firing" && a.peer === peer)?.triggeredAt;
  return { ...h, beat, firingAt };
}

/** Runs until `peer`'s firing alert left (at most `ms`), and returns when it did relative to `from` (ms). */
async function alertAfter(h: ReturnType<typeof fleet>, peer: string, from: number, ms = 6_000): Promise<number> {
  for (let t = 0; t < ms && !h.alerts().includes(`firing ping/${peer}`); t += 5) await h.run(5, 5);
  assert.ok(h.alerts().includes(`firing ping/${peer}`), `${peer} fired within ${ms} ms`);
  return h.elapsed() - from;
}

test("confirmation - a punctual peer with a long record fires at its deadline, exactly as without confirmation", async () => {
  const times: number[] = [];
  for (const confirmation of [false, true]) {
    const h = fleet({ confirmation });
    await h.beat(["P1"], KNOWN + 10);
    const last = h.elapsed() - I;
    times.push(await alertAfter(h, "P1", last));
  }
  assert.equal(times[1], times[0], `the same moment (${times[0]} ms after the last metric)`);
  assert.ok(times[0]! >= 2_000 && times[0]! < 2_010, "at its 2 s deadline");
});

test("confirmation - a young window waits for the next expected metric: one lost metric whose next is late raises no alert", async () => {
  const h = fleet();
  await h.beat(["P1"], 20);
  // Metric 20 is lost; metric 21 comes 5 ms late: metric 19's deadline passed 5 ms before it.
  await h.beat(["P1"], 1, () => true);
  await h.run(5, 5);
  assert.deepEqual(h.state(), counts(0, 1, 0), "expired: awaiting confirmation, no alert");
  h.publish("P1", { l: 2 * SEC });
  await h.run(I, 50);
  assert.deepEqual(h.alerts(), [], "spared");
  assert.equal(h.units.stats.expiriesAwaitingConfirmation, 1);
  assert.equal(h.units.stats.expiriesSpared, 1);

  const off = fleet({});
  await off.beat(["P1"], 20);
  await off.beat(["P1"], 1, () => true);
  await off.run(5, 5);
  off.publish("P1", { l: 2 * SEC });
  assert.deepEqual(off.alerts(), ["firing ping/P1", "resolved ping/P1"], "without confirmation: a false alert and its resolution");
});

test("confirmation - a peer that lost a metric waits through bursts of two (Laplace: one loss seen, of one metric, is no proof the next is short); its crash fires an interval and a margin after its deadline", async () => {
  const h = fleet();
  await h.beat(["P1"], 30, (_, k) => k === 10);
  await h.beat(["P1"], 30, (_, k) => k === 40 || k === 41);
  await h.beat(["P1"], 30, (_, k) => k === 70 || k === 71);
  assert.deepEqual(h.alerts(), [], "no alert for the single nor for the bursts of two");
  // The single's next metric came at its deadline to the millisecond (no jitter): that expiry waited too.
  assert.equal(h.units.stats.expiriesSpared, 3, "every expiry waited and was spared");
  await h.beat(["P1"], 1);
  const last = h.elapsed() - I;
  const after = await alertAfter(h, "P1", last);
  assert.ok(
    after >= 3 * I + MARGIN && after < 3 * I + 100,
    `its crash fired ${after} ms after its last metric: deadline (2 s) + 1 s + a margin (two learned spreads, at least 10 ms)`,
  );
  assert.deepEqual(h.state(), counts(0, 0, 1));
});

test("confirmation - a young window that never lost a metric waits only for the next expected one, so its first burst of two fires: it cannot be told from a crash", async () => {
  const h = fleet();
  await h.beat(["P1"], 30);
  const last = h.elapsed() - I;
  const after = await alertAfter(h, "P1", last);
  // Its margin is twice the largest lateness it has shown (none: 10 ms), not its young rhythm's wide spread.
  assert.ok(after >= 2 * I + MARGIN && after < 2 * I + MARGIN + 10, `fired ${after} ms after its last metric: deadline + ${MARGIN} ms`);

  const burst = fleet();
  await burst.beat(["P1"], 30, (_, k) => k === 10 || k === 11);
  assert.deepEqual(burst.alerts(), ["firing ping/P1", "resolved ping/P1"], "a first burst of two, in a young window: a false alert");
});

test("confirmation - expiries awaiting confirmation count as expired for a disruption, which holds them when they are confirmed", async () => {
  const peers = Array.from({ length: 20 }, (_, i) => `P${String(i).padStart(2, "0")}`);
  const h = fleet({ confirmation: true, disruption: {} });
  await h.beat(peers, 30, (_, k) => k === 10); // every peer lost a metric: each waits for two
  const silent = new Set(peers.slice(8));
  await h.beat(peers, 2, (p) => silent.has(p));
  assert.deepEqual(h.state(), counts(8, 12, 0), "12 expired, awaiting confirmation");
  assert.deepEqual(h.alerts(), []);
  assert.equal(h.disruptions.length, 0, "no disruption before one is about to fire");
  await h.beat(peers, 2, (p) => silent.has(p));
  assert.deepEqual(h.alerts(), [], "confirmed, and held");
  assert.deepEqual(
    h.disruptions.map((e) => [e.kind, e.count]),
    [["started", 12]],
  );
  assert.equal(h.units.disruptions.held, 12);
  assert.equal(h.units.disruptions.release("ping"), 12);
  await h.run(100);
  assert.equal(h.alerts().filter((a) => a.startsWith("firing")).length, 12, "released: they fire");
});

test("confirmation - a confirmation time is judged like a deadline: only after a round trip that left after it came back", async () => {
  const h = fleet({ confirmation: true, auto: false });
  const answering = async (n: number) => {
    for (let i = 0; i < n; i++) {
      h.publish("P1", { l: 2 * SEC });
      for (let t = 0; t < I; t += 50) {
        await h.run(50, 50);
        h.reach.back();
      }
    }
  };
  await answering(30);
  const last = h.elapsed() - I;
  // The deadline passes 1 s from now (its round trip answered at once), its confirmation (the next expected metric) 10 ms later.
  while (h.state().expired === 0 && h.elapsed() - last < 3 * I) {
    await h.run(1, 1);
    h.reach.back();
  }
  assert.deepEqual(h.state(), counts(0, 1, 0));
  await h.run(100, 5);
  assert.deepEqual(h.alerts(), [], "due, but its round trip is out: no alert yet");
  const requested = h.reach.requests;
  h.reach.fail();
  await h.run(100, 5);
  assert.deepEqual(h.alerts(), [], "a failed round trip proves nothing");
  await h.run(1_500, 50);
  assert.ok(h.reach.requests > requested, "it asked again");
  h.reach.back();
  await h.run(0);
  assert.deepEqual(h.alerts(), ["firing ping/P1"], "proved: it fires");
  assert.ok(h.elapsed() - last > 2 * I + MARGIN);
});

test("confirmation - a pause of the monitor's own event loop teaches its windows no lateness: a young window's crash fires as soon as without the pause", async () => {
  const times: number[] = [];
  for (const paused of [false, true]) {
    const h = fleet();
    h.units.health.watchReads();
    await h.beat(["P1"], 20);
    // The loop stands still for 400 ms just before the next metric is read: read 400 ms late.
    if (paused) h.clock.stall(400);
    await h.beat(["P1"], 20);
    const last = h.elapsed() - I;
    times.push(await alertAfter(h, "P1", last));
    h.units.stop();
  }
  assert.equal(times[1], times[0], `the same wait after the last metric (${times[0]} ms)`);
});
