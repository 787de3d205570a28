import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "nats";
import type { Alert } from "../../src/api/types.js";
import type { AlertStream } from "../../src/client/alerts.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { cleanup, client, natsServer, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

/** Collects what an alert iterator yields, until `stop()`. */
function drain(stream: AlertStream) {
  const seen: Alert[] = [];
  const done = (async () => {
    for await (const a of stream) seen.push(a);
  })();
  return {
    seen,
    stop: async () => {
      stream.stop();
      await done;
    },
  };
}

test("sdk - an informer keeps its peer healthy; stopping it gives one firing alert, restarting it a resolved one", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const pm = new PeerMonitorClient(await client(t, server));
  const alerts = drain(pm.alerts({ name: "ping" }));
  let produced = 0;
  const informer = pm.startInformer({ name: "ping", peer: "P1", ttlMs: 400, produce: () => String(++produced) });
  await waitUntil(() => produced >= 5, "five publishes (every ttl/2)");
  assert.equal(alerts.seen.length, 0, "no alert while the informer runs");
  assert.equal((await pm.latest("ping"))[0]?.peer, "P1");
  await informer.stop();
  await waitUntil(() => alerts.seen.length === 1, "the firing alert after the informer stopped");
  const again = pm.startInformer({ name: "ping", peer: "P1", ttlMs: 60_000, produce: () => "back" });
  await waitUntil(() => alerts.seen.length === 2, "the resolved alert");
  await again.stop();
  await alerts.stop();
  assert.deepEqual(
    alerts.seen.map((a) => a.kind),
    ["firing", "resolved"],
  );
  assert.equal(monitor.stats.alertsFiring, 1);
});

test("sdk - an informer whose produce fails publishes nothing, retries at ttl/4 and reports the error", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const pm = new PeerMonitorClient(await client(t, server));
  const errors: unknown[] = [];
  const informer = pm.startInformer({
    name: "freespace",
    peer: "P1",
    ttlMs: 400,
    produce: () => {
      throw new Error("disk unreadable");
    },
    onError: (err) => errors.push(err),
  });
  await waitUntil(() => errors.length >= 4, "four failed attempts (every ttl/4)");
  await informer.stop();
  assert.equal(monitor.stats.metricsReceived, 0);
  assert.match(String(errors[0]), /disk unreadable/);
});

test("sdk - alerts from the stream: a consumer that was offline catches up, then follows live, in order", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const pm = new PeerMonitorClient(await client(t, server));
  for (const p of ["P1", "P2"]) pm.publishMetric({ name: "ping", peer: p, ttlMs: 0 });
  // Nobody listens while these two alerts are sent.
  await waitUntil(() => monitor.stats.alertsFiring === 2, "two alerts sent");
  const late = drain(pm.alerts({ fromStream: true }));
  await waitUntil(() => late.seen.length === 2, "the two alerts sent while offline");
  pm.publishMetric({ name: "numpin", peer: "P3", ttlMs: 0 });
  await waitUntil(() => late.seen.length === 3, "then a live one");
  await late.stop();
  assert.deepEqual(late.seen.map((a) => `${a.name}/${a.peer}`).slice(2), ["numpin/P3"]);
  assert.deepEqual(new Set(late.seen.slice(0, 2).map((a) => a.peer)), new Set(["P1", "P2"]));
});

test("sdk - a slow alert consumer reading the alert log misses nothing", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const pm = new PeerMonitorClient(await client(t, server));
  const stream = pm.alerts({ fromStream: true });
  const seen: Alert[] = [];
  const done = (async () => {
    for await (const a of stream) {
      seen.push(a);
      await new Promise((r) => setTimeout(r, 30)); // a consumer that takes its time with each alert
    }
  })();
  const peers = Array.from({ length: 60 }, (_, i) => `P${i}`);
  for (const p of peers) pm.publishMetric({ name: "ping", peer: p, ttlMs: 0 });
  await waitUntil(() => monitor.stats.alertsFiring === 60, "60 alerts sent");
  await waitUntil(() => seen.length === 60, "all 60 read by the slow consumer", 20_000);
  stream.stop();
  await done;
  assert.deepEqual(new Set(seen.map((a) => a.peer)), new Set(peers));
});

