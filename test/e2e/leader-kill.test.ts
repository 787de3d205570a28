/**
 * Exactly once through a NATS server's death: the server that leads the alert log is SIGKILLed
 * while the monitors' appends of a burst of firing alerts are in flight (right after the first
 * alert of the burst reached a consumer). Every (name, peer) must be logged exactly once and reach
 * a consumer as exactly one alert, whatever the retries after lost acknowledgements, the new
 * leader's election and the replicas racing each other do. (Before: the stream's own republish
 * sent an alert twice, same sequence, when the new leader applied what the old one had stored, or
 * never, when the republish died with its server.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "nats";
import { decodeAlert } from "../../src/api/validate.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { localCluster } from "../helpers/local-cluster.js";
import { cleanup, eventually, publishMetric, quietPeriod, waitUntil } from "../helpers/nats.js";

const NAMES = ["ping", "freespace", "numpin", "pinqueue", "reposize"];
const PEERS = Array.from({ length: 50 }, (_, i) => `peer-${i}`);
const DYING = PEERS.slice(0, 20);
const TTL_MS = 1_500;

type Hooks = Parameters<typeof cleanup>[0];

async function connectTo(t: Hooks, servers: string[]): Promise<NatsConnection> {
  const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  cleanup(t, () => nc.close());
  return nc;
}

/** The name of the server that leads `stream` now. */
async function leaderOf(nc: NatsConnection, stream: string): Promise<string> {
  const info = await (await nc.jetstreamManager()).streams.info(stream);
  const leader = info.cluster?.leader;
  if (!leader) throw new Error(`${stream} has no leader`);
  return leader;
}

/** What the alert log holds last for each `name/peer`: its kind and sequence. */
async function inLog(nc: NatsConnection, keys: string[]): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  return Promise.all(
    keys.map(async (k) => {
      try {
        const m = await jsm.streams.getMessage("PEERMON_ALERTS", { last_by_subj: `peermon.alertlog.${k.replace("/", ".")}` });
        return `${k}: logged ${decodeAlert(m.data).kind} at seq ${m.seq}`;
      } catch (err) {
        return `${k}: ${(err as Error).message}`;
      }
    }),
  );
}

test("exactly once - the alert log's leader SIGKILLed while a burst of firing appends is in flight: each (name, peer) alerted once", async (t) => {
  const cluster = await localCluster(t, { graceMs: 1_500, extraServeArgs: ["--disruption-threshold", "0"] });
  const leader = await leaderOf(await connectTo(t, cluster.natsUrls), "PEERMON_ALERTS");
  const victim = cluster.servers.find((s) => s.name === leader);
  assert.ok(victim, `the leader ${leader} is one of the cluster's servers`);
  // The fleet and the alert subscriber stay on servers that live: what they see is what consumers see.
  const nc = await connectTo(
    t,
    cluster.servers.filter((s) => s !== victim).map((s) => s.url),
  );
  const pm = new PeerMonitorClient(nc);
  const silent = new Set<string>();
  const tick = () => {
    for (const p of PEERS) if (!silent.has(p)) for (const n of NAMES) publishMetric(nc, { n, p, ttlMs: TTL_MS });
  };
  tick();
  const timer = setInterval(tick, TTL_MS / 5);
  cleanup(t, () => clearInterval(timer));
  await eventually(async () => (await pm.latest("ping")).length === PEERS.length, "all peers known");

  assert.equal(await leaderOf(nc, "PEERMON_ALERTS"), leader, "the alert log's leader stayed put");

  const firing = new Map<string, string[]>();
  let killed: Promise<void> | undefined;
  const sub = nc.subscribe("peermon.alerts.>", {
    callback: (err, m) => {
      if (err) return;
      const a = decodeAlert(m.data);
      if (a.kind !== "firing") return;
      const key = `${a.name}/${a.peer}`;
      firing.set(key, [...(firing.get(key) ?? []), `seq=${m.headers?.get("Nats-Sequence")} i=${a.id}`]);
      // The first alert of the burst is out: the others are being appended now.
      killed ??= victim!.kill();
    },
  });
  cleanup(t, () => sub.unsubscribe());
  // What a consumer gets through the SDK.
  const received = new Map<string, number>();
  const stream = pm.alerts();
  cleanup(t, () => stream.stop());
  await stream.ready;
  void (async () => {
    for await (const a of stream) if (a.kind === "firing") received.set(`${a.name}/${a.peer}`, (received.get(`${a.name}/${a.peer}`) ?? 0) + 1);
  })();
  for (const p of DYING) silent.add(p);

  const expected = NAMES.flatMap((n) => DYING.map((p) => `${n}/${p}`));
  await waitUntil(() => expected.every((k) => firing.has(k)), "every dying (name, peer) alerted", 60_000).catch(async (err) => {
    const missing = expected.filter((k) => !firing.has(k));
    throw new Error(`${(err as Error).message}; missing ${missing.length}: ${(await inLog(nc, missing.slice(0, 5))).join("; ")}`);
  });
  await killed;
  await quietPeriod(3_000); // retries and the elections settle: a second copy would show now

  const logged = await loggedPerSubject(nc);
  assert.deepEqual(
    expected.filter((k) => logged.get(`peermon.alertlog.${k.replace("/", ".")}`) !== 1),
    [],
    "the alert log holds one firing alert per (name, peer)",
  );
  const twoAlerts = [...firing].filter(([, copies]) => new Set(copies).size > 1);
  assert.deepEqual(
    twoAlerts.map(([k, copies]) => `${k}: ${copies.join(" | ")}`),
    [],
    "never two different alerts (or two sequences) for one (name, peer)",
  );
  assert.deepEqual(
    expected.filter((k) => received.get(k) !== 1),
    [],
    "a consumer gets each exactly once",
  );
  const extra = [...firing.keys()].filter((k) => !expected.includes(k));
  assert.deepEqual(extra, [], "no alert for a peer that kept publishing");
  const resent = [...firing.values()].filter((copies) => copies.length > 1).length;
  t.diagnostic(`copies published again after their monitor lost its own server: ${resent} (same id and sequence)`);
});

/** Firing alerts per alert log subject (asked until the stream has a leader again: its election may take 10 s). */
async function loggedPerSubject(nc: NatsConnection): Promise<Map<string, number>> {
  const jsm = await nc.jetstreamManager();
  let subjects: Record<string, number> | undefined;
  await eventually(
    async () => {
      subjects = (await jsm.streams.info("PEERMON_ALERTS", { subjects_filter: "peermon.alertlog.>" })).state.subjects ?? {};
      return true;
    },
    "the alert log's state",
    30_000,
  );
  return new Map(Object.entries(subjects!));
}
