import { test } from "node:test";
import assert from "node:assert/strict";
import { counts, SEC, setup } from "../helpers/supervisor.js";

/** `peers` publish every second (ttl 2 s) for `seconds`, each with its own small offset; returns the publisher. */
function steady(h: ReturnType<typeof setup>, peers: string[], jitterMs = (_: string, _s: number) => 0) {
  return async (seconds: number) => {
    for (let s = 0; s < seconds; s++) {
      for (const p of peers) h.publish(p, { l: 2 * SEC });
      const spread = peers.map((p) => jitterMs(p, s));
      await h.run(1_000 + (spread[0] ?? 0), 50);
    }
  };
}

test("suspicion - off by default: windows have no detector and nothing is announced", async () => {
  const h = setup();
  await steady(h, ["P1"])(20);
  await h.run(3_000);
  assert.deepEqual(h.suspicions(), []);
  assert.deepEqual(h.alerts(), ["firing ping/P1"]);
});

test("suspicion - a peer that stops is suspect before its ttl runs out; the firing alert supersedes it (no cleared)", async () => {
  const h = setup({ suspicion: true });
  await steady(h, ["P1", "P2"])(20);
  const stoppedAt = h.elapsed() - 1_000; // P1 last published one second ago
  // P2 goes on, P1 stops.
  let suspectAt = -1;
  for (let ms = 0; ms < 2_500; ms += 50) {
    if (ms % 1_000 === 0) h.publish("P2", { l: 2 * SEC });
    await h.run(50, 50);
    if (suspectAt < 0 && h.suspicions().length > 0) suspectAt = h.elapsed() - stoppedAt;
  }
  assert.deepEqual(h.suspicions(), ["suspect P1"], "P1 only, once");
  assert.ok(suspectAt > 1_000 && suspectAt < 2_000, `suspected ${suspectAt} ms after its last metric, before the 2 s ttl`);
  assert.deepEqual(h.alerts(), ["firing ping/P1"], "the alert still comes at the ttl");
  assert.equal(h.units.views.statusSnapshot(10).names.ping!.peers.find((p) => p.peer === "P1")!.suspect, undefined, "superseded");
  h.publish("P1", { l: 2 * SEC });
  assert.deepEqual(h.suspicions(), ["suspect P1"], "no cleared after the firing alert: the resolved alert says it");
  assert.equal(h.units.stats.suspicionsRaised, 1);
});

test("suspicion - a suspect peer's next metric clears it; latest leaves suspects out only when asked", async () => {
  const h = setup({ suspicion: true });
  await steady(h, ["P1", "P2"])(20); // both last published one second ago
  h.publish("P2", { l: 2 * SEC });
  await h.run(700, 50); // P1 silent 1.7 s: later than its rhythm has taught (20 metrics), within its 2 s ttl
  assert.deepEqual(h.suspicions(), ["suspect P1"]);
  assert.deepEqual(h.state(), counts(2, 0, 0), "suspicion changes no state");
  assert.deepEqual(
    h.units.views.latest("ping").map((m) => m.peer),
    ["P1", "P2"],
  );
  assert.deepEqual(
    h.units.views.latest("ping", { excludeSuspects: true }).map((m) => m.peer),
    ["P2"],
  );
  h.publish("P1", { l: 2 * SEC });
  assert.deepEqual(h.suspicions(), ["suspect P1", "cleared P1"]);
  assert.deepEqual(
    h.units.views.latest("ping", { excludeSuspects: true }).map((m) => m.peer),
    ["P1", "P2"],
  );
  assert.deepEqual(h.alerts(), []);
  assert.equal(h.units.stats.suspicionsCleared, 1);
});

test("suspicion - a steady peer with jitter is never suspected; a new window suspects nobody before it has history", async () => {
  const h = setup({ suspicion: true });
  // 0-120 ms of jitter, the same for every peer in a round; a fresh window publishes only 3 times.
  await steady(h, ["P1", "P2", "P3"], (_p, s) => (s * 37) % 120)(60);
  assert.deepEqual(h.suspicions(), [], "a minute of jittered metrics: nobody suspected");
  h.publish("NEW", { l: 2 * SEC });
  await h.run(1_000);
  h.publish("NEW", { l: 2 * SEC });
  await h.run(1_900, 50);
  assert.deepEqual(
    h.suspicions().filter((s) => s.endsWith("NEW")),
    [],
    "no history, no early suspicion: the ttl decides",
  );
});

test("suspicion - nobody is suspected while the monitor is cut off, nor in its grace", async () => {
  const h = setup({ suspicion: true });
  await steady(h, ["P1"])(20);
  h.units.health.linkImpaired("disconnected");
  await h.run(1_500, 50);
  assert.deepEqual(h.suspicions(), [], "impaired: the silence may be the monitor's");
  h.units.health.linkRecovered("disconnected");
  await h.run(400, 50);
  assert.deepEqual(h.suspicions(), [], "in the grace");
  await h.run(2_000, 50);
  assert.deepEqual(h.alerts(), ["firing ping/P1"], "after the grace the TTL decides");
});