test("sdk - an informer and alert streams, live and from the log, carry on across a nats-server restart", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server, { graceMs: 3_000 });
  // As the README connects: reconnect forever.
  const nc = await connect({ servers: server.url, maxReconnectAttempts: -1 });
  cleanup(t, () => nc.close());
  const pm = new PeerMonitorClient(nc);
  const live = drain(pm.alerts({ name: "ping" }));
  const logged = drain(pm.alerts({ name: "ping", fromStream: true }));
  const errors: unknown[] = [];
  const informer = pm.startInformer({ name: "ping", peer: "alive", ttlMs: 1_000, produce: () => "ok", onError: (e) => errors.push(e) });
  pm.publishMetric({ name: "ping", peer: "gone-before", ttlMs: 0 });
  await waitUntil(() => live.seen.length === 1 && logged.seen.length === 1, "the first alert, live and from the log");

  await server.kill();
  await waitUntil(() => monitor.health.impaired, "the monitor notices the server is gone");
  await server.restart();
  await waitUntil(() => !monitor.health.impaired, "the monitor back", 20_000);
  const stored = monitor.stats.metricsStored;
  await waitUntil(() => monitor.stats.metricsStored >= stored + 2, "the informer publishing again", 20_000);
  pm.publishMetric({ name: "ping", peer: "gone-after", ttlMs: 0 });
  await waitUntil(() => live.seen.length === 2 && logged.seen.length === 2, "the second alert, live and from the log", 20_000);

  await informer.stop();
  await live.stop();
  await logged.stop();
  for (const stream of [live, logged]) {
    assert.deepEqual(
      stream.seen.map((a) => `${a.kind} ${a.peer}`),
      ["firing gone-before", "firing gone-after"],
    );
  }
  assert.deepEqual(errors, [], "the informer never failed");
});

test("sdk - when the connection closes for good, the informer stops and the alert stream ends, each saying why", async (t) => {
  const server = await natsServer(t);
  const nc = await connect({ servers: server.url, maxReconnectAttempts: 1, reconnectTimeWait: 100 });
  cleanup(t, () => nc.close());
  const pm = new PeerMonitorClient(nc);
  const errors: Error[] = [];
  const informer = pm.startInformer({ name: "ping", peer: "P1", ttlMs: 60_000, produce: () => "ok", onError: (e) => errors.push(e as Error) });
  const stream = pm.alerts({ name: "ping" });
  await stream.ready;
  const ended = (async () => {
    for await (const _ of stream) void _;
  })();
  await server.kill();
  await assert.rejects(ended, /the alert stream ended: the NATS connection closed for good; connect with `maxReconnectAttempts: -1`/);
  await waitUntil(() => errors.length === 1, "the informer's report");
  assert.match(errors[0]!.message, /the informer of ping for P1 stopped: the NATS connection closed for good/);
  assert.equal(informer.stopped, true);
});

test("sdk - a live alert published again (its monitor lost its own server before confirming it: same id) is given once", async (t) => {
  const { encodeAlert } = await import("../../src/api/codec.js");
  const server = await natsServer(t);
  const nc = await client(t, server);
  const stream = new PeerMonitorClient(nc).alerts();
  await stream.ready;
  const got = drain(stream);
  const alert: Alert = {
    name: "ping",
    peer: "P1",
    value: "1",
    expire: 0n,
    valid: true,
    weight: 0n,
    partitionable: false,
    receivedAt: 1n,
    triggeredAt: 2n,
    id: "01J0000000000000000000000A",
    kind: "firing",
    episode: "01J0000000000000000000000A",
  };
  nc.publish("peermon.alerts.ping.P1", encodeAlert(alert));
  nc.publish("peermon.alerts.ping.P1", encodeAlert(alert));
  nc.publish("peermon.alerts.ping.P1", encodeAlert({ ...alert, id: "01J0000000000000000000000B", kind: "resolved" }));
  await waitUntil(() => got.seen.length === 2, "the firing and the resolved alert");
  await got.stop();
  assert.deepEqual(
    got.seen.map((a) => a.kind),
    ["firing", "resolved"],
  );
});
