/**
 * Failover on the local cluster of deploy/local (3 clustered nats-servers, 2 shards x 2 replicas,
 * streams with 3 replicas), with 50 peers x 5 names publishing every 300 ms (ttl 1.5 s):
 * 1. one replica of each shard is SIGKILLed while 10 peers go silent: delay of their alerts past
 *    the deadline (the surviving replicas decide alone), and `latest` queries sent meanwhile;
 * 2. one NATS server is SIGKILLed while 10 more peers go silent: time until every monitor answers
 *    `$SRV.PING` again, and the delay of those alerts.
 * Each alert's delay is its arrival minus its deadline, from its own fields (t + l, same clock).
 */
import { connect, RequestStrategy, type NatsConnection } from "nats";
import { encode } from "../../src/api/codec.js";
import { decodeAlert } from "../../src/api/validate.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { startLocalCluster } from "../../deploy/local/cluster.js";
import { delay, fmtInt, percentile, pollUntil, round, type BenchOptions, type ScenarioResult } from "./common.js";

const NAMES = ["ping", "freespace", "numpin", "pinqueue", "reposize"];
const PEERS = Array.from({ length: 50 }, (_, i) => `peer-${i}`);
const TTL_MS = 1_500;
const TTL_NS = BigInt(TTL_MS) * 1_000_000n;

interface Phase {
  lags: number[];
  alerts: number;
  expected: number;
}

export async function run(_o: BenchOptions): Promise<ScenarioResult> {
  const cluster = await startLocalCluster({ graceMs: 2_000 });
  const nc = await connect({ servers: cluster.natsUrls, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  try {
    const silent = new Set<string>();
    const fleet = setInterval(() => publishAll(nc, silent), TTL_MS / 5);
    try {
      const lagsByKey = new Map<string, number[]>();
      const sub = nc.subscribe("peermon.alerts.>", {
        callback: (_, m) => {
          const a = decodeAlert(m.data);
          if (a.kind !== "firing") return;
          const deadlineMs = Number((a.receivedAt + (a.ttl ?? TTL_NS)) / 1_000_000n);
          const key = `${a.name}/${a.peer}`;
          lagsByKey.set(key, [...(lagsByKey.get(key) ?? []), Date.now() - deadlineMs]);
        },
      });
      await pollUntil(async () => (await monitorsAnswering(nc)) === 4, "4 monitors", 30_000);
      await delay(1_000);

      // 1. A replica of each shard dies while peers go silent; queries keep coming.
      const victims = cluster.monitors.filter((m) => m.replica === 0);
      const queries = queryLoop(nc, 3_000);
      await Promise.all(victims.map((m) => m.kill("SIGKILL")));
      const replicaPhase = await silence(PEERS.slice(0, 10), silent, lagsByKey);
      const q = await queries;
      await Promise.all(victims.map((m) => m.restart()));

      // 2. A NATS server dies while more peers go silent.
      const killedAt = Date.now();
      await cluster.servers[0]!.kill();
      const silencing = silence(PEERS.slice(10, 20), silent, lagsByKey);
      await pollUntil(async () => (await monitorsAnswering(nc)) === 4, "every monitor back", 30_000, 50);
      const reconnectMs = Date.now() - killedAt;
      const serverPhase = await silencing;
      sub.unsubscribe();
      return summarize(replicaPhase, serverPhase, q, reconnectMs);
    } finally {
      clearInterval(fleet);
    }
  } finally {
    await nc.close();
    await cluster.stop();
  }
}

function publishAll(nc: NatsConnection, silent: Set<string>): void {
  for (const p of PEERS) {
    if (silent.has(p)) continue;
    for (const n of NAMES) nc.publish(`peermon.metrics.${n}.${p}`, encode({ n, p, v: "1", d: true, l: TTL_NS }));
  }
}

/** Silences `peers` and waits for one firing alert per (name, peer), or 20 s. */
async function silence(peers: string[], silent: Set<string>, lags: Map<string, number[]>): Promise<Phase> {
  for (const p of peers) silent.add(p);
  const keys = NAMES.flatMap((n) => peers.map((p) => `${n}/${p}`));
  await pollUntil(() => keys.every((k) => lags.has(k)), "alerts of the silenced peers", 20_000, 20).catch(() => undefined);
  await delay(2_500); // a late duplicate would show up by now
  const all = keys.flatMap((k) => lags.get(k) ?? []);
  return { lags: keys.map((k) => lags.get(k)?.[0]).filter((x): x is number => x !== undefined), alerts: all.length, expected: keys.length };
}

/** `latest` every 20 ms for `ms`: answered, failed, slowest. */
async function queryLoop(nc: NatsConnection, ms: number) {
  const client = new PeerMonitorClient(nc, { timeoutMs: 2_000 });
  const end = Date.now() + ms;
  let ok = 0;
  let failed = 0;
  let slowest = 0;
  while (Date.now() < end) {
    const t = performance.now();
    try {
      await client.latest("ping");
      ok++;
    } catch {
      failed++;
    }
    slowest = Math.max(slowest, performance.now() - t);
    await delay(20);
  }
  return { ok, failed, slowest };
}

async function monitorsAnswering(nc: NatsConnection): Promise<number> {
  let n = 0;
  const replies = await nc.services.client({ strategy: RequestStrategy.Timer, maxWait: 300 }).ping("peermon");
  for await (const _ of replies) n++;
  return n;
}

function summarize(replica: Phase, server: Phase, q: { ok: number; failed: number; slowest: number }, reconnectMs: number): ScenarioResult {
  const stats = (p: Phase) => {
    const s = [...p.lags].sort((a, b) => a - b);
    return { p50: round(percentile(s, 50), 1), max: round(s[s.length - 1] ?? NaN, 1) };
  };
  const a = stats(replica);
  const b = stats(server);
  return {
    rows: [
      {
        figure: "failover: replica SIGKILLed, alerts past deadline p50 / max",
        value: `${a.p50} / ${a.max} ms (${replica.alerts} alerts / ${replica.expected} expected)`,
        target: "exactly once",
        met: replica.alerts === replica.expected,
      },
      {
        figure: "failover: latest queries (SDK, 2 s timeout, 1 retry) while a replica dies: ok / failed, slowest",
        value: `${fmtInt(q.ok)} / ${q.failed}, ${round(q.slowest, 1)} ms`,
      },
      { figure: "failover: NATS server SIGKILLed, all monitors answering again after", value: `${fmtInt(reconnectMs)} ms` },
      {
        figure: "failover: NATS server SIGKILLed, alerts past deadline p50 / max",
        value: `${b.p50} / ${b.max} ms (${server.alerts} alerts / ${server.expected} expected)`,
        target: "exactly once",
        met: server.alerts === server.expected,
      },
    ],
    json: {
      failover_replica_alert_p50_ms: a.p50,
      failover_replica_alert_max_ms: a.max,
      failover_replica_alerts: replica.alerts,
      failover_queries_failed: q.failed,
      failover_query_slowest_ms: round(q.slowest, 1),
      failover_nats_reconnect_ms: reconnectMs,
      failover_nats_alert_p50_ms: b.p50,
      failover_nats_alert_max_ms: b.max,
      failover_nats_alerts: server.alerts,
    },
  };
}
