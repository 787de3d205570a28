/**
 * The shard layer end to end, on deploy/local's cluster: 3 clustered nats-servers with JetStream,
 * 2 shards x 2 replicas of `peermon serve` as processes, streams with 3 replicas.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, RequestStrategy, type NatsConnection } from "nats";
import { decodeAlert, decodeMetricList } from "../../src/api/validate.js";
import { partitionOf } from "../../src/api/subjects.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { localCluster, type LocalCluster } from "../helpers/local-cluster.js";
import { cleanup, eventually, publishMetric, quietPeriod, waitUntil } from "../helpers/nats.js";

const NAMES = ["ping", "freespace", "numpin", "pinqueue", "reposize"];
const PEERS = Array.from({ length: 50 }, (_, i) => `peer-${i}`);
const TTL_MS = 1_500;

type Hooks = Parameters<typeof cleanup>[0];

/** A fleet publishing every name for every peer not marked silent, every TTL/5. */
function startFleet(t: Hooks, nc: NatsConnection, peers = PEERS) {
  const silent = new Set<string>();
  const tick = () => {
    for (const p of peers) if (!silent.has(p)) for (const n of NAMES) publishMetric(nc, { n, p, ttlMs: TTL_MS });
  };
  tick();
  const timer = setInterval(tick, TTL_MS / 5);
  cleanup(t, () => clearInterval(timer));
  return { silent };
}

/** Counts firing and resolved alerts per `name/peer`, delivered on the public subject. */
async function countAlerts(t: Hooks, nc: NatsConnection) {
  const firing = new Map<string, number>();
  const resolved = new Map<string, number>();
  const log: string[] = [];
  const sub = nc.subscribe("peermon.alerts.>", {
    callback: (err, m) => {
      if (err) return;
      const a = decodeAlert(m.data);
      const key = `${a.name}/${a.peer}`;
      log.push(`${key} ${a.kind} r=${a.triggeredAt} seq=${m.headers?.get("Nats-Sequence")} t=${a.receivedAt} v=${a.value}`);
      const map = a.kind === "firing" ? firing : resolved;
      map.set(key, (map.get(key) ?? 0) + 1);
    },
  });
  await nc.flush();
  cleanup(t, () => sub.unsubscribe());
  return { firing, resolved, log };
}

