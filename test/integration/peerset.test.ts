import { test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { PeerMonitorClient } from "../../src/client/client.js";
import { AlertCollector, client, natsServer, publishMetric, publishPeerSet, quietPeriod, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

test("peerset - once known, only members are tracked and queried; removal frees windows without alert", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const alerts = await AlertCollector.start(t, nc);
  for (const p of ["P1", "P2", "P3"]) publishMetric(nc, { n: "ping", p, ttlMs: 1_000 });
  await waitUntil(() => monitor.supervisor.windowCount === 3, "3 windows (no peerset yet: everyone tracked)");

  publishPeerSet(nc, ["P1", "P2"]);
  await waitUntil(() => monitor.supervisor.windowCount === 2, "P3's window freed");
  publishMetric(nc, { n: "ping", p: "P3", ttlMs: 1_000 });
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsIgnored === 1 && monitor.stats.metricsStored === 5, "P3 ignored");
  assert.deepEqual(
    (await pm.latest("ping")).map((m) => m.peer),
    ["P1", "P2"],
  );
  await quietPeriod(1_500);
  assert.deepEqual(alerts.alerts, [], "no alert for the removed peer, none for live members");
  assert.equal(monitor.stats.windowsFreed, 1);
});

test("peerset - survives a monitor restart without being re-published (JetStream)", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const first = await startMonitor(t, server);
  assert.equal(first.peersetMode, "jetstream");
  const nc = await client(t, server);
  publishPeerSet(nc, ["P1"]);
  await waitUntil(() => first.supervisor.currentPeerSet?.peers.length === 1, "peerset applied");
  await first.stop();

  const second = await startMonitor(t, server);
  assert.deepEqual(second.supervisor.currentPeerSet?.peers, ["P1"], "known right after start");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "stranger", ttlMs: 60_000 });
  await waitUntil(() => second.stats.metricsStored + second.stats.metricsIgnored === 2, "both handled");
  assert.equal(second.stats.metricsIgnored, 1);

  publishPeerSet(nc, ["P1", "stranger"]);
  await waitUntil(() => second.supervisor.currentPeerSet?.peers.length === 2, "later peersets still follow");
});

test("peerset - a peerset published while no monitor runs is picked up at start (JetStream)", async (t) => {
  const server = await natsServer(t);
  const first = await startMonitor(t, server); // creates the stream
  await first.stop();
  const nc = await client(t, server);
  publishPeerSet(nc, ["A", "B"]);
  await nc.flush();
  const second = await startMonitor(t, server);
  await waitUntil(() => second.supervisor.currentPeerSet?.peers.length === 2, "peerset from the stream");
});

test("peerset - without JetStream the monitor runs, warns, and keeps the peerset in memory", async (t) => {
  const server = await natsServer(t, { jetstream: false });
  const monitor = await startMonitor(t, server);
  assert.equal(monitor.peersetMode, "memory");
  const nc = await client(t, server);
  publishPeerSet(nc, ["P1"]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers[0] === "P1", "peerset applied from the live subject");
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsIgnored === 1, "non-member ignored");
});

test("peerset - 10k windows created, then freed by a peerset removal: memory returns", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  const names = ["ping", "freespace"];
  forceGC();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 5_000; i++) for (const n of names) publishMetric(nc, { n, p: `peer-${i}`, ttlMs: 600_000 });
  await nc.flush();
  await waitUntil(() => monitor.supervisor.windowCount === 10_000, "10k windows", 30_000);
  forceGC();
  const full = process.memoryUsage().heapUsed;
  publishPeerSet(nc, ["peer-0"]);
  await waitUntil(() => monitor.supervisor.windowCount === 2, "all but peer-0's windows freed", 30_000);
  assert.equal(monitor.stats.windowsFreed, 9_998);
  assert.deepEqual(monitor.views.names(), ["freespace", "ping"]);
  // A journal or checkpoint write under way when the windows went may still hold what it copied
  // of them (ids, encoded metrics) until the server answers it: the memory returns once it has.
  const grown = full - before;
  let after = Number.POSITIVE_INFINITY;
  const returned = () => {
    forceGC();
    after = process.memoryUsage().heapUsed;
    return after - before < grown * 0.2;
  };
  await waitUntil(returned, "at least 80% of the windows' memory returned", 10_000).catch(() => undefined);
  t.diagnostic(`heap: +${(grown / 1e6).toFixed(1)} MB for 10k windows, ${((after - before) / 1e6).toFixed(1)} MB left after freeing`);
  assert.ok(after - before < grown * 0.2, "at least 80% of the windows' memory was returned");
});

/** A full garbage collection, so heap figures measure live objects only. */
function forceGC(): void {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  gc();
  gc();
}

test("peerset - a garbage message on the peerset subject does not erase the stored peerset", async (t) => {
  const { encode } = await import("../../src/api/codec.js");
  const server = await natsServer(t);
  const first = await startMonitor(t, server);
  const nc = await client(t, server);
  publishPeerSet(nc, ["P1", "P2"]);
  nc.publish("peermon.peerset", encode({ s: "not a list" }));
  await waitUntil(() => first.stats.rejectedTotal() === 1, "garbage rejected live");
  await first.stop();
  const second = await startMonitor(t, server);
  assert.deepEqual(second.supervisor.currentPeerSet?.peers, ["P1", "P2"], "the newest valid peerset is current after restart");
});
