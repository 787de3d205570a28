/**
 * History over a real nats-server: the monitor follows the alert log into its episode index and
 * answers `history.<name>.<peer>`; a restarted monitor tells the same history from the log; with
 * shards the owner of the name answers, whichever shard a query reaches first.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { partitionOf } from "../../src/api/subjects.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { QueryError } from "../../src/errors.js";
import { AlertCollector, client, eventually, natsServer, publishMetric, REPO_NATS_CONF, startMonitor } from "../helpers/nats.js";

test("history - a peer that flapped 3 times: three closed episodes, three flaps, availability below 100%, last seen", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "ping", p: "steady", ttlMs: 60_000 });
  for (let flap = 1; flap <= 3; flap++) {
    publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
    await alerts.waitFor((a) => a.filter((x) => x.kind === "firing" && x.peer === "P1").length === flap, `P1's firing alert ${flap}`);
    publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
    await alerts.waitFor((a) => a.filter((x) => x.kind === "resolved" && x.peer === "P1").length === flap, `P1's return ${flap}`);
  }
  const sentLast = Date.now();
  await eventually(async () => (await pm.history("ping", "P1")).flaps === 3, "three flaps in P1's history");

  const h = await pm.history("ping", "P1");
  const firing = alerts.of("firing", "P1");
  const resolved = alerts.of("resolved", "P1");
  assert.deepEqual(
    h.episodes.map((e) => e.id),
    firing.map((a) => a.id),
    "one episode per firing alert, named by it",
  );
  h.episodes.forEach((e, i) => {
    const deadlineMs = Number((firing[i]!.receivedAt + firing[i]!.ttl!) / 1_000_000n);
    assert.equal(e.startMs, deadlineMs, `episode ${i} starts at P1's deadline`);
    assert.equal(e.endMs, Number(resolved[i]!.triggeredAt / 1_000_000n), `episode ${i} ends with its resolved alert`);
  });
  assert.ok(h.availability > 0 && h.availability < 1, `availability ${h.availability} reflects the episodes`);
  const downMs = h.episodes.reduce((sum, e) => sum + (e.endMs! - e.startMs), 0);
  assert.ok(Math.abs(h.availability - (1 - downMs / (h.untilMs - h.sinceMs))) < 1e-9, "availability is the share outside episodes");
  assert.ok(h.lastSeenMs !== null && Math.abs(h.lastSeenMs - sentLast) < 5_000, "last seen: P1's newest metric");
  assert.equal(h.neverSeen, false);
  const steady = await pm.history("ping", "steady");
  assert.deepEqual([steady.availability, steady.flaps, steady.episodes], [1, 0, []], "a steady peer");

  await monitor.stop();
  const second = await startMonitor(t, server);
  await eventually(async () => (await pm.history("ping", "P1")).flaps === 3, "the restarted monitor's history");
  const again = await pm.history("ping", "P1");
  assert.deepEqual(again.episodes, h.episodes, "the same episodes, from the alert log");
  assert.ok(again.sinceMs <= h.sinceMs + 1_000, "the span starts where the log starts, not at the restart");
  await second.stop();
});

test("history - a peer the monitor knows nothing of is a 404 that says what to do", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const pm = new PeerMonitorClient(await client(t, server));
  await assert.rejects(pm.history("ping", "nobody"), (err: unknown) => {
    assert.ok(err instanceof QueryError);
    assert.equal(err.code, 404);
    assert.match(err.message, /no history of peer nobody for ping.*`peermon latest ping`/);
    return true;
  });
});

test("history - with shards, the owner of the name answers and the other stays silent", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const shards = [await startMonitor(t, server, { shard: { index: 0, count: 2 } }), await startMonitor(t, server, { shard: { index: 1, count: 2 } })];
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc, { timeoutMs: 2_000 });
  const names = ["ping", "freespace", "numpin", "pinqueue"];
  assert.equal(new Set(names.map((n) => partitionOf(n, 32) % 2)).size, 2, "the names land on both shards");
  for (const n of names) publishMetric(nc, { n, p: "P1", ttlMs: 60_000 });
  for (const n of names) {
    await eventually(async () => (await pm.history(n, "P1")).lastSeenMs !== null, `${n}'s history from its shard`);
  }
  const replies = await nc.requestMany("peermon.history.ping.P1", undefined, { maxWait: 1_000 });
  let count = 0;
  for await (const _ of replies) count++;
  assert.equal(count, 1, "one answer per query");
  assert.ok(
    shards.every((s) => s.views.names().length > 0),
    "both shards hold names",
  );
});
