import { test } from "node:test";
import assert from "node:assert/strict";
import { PeerMonitorClient } from "../../src/client/client.js";
import type { SuspicionEvent } from "../../src/api/types.js";
import { AlertCollector, cleanup, client, natsServer, publishMetric, quietPeriod, startMonitor, waitUntil } from "../helpers/nats.js";
import { seededRandom } from "../../src/cli/demo/scenario.js";

const INTERVAL_MS = 1_000;
const TTL_MS = 2 * INTERVAL_MS;

test("suspicion - 50 steady peers with 10% jitter and 10 that crash: every crashed one suspect before its firing alert, no steady one over a minute, latest with the header leaves out exactly the suspects", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { suspicion: true });
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const alerts = await AlertCollector.start(t, nc);
  const events: (SuspicionEvent & { at: number })[] = [];
  const stream = pm.suspects({ name: "ping" });
  cleanup(t, () => stream.stop());
  await stream.ready;
  void (async () => {
    for await (const e of stream) events.push({ ...e, at: Date.now() });
  })();

  const steadyPeers = Array.from({ length: 50 }, (_, i) => `steady-${i}`);
  const crashing = Array.from({ length: 10 }, (_, i) => `crash-${i}`);
  const crashed = new Set<string>();
  const random = seededRandom(7);
  const timers = new Set<NodeJS.Timeout>();
  cleanup(t, () => timers.forEach(clearTimeout));
  // Each peer every second, each metric up to 10% of the interval late (uniform), like a loaded sender.
  const beat = (peer: string) => {
    if (crashed.has(peer)) return;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (crashed.has(peer)) return;
        publishMetric(nc, { n: "ping", p: peer, ttlMs: TTL_MS });
        beat(peer);
      },
      INTERVAL_MS + random() * 0.1 * INTERVAL_MS,
    );
    timers.add(timer);
  };
  for (const p of [...steadyPeers, ...crashing]) {
    publishMetric(nc, { n: "ping", p, ttlMs: TTL_MS });
    beat(p);
  }
  const started = Date.now();
  await quietPeriod(20_000); // the detectors learn each peer's rhythm
  for (const p of crashing) crashed.add(p);

  // As soon as the first crashed peers are suspect (their deadlines are spread over a second), ask
  // latest with and without the header: the difference is exactly the peers suspect and still fresh.
  await waitUntil(() => events.some((e) => e.kind === "suspect"), "a crashed peer suspect", 10_000);
  const suspectBefore = new Set(events.filter((e) => e.kind === "suspect").map((e) => e.peer));
  const [all, unsuspected] = await Promise.all([pm.latest("ping"), pm.latest("ping", { excludeSuspects: true })]);
  const left = all.map((m) => m.peer).filter((p) => !unsuspected.some((m) => m.peer === p));
  assert.ok(left.length > 0, "some peer left out");
  assert.deepEqual(
    left.filter((p) => !p.startsWith("crash-")),
    [],
    "only crashed peers are left out",
  );
  const freshSuspects = [...suspectBefore].filter((p) => all.some((m) => m.peer === p));
  assert.deepEqual(
    freshSuspects.filter((p) => !left.includes(p)),
    [],
    "every suspect still fresh is left out",
  );
  await waitUntil(() => left.every((p) => events.some((e) => e.peer === p && e.kind === "suspect")), "an event for every peer left out", 5_000);

  await alerts.waitFor((a) => a.filter((x) => x.kind === "firing").length === crashing.length, "the crashed peers' alerts", 10_000);
  for (const p of crashing) {
    const suspect = events.find((e) => e.peer === p && e.kind === "suspect");
    const firing = alerts.alerts.find((a) => a.peer === p && a.kind === "firing");
    assert.ok(suspect && firing, `${p}: suspect and firing`);
    assert.ok(suspect.triggeredAt < firing.triggeredAt, `${p}: suspect before its firing alert`);
  }
  await quietPeriod(Math.max(0, started + 62_000 - Date.now())); // a minute of steady peers
  const steadySuspected = events.filter((e) => e.kind === "suspect" && e.peer.startsWith("steady-")).map((e) => e.peer);
  assert.deepEqual(steadySuspected, [], "no steady peer suspected over a minute");
  assert.deepEqual(
    alerts.alerts.filter((a) => a.peer.startsWith("steady-")),
    [],
    "nor alerted",
  );
  assert.equal(monitor.stats.suspicionsRaised, crashing.length);
  t.diagnostic(
    `suspect ${events
      .filter((e) => e.kind === "suspect")
      .map((e) => Math.round(Number(e.triggeredAt - e.receivedAt) / 1e6))
      .join(", ")} ms after the last metric (ttl ${TTL_MS} ms)`,
  );
});