async function connectTo(t: Hooks, cluster: LocalCluster): Promise<NatsConnection> {
  const nc = await connect({ servers: cluster.natsUrls, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  cleanup(t, () => nc.close());
  return nc;
}

/** Every reply to one request, gathered for `ms`: a query must get exactly one. */
async function allReplies(nc: NatsConnection, subject: string, ms = 700) {
  const replies = [];
  for await (const m of await nc.requestMany(subject, undefined, { strategy: RequestStrategy.Timer, maxWait: ms })) {
    replies.push(decodeMetricList(m.data));
  }
  return replies;
}

const keysOf = (names: string[], peers: string[]) => names.flatMap((n) => peers.map((p) => `${n}/${p}`));

test("cluster - 2 shards x 2 replicas: queries answered once; SIGKILLed replicas lose no alert and duplicate none, 5 rounds", async (t) => {
  // The rounds silence 10, 20, ... 50 of the 50 peers and count per-peer alerts: disruption mode,
  // which would hold them from round 3 on, is off here (test/integration/disruption.test.ts has it).
  const cluster = await localCluster(t, { graceMs: 1_500, extraServeArgs: ["--disruption-threshold", "0"] });
  const nc = await connectTo(t, cluster);
  const alerts = await countAlerts(t, nc);
  const fleet = startFleet(t, nc);
  await eventually(async () => (await allReplies(nc, "peermon.latest.ping", 300))[0]?.length === 50, "all peers known");

  for (const name of NAMES) {
    const replies = await allReplies(nc, `peermon.latest.${name}`);
    assert.equal(replies.length, 1, `latest ${name} answered once`);
    assert.equal(replies[0]!.length, 50, `latest ${name} lists every peer`);
  }

  const expected: string[] = [];
  for (let round = 0; round < 5; round++) {
    // One replica of each shard dies hard; ten peers go silent at the same moment.
    const victims = cluster.monitors.filter((m) => m.replica === round % 2);
    await Promise.all(victims.map((m) => m.kill("SIGKILL")));
    const silent = PEERS.slice(round * 10, round * 10 + 10);
    for (const p of silent) fleet.silent.add(p);
    expected.push(...keysOf(NAMES, silent));
    await waitUntil(() => expected.every((k) => alerts.firing.has(k)), `round ${round}: every silent (name, peer) alerted`, 20_000);
    await Promise.all(victims.map((m) => m.restart()));
    await quietPeriod(2_000); // past the restarted replicas' grace: their copies must not show up
    for (const k of expected) {
      assert.equal(alerts.firing.get(k), 1, `${k} alerted exactly once:\n${alerts.log.filter((l) => l.startsWith(`${k} `)).join("\n")}`);
    }
    const extra = [...alerts.firing.keys()].filter((k) => !expected.includes(k));
    assert.deepEqual(
      extra,
      [],
      `round ${round}: no alert for a peer that kept publishing:\n${alerts.log
        .filter((l) => extra.some((k) => l.startsWith(`${k} `)))
        .slice(0, 12)
        .join("\n")}`,
    );
  }

  const stats = await statsByInstance(nc);
  assert.equal(stats.length, 4);
  for (const s of stats) {
    const index = Number(s.shard.split("/")[0]);
    const partitions = Object.keys(s.counters.metricsByPartition).map(Number);
    assert.ok(
      partitions.every((p) => p % 2 === index),
      `shard ${s.shard} received only its partitions: ${partitions}`,
    );
  }
  // The replicas restarted last came back when every peer was already silent: they received nothing live.
  for (const shard of ["0/2", "1/2"]) {
    assert.ok(
      stats.some((s) => s.shard === shard && Object.keys(s.counters.metricsByPartition).length > 0),
      `shard ${shard} received metrics`,
    );
  }
});

test("cluster - a whole shard restarted comes back with windows and peerset; peers that died meanwhile alerted once", async (t) => {
  const cluster = await localCluster(t, { graceMs: 1_500, extraServeArgs: ["--checkpoint-interval", "1s"] });
  const nc = await connectTo(t, cluster);
  const pm = new PeerMonitorClient(nc);
  await pm.setPeers(PEERS);
  const alerts = await countAlerts(t, nc);
  const fleet = startFleet(t, nc);
  const shard0Names = NAMES.filter((n) => partitionOf(n, 32) % 2 === 0);
  assert.ok(shard0Names.length > 0);
  await eventually(async () => (await pm.latest(shard0Names[0]!)).length === 50, "shard 0 knows every peer");
  // Both replicas die at once (no sibling to take windows from, no last checkpoint): what comes
  // back is their last checkpoint round, so let one round pass that has every window.
  const rounds = async () => (await statsByInstance(nc)).filter((s) => s.shard === "0/2").reduce((n, s) => n + s.counters.checkpointRounds, 0);
  const before = await rounds();
  await eventually(async () => (await rounds()) >= before + 2, "two checkpoint rounds of shard 0");

  const shard0 = cluster.monitors.filter((m) => m.shard === 0);
  await Promise.all(shard0.map((m) => m.kill("SIGKILL")));
  const dead = PEERS.slice(0, 5);
  for (const p of dead) fleet.silent.add(p);
  await quietPeriod(TTL_MS + 500); // their deadlines pass while shard 0 is entirely down
  await Promise.all(shard0.map((m) => m.restart()));

  const restored = await pm.latestForPeer(shard0Names[0]!, dead[0]!);
  assert.equal(restored.peer, dead[0], "a dead peer's window came back with the shard");
  const stats = (await statsByInstance(nc)).filter((s) => s.shard === "0/2");
  assert.ok(
    stats.every((s) => s.peers === 50),
    "the peerset came back without being re-published",
  );

  const expected = keysOf(NAMES, dead);
  await waitUntil(() => expected.every((k) => alerts.firing.has(k)), "every dead (name, peer) alerted", 20_000);
  await quietPeriod(2_000);
  for (const k of expected) assert.equal(alerts.firing.get(k), 1, `${k} alerted exactly once`);
  assert.equal(alerts.firing.size, expected.length, "no alert for live peers");
});

test("cluster - with one of the 3 NATS servers killed, monitors reconnect and keep alerting correctly", async (t) => {
  const cluster = await localCluster(t, { graceMs: 1_500 });
  const nc = await connectTo(t, cluster);
  const alerts = await countAlerts(t, nc);
  const fleet = startFleet(t, nc);
  const pm = new PeerMonitorClient(nc);
  await eventually(async () => (await pm.latest("ping")).length === 50, "all peers known");

  await cluster.servers[0]!.kill();
  await quietPeriod(3_000); // reconnects, JetStream elects new leaders; the grace passes
  const dead = PEERS.slice(0, 3);
  for (const p of dead) fleet.silent.add(p);
  const expected = keysOf(NAMES, dead);
  await waitUntil(() => expected.every((k) => alerts.firing.has(k)), "every dead (name, peer) alerted", 30_000);
  await quietPeriod(2_000);
  for (const k of expected) assert.equal(alerts.firing.get(k), 1, `${k} alerted exactly once`);
  assert.equal(alerts.firing.size, expected.length, "no false alert from the server's death");
  for (const m of cluster.monitors) {
    assert.equal((await fetch(`http://127.0.0.1:${m.httpPort}/readyz`)).status, 200, `monitor ${m.shardLabel}/${m.replica} ready`);
  }
});

interface InstanceStats {
  shard: string;
  peers: number | null;
  counters: { metricsByPartition: Record<string, number>; checkpointRounds: number };
}

/** `$SRV.STATS.peermon` of every instance. */
async function statsByInstance(nc: NatsConnection): Promise<InstanceStats[]> {
  const out: InstanceStats[] = [];
  const replies = await nc.services.client({ strategy: RequestStrategy.Timer, maxWait: 1_000 }).stats("peermon");
  for await (const s of replies) out.push(s.endpoints![0]!.data as InstanceStats);
  return out;
}
