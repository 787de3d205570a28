import { test } from "node:test";
import assert from "node:assert/strict";
import { encode } from "../../src/api/codec.js";
import { AlertCollector, client, natsServer, publishMetric, quietPeriod, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const NS_PER_MS = 1_000_000n;

test("alerts - a metric with TTL 0 alerts exactly once", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  await startMonitor(t, server);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "test", p: "P1", ttlMs: 0 });
  await alerts.waitFor((a) => a.length === 1, "one alert");
  await quietPeriod(1_000);
  assert.equal(alerts.alerts.length, 1, "still exactly one alert");
  const [a] = alerts.alerts;
  assert.equal(a!.name, "test");
  assert.equal(a!.peer, "P1");
  assert.equal(a!.kind, "firing");
  assert.match(a!.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
});

test("alerts - a metric expiring after 2 s: no alert before, one after, on the alert subject", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc, "peermon.alerts.ping.P1");
  const sent = Date.now();
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 2_000 });
  await alerts.waitFor((a) => a.length === 1, "one alert");
  const lag = Date.now() - sent;
  assert.ok(lag >= 1_900, `alert came after ${lag} ms, not before the 2 s deadline`);
  assert.ok(lag < 4_000, `alert came ${lag} ms after publishing; the deadline was 2 s`);
});

test("alerts - resolved on the next valid metric, and a new episode fires again", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
  await alerts.waitFor((a) => a.length === 1, "firing");
  publishMetric(nc, { n: "ping", p: "P1", v: "back", ttlMs: 300 });
  await alerts.waitFor((a) => a.length === 3, "resolved, then a second firing");
  assert.deepEqual(
    alerts.alerts.map((a) => a.kind),
    ["firing", "resolved", "firing"],
  );
  assert.equal(alerts.alerts[1]!.value, "back", "the resolved alert carries the new metric");
  assert.equal(monitor.stats.alertsFiring, 2);
  assert.equal(monitor.stats.alertsResolved, 1);
});

test("alerts - invalid metrics never alert", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "freespace", p: "P1", d: false, ttlMs: 100 });
  nc.publish("peermon.metrics.freespace.P2", encode({ n: "freespace", p: "P2", v: "0", l: 0 })); // d omitted
  await waitUntil(() => monitor.stats.metricsStored === 2, "2 stored metrics");
  await quietPeriod(1_000);
  assert.equal(alerts.alerts.length, 0);
});

test("alerts - sender clock an hour behind with a ttl causes no false alert", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const hourAgo = BigInt(Date.now() - 3_600_000) * NS_PER_MS;
  const senderExpire = hourAgo + 1_000n * NS_PER_MS; // expired an hour ago on the monitor's clock
  nc.publish("peermon.metrics.ping.skewed", encode({ n: "ping", p: "skewed", v: "1", d: true, e: senderExpire, l: 1_500n * NS_PER_MS }));
  await quietPeriod(1_000);
  assert.equal(alerts.alerts.length, 0, "no alert while the ttl runs on the monitor's clock");
  await alerts.waitFor((a) => a.length === 1, "the alert once the ttl really passed");
});

test("alerts - a sender clock ahead without a ttl follows IPFS Cluster (absolute expire)", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const soon = BigInt(Date.now() + 1_000) * NS_PER_MS;
  nc.publish("peermon.metrics.ping.P1", encode({ n: "ping", p: "P1", v: "1", d: true, e: soon }));
  await alerts.waitFor((a) => a.length === 1, "alert at the absolute expiry");
  assert.equal(alerts.alerts[0]!.expire, soon);
});

test("alerts - optional repeat interval re-sends the firing alert while the episode lasts", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server, { repeatIntervalMs: 300 });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 0 });
  await alerts.waitFor((a) => a.length >= 3, "three firing alerts");
  assert.ok(alerts.alerts.every((a) => a.kind === "firing"));
  assert.equal(new Set(alerts.alerts.map((a) => a.id)).size, alerts.alerts.length, "each repeat has its own id");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  await alerts.waitFor((a) => a.some((x) => x.kind === "resolved"), "resolved");
  const count = alerts.alerts.length;
  await quietPeriod(800);
  assert.equal(alerts.alerts.length, count, "no repeats after the episode ended");
});

test("alerts - concurrent publishers of one (name, peer) leave the newest as latest", async (t) => {
  const { PeerMonitorClient } = await import("../../src/client/client.js");
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const publishers = await Promise.all([1, 2, 3].map((i) => client(t, server, `publisher-${i}`)));
  const reader = new PeerMonitorClient(await client(t, server, "reader"));
  // Each round, every publisher sends a metric; once all are stored, the latest must come from
  // this round (never an older one), whichever publisher's message the server delivered last.
  for (let round = 0; round < 20; round++) {
    publishers.forEach((nc, i) => publishMetric(nc, { n: "test", p: "P1", v: `${round}-${i}`, ttlMs: 60_000 }));
    await Promise.all(publishers.map((nc) => nc.flush()));
    await waitUntil(() => monitor.stats.metricsStored === (round + 1) * 3, `round ${round} stored`);
    const latest = await reader.latest("test");
    assert.equal(latest.length, 1);
    assert.equal(latest[0]!.value.split("-")[0], String(round), `latest ${latest[0]!.value} is from round ${round}`);
  }
});
