import { test } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "nats";
import type { DisruptionEvent } from "../../src/api/types.js";
import { decodeDisruption } from "../../src/api/validate.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { QueryError } from "../../src/errors.js";
import { partitionOf } from "../../src/api/subjects.js";
import { TEST_DELIVERY } from "../helpers/delivery.js";
import { TestReceiver, webhookAlerts } from "../helpers/receiver.js";
import { AlertCollector, cleanup, client, natsServer, publishMetric, quietPeriod, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const PEERS = Array.from({ length: 20 }, (_, i) => `P${String(i).padStart(2, "0")}`);
const TTL_MS = 2_000;
/** Disruption mode as `serve` runs it by default (the test preset turns it off). */
const DISRUPTION = { disruptionThreshold: 0.5, disruptionMinPeers: 10 };

/** 20 peers publishing `ping` every ttl/4; `silence(n)` stops the last n at once. */
function fleet(t: Parameters<typeof cleanup>[0], nc: NatsConnection) {
  const quiet = new Set<string>();
  const tick = () => PEERS.filter((p) => !quiet.has(p)).forEach((p) => publishMetric(nc, { n: "ping", p, ttlMs: TTL_MS }));
  tick();
  const timer = setInterval(tick, TTL_MS / 4);
  cleanup(t, () => clearInterval(timer));
  return { silence: (n: number) => PEERS.slice(PEERS.length - n).forEach((p) => quiet.add(p)) };
}

/** Collects the disruption events published on `peermon.disruption.*`. */
async function disruptionEvents(t: Parameters<typeof cleanup>[0], nc: NatsConnection): Promise<DisruptionEvent[]> {
  const events: DisruptionEvent[] = [];
  const sub = nc.subscribe("peermon.disruption.*", { callback: (err, m) => err || events.push(decodeDisruption(m.data)) });
  await nc.flush();
  cleanup(t, () => sub.unsubscribe());
  return events;
}

test("disruption - 12 of 20 peers silent together: one disruption event, no per-peer alert; release fires them", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, DISRUPTION);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const events = await disruptionEvents(t, nc);
  const peers = fleet(t, nc);
  await waitUntil(() => monitor.supervisor.windowCount === 20, "20 windows");
  peers.silence(12);
  await waitUntil(() => events.length === 1, "the disruption event", 10_000);
  assert.deepEqual([events[0]!.name, events[0]!.kind, events[0]!.count, events[0]!.fraction], ["ping", "started", 12, 0.6]);
  await waitUntil(() => monitor.disruptions.held === 12, "12 alerts held", 10_000);
  await quietPeriod(1_000);
  assert.equal(alerts.alerts.length, 0, "not one per-peer alert");
  assert.deepEqual(monitor.views.stateCounts().ping, { healthy: 8, expired: 12, alerted: 0 });

  const pm = new PeerMonitorClient(nc);
  assert.deepEqual(await pm.releaseDisruption("ping"), { released: 12, shards: ["all"] });
  await alerts.waitFor((a) => a.length === 12, "the 12 held alerts");
  assert.deepEqual(
    alerts
      .of("firing")
      .map((a) => a.peer)
      .sort(),
    PEERS.slice(8),
  );
  await waitUntil(() => events.length === 2, "the ended event");
  assert.equal(events[1]!.kind, "ended");
  await assert.rejects(
    pm.releaseDisruption("ping"),
    (err: unknown) => err instanceof QueryError && err.code === 404 && /no disruption of ping is open/.test(err.message),
  );
});

test("disruption - 4 of 20 peers silent: per-peer alerts as without disruption mode", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, DISRUPTION);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const events = await disruptionEvents(t, nc);
  const peers = fleet(t, nc);
  await waitUntil(() => monitor.supervisor.windowCount === 20, "20 windows");
  peers.silence(4);
  await alerts.waitFor((a) => a.length === 4, "4 firing alerts");
  await quietPeriod(1_000);
  assert.deepEqual(
    alerts
      .of("firing")
      .map((a) => a.peer)
      .sort(),
    PEERS.slice(16),
  );
  assert.equal(events.length, 0);
});

