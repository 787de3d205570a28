import { test } from "node:test";
import assert from "node:assert/strict";
import { partitionOf } from "../../src/api/subjects.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const NAMES = ["ping", "freespace", "numpin", "pinqueue", "tag:group", "reposize", "m1", "m2"];

test("shards - each shard receives only its partitions, queries reach the owner, names spans all shards", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const shards = [await startMonitor(t, server, { shard: { index: 0, count: 2 } }), await startMonitor(t, server, { shard: { index: 1, count: 2 } })];
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const owner = (name: string) => partitionOf(name, 32) % 2;
  assert.ok(new Set(NAMES.map(owner)).size === 2, "the test names land on both shards");
  for (const n of NAMES) for (let i = 0; i < 5; i++) publishMetric(nc, { n, p: `peer-${i}`, ttlMs: 60_000 });
  await waitUntil(() => shards[0]!.stats.metricsStored + shards[1]!.stats.metricsStored === NAMES.length * 5, "all stored");

  for (const [index, monitor] of shards.entries()) {
    const mine = NAMES.filter((n) => owner(n) === index);
    assert.deepEqual(monitor.views.names(), [...mine].sort(), `shard ${index} holds only its names`);
    const partitions = Object.keys(monitor.stats.metricsByPartition).map(Number);
    assert.ok(partitions.length > 0 && partitions.every((p) => p % 2 === index), `shard ${index} was sent only its partitions`);
    assert.equal(monitor.stats.metricsReceived, mine.length * 5, `shard ${index} received nothing else`);
  }
  for (const n of NAMES) assert.equal((await pm.latest(n)).length, 5, `latest ${n} answered by its shard`);
  assert.equal((await pm.latestForPeer("ping", "peer-3")).peer, "peer-3");
  assert.deepEqual(await pm.names(), [...NAMES].sort(), "names gathers every shard");
});

test("shards - names with a shard down lists what the others know and names the missing shard", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const a = await startMonitor(t, server, { shard: { index: 0, count: 2 } });
  const nc = await client(t, server);
  for (const n of NAMES) publishMetric(nc, { n, p: "P1", ttlMs: 60_000 });
  const mine = NAMES.filter((n) => partitionOf(n, 32) % 2 === 0).sort();
  await waitUntil(() => a.views.names().length === mine.length, "shard 0 stored its names");
  const reply = await nc.request("peermon.names", undefined, { timeout: 5_000 });
  assert.equal(reply.headers?.get("Peermon-Missing-Shards"), "1");
  const { decode } = await import("../../src/api/codec.js");
  assert.deepEqual(decode(reply.data), mine);
});
