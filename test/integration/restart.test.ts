import { test } from "node:test";
import assert from "node:assert/strict";
import { PeerMonitorClient } from "../../src/client/client.js";
import { SystemClock, type Clock } from "../../src/clock.js";

const systemClock = new SystemClock();
import { AlertCollector, cleanup, client, natsServer, publishMetric, quietPeriod, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

test("restart - a restarted monitor comes back with its windows and alerts peers that died meanwhile, once", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const pm = new PeerMonitorClient(nc);

  const first = await startMonitor(t, server, { graceMs: 1_000 });
  const ttlMs = 1_500;
  const keepAlive = setInterval(() => publishMetric(nc, { n: "ping", p: "alive", ttlMs }), ttlMs / 3);
  cleanup(t, () => clearInterval(keepAlive));
  for (let v = 1; v <= 3; v++) publishMetric(nc, { n: "freespace", p: "alive", v: String(v), ttlMs: 600_000 });
  publishMetric(nc, { n: "ping", p: "dies-while-away", ttlMs });
  publishMetric(nc, { n: "ping", p: "died-before", ttlMs: 0 });
  await alerts.waitFor((a) => a.some((x) => x.peer === "died-before"), "the alert of the first monitor");
  await first.stop();

  await quietPeriod(ttlMs + 500); // "dies-while-away" passes its deadline while nobody watches
  const second = await startMonitor(t, server, { graceMs: 1_000 });
  assert.deepEqual(
    second.views.history("freespace", "alive").map((m) => m.value),
    ["3"],
    "the window's newest metric is back (a restore brings no deeper history)",
  );
  assert.equal((await pm.latest("freespace")).length, 1, "queries answer from restored windows at once");
  await alerts.waitFor((a) => a.some((x) => x.peer === "dies-while-away"), "the alert for the peer that died meanwhile");
  await quietPeriod(1_500);
  const firing = alerts
    .of("firing")
    .map((a) => a.peer)
    .sort();
  assert.deepEqual(firing, ["died-before", "dies-while-away"], "each dead peer alerted exactly once, live ones never");
});

test("restart - a sharded monitor restores the windows of its own partitions", async (t) => {
  const { partitionOf } = await import("../../src/api/subjects.js");
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const shard = { index: 0, count: 2 };
  const names = ["ping", "freespace", "numpin", "pinqueue", "reposize", "m1", "m2", "m3"];
  const mine = names.filter((n) => partitionOf(n, 32) % 2 === 0).sort();
  const first = await startMonitor(t, server, { shard });
  for (const n of names) publishMetric(nc, { n, p: "P1", ttlMs: 600_000 });
  await nc.flush();
  await waitUntil(() => first.stats.metricsReceived === mine.length, "its own partitions' metrics received");
  assert.deepEqual(first.views.names(), mine);
  await first.stop();
  const second = await startMonitor(t, server, { shard });
  assert.deepEqual(second.views.names(), mine, "only its own partitions, all of them");
  assert.equal(second.stats.rejectedTotal(), 0);
});

test("restart - a peer alerted before the restart that comes back after it gets its resolved alert", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const first = await startMonitor(t, server, { graceMs: 500 });
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 0 });
  await alerts.waitFor((a) => a.length === 1, "P1's firing alert from the first monitor");
  await first.stop();
  await startMonitor(t, server, { graceMs: 500 });
  publishMetric(nc, { n: "ping", p: "P1", v: "back", ttlMs: 60_000 });
  await alerts.waitFor((a) => a.length === 2, "the resolved alert from the second monitor");
  assert.deepEqual(
    alerts.alerts.map((a) => a.kind),
    ["firing", "resolved"],
  );
});

/** The system clock, `offsetMs` off: a monitor on another machine, or a VM before NTP. */
function skewedClock(offsetMs: number): Clock {
  return { ...systemClock, now: () => systemClock.now() + offsetMs };
}

for (const [how, offsetMs] of [
  ["an hour behind", -3_600_000],
  ["an hour ahead of", 3_600_000],
] as const) {
  test(`restart - a monitor whose clock is ${how} the server's judges replayed metrics by their age on one clock (regression: skew)`, async (t) => {
    const server = await natsServer(t, { configFile: REPO_NATS_CONF });
    const nc = await client(t, server);
    const alerts = await AlertCollector.start(t, nc);
    const first = await startMonitor(t, server, { graceMs: 500 });
    const ttlMs = 1_500;
    const keepAlive = setInterval(() => publishMetric(nc, { n: "ping", p: "alive", ttlMs }), ttlMs / 3);
    cleanup(t, () => clearInterval(keepAlive));
    for (const p of ["S1", "S2", "S3"]) publishMetric(nc, { n: "ping", p, ttlMs });
    await nc.flush();
    await waitUntil(() => first.supervisor.windowCount === 4, "the silent peers' windows stored");
    await first.stop();
    await quietPeriod(ttlMs + 1_000); // the silent peers pass their deadlines while nobody watches
    const restartedAt = Date.now();
    const second = await startMonitor(t, server, { graceMs: 500 }, { clock: skewedClock(offsetMs) });
    await alerts.waitFor((a) => a.length === 3, "the three silent peers alerted", 10_000);
    assert.deepEqual(
      alerts
        .of("firing")
        .map((a) => a.peer)
        .sort(),
      ["S1", "S2", "S3"],
      "the live peer is never alerted",
    );
    assert.ok(Date.now() - restartedAt < 5_000, "alerted after the grace, not an hour later");
    const stored = second.views.latestForPeer("ping", "S1")!;
    const ageMs = second.views.latestForPeer("ping", "alive")!.receivedAt - stored.receivedAt;
    assert.ok(ageMs > BigInt(ttlMs) * 1_000_000n, "the replayed metric keeps its age on the monitor's clock");
  });
}