test("disruption - a monitor restarted during a disruption does not fire the held alerts; two replicas log each event once", async (t) => {
  const server = await natsServer(t);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const events = await disruptionEvents(t, nc);
  const a = await startMonitor(t, server, { ...DISRUPTION, graceMs: 1_000 });
  const b = await startMonitor(t, server, { ...DISRUPTION, graceMs: 1_000 });
  const peers = fleet(t, nc);
  await waitUntil(() => a.supervisor.windowCount === 20 && b.supervisor.windowCount === 20, "both replicas track 20 peers");
  peers.silence(12);
  await waitUntil(() => a.disruptions.held === 12 && b.disruptions.held === 12, "both replicas hold 12 alerts", 10_000);
  await quietPeriod(500);
  assert.equal(events.length, 1, "one started event from two replicas");

  await a.stop();
  await b.stop();
  const c = await startMonitor(t, server, { ...DISRUPTION, graceMs: 1_000 });
  assert.deepEqual(
    c.disruptions.report().map((d) => d.name),
    ["ping"],
    "the open disruption is restored from the log",
  );
  await waitUntil(() => c.disruptions.held === 12, "the restored monitor holds the 12 again after its grace", 10_000);
  await quietPeriod(1_500);
  assert.equal(alerts.alerts.length, 0, "no held alert fired because of the restart");
  assert.equal(events.length, 1, "no second started event");

  const pm = new PeerMonitorClient(nc);
  assert.equal((await pm.releaseDisruption("ping")).released, 12);
  await alerts.waitFor((x) => x.length === 12, "the 12 alerts on release");
  await waitUntil(() => events.length === 2, "the ended event");
  await quietPeriod(500);
  assert.equal(alerts.alerts.length, 12, "each once");
});

test("disruption - releasing a name with no open disruption is a 404; a bad name is refused before asking", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server, DISRUPTION);
  const pm = new PeerMonitorClient(await client(t, server));
  await assert.rejects(pm.releaseDisruption("freespace"), (err: unknown) => err instanceof QueryError && err.code === 404);
  await assert.rejects(pm.releaseDisruption("a.b"), /invalid metric name/);
});

test("disruption - sharded: only the name's shard declares and releases it", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const owner = partitionOf("ping", 32) % 2;
  const monitors = [0, 1].map((index) => startMonitor(t, server, { ...DISRUPTION, shard: { index, count: 2 } }));
  const [m0, m1] = await Promise.all(monitors);
  const mine = owner === 0 ? m0! : m1!;
  const other = owner === 0 ? m1! : m0!;
  const nc = await client(t, server);
  const events = await disruptionEvents(t, nc);
  const peers = fleet(t, nc);
  await waitUntil(() => mine.supervisor.windowCount === 20, "the owning shard tracks 20 peers");
  peers.silence(12);
  await waitUntil(() => mine.disruptions.held === 12, "12 alerts held by the owning shard", 10_000);
  assert.equal(other.disruptions.report().length, 0, "the other shard knows nothing of ping");
  const released = await new PeerMonitorClient(nc).releaseDisruption("ping");
  assert.deepEqual(released, { released: 12, shards: [`${owner}/2`] });
  await waitUntil(() => events.length === 2, "started and ended");
});

test("disruption - the sinks get one PeermonDisruption instead of a page per peer; release pages each peer and resolves it", async (t) => {
  const server = await natsServer(t);
  const receiver = await TestReceiver.start(t);
  const monitor = await startMonitor(t, server, { ...DISRUPTION, ...TEST_DELIVERY, webhookUrl: receiver.url });
  const nc = await client(t, server);
  const peers = fleet(t, nc);
  await waitUntil(() => monitor.supervisor.windowCount === 20, "20 windows");
  peers.silence(12);
  const received = () => webhookAlerts(receiver.requests).map((a) => `${a.status} ${a.labels.alertname} ${a.labels.peer ?? a.labels.metric}`);
  await receiver.waitFor(() => received().length === 1, "the disruption at the receiver", 10_000);
  await waitUntil(() => monitor.disruptions.held === 12, "12 alerts held", 10_000);
  await quietPeriod(1_000);
  assert.deepEqual(received(), ["firing PeermonDisruption ping"], "one alert for the whole name, no page per peer");

  await new PeerMonitorClient(nc).releaseDisruption("ping");
  await receiver.waitFor(() => received().length === 14, "12 peers paged and the disruption resolved", 15_000);
  const after = received().slice(1);
  assert.deepEqual(
    after.filter((x) => x.startsWith("resolved")),
    ["resolved PeermonDisruption ping"],
  );
  assert.deepEqual(
    after.filter((x) => x.startsWith("firing")).sort(),
    PEERS.slice(8).map((p) => `firing PeermonMetricExpired ${p}`),
  );
});
