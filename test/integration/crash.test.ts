/**
 * A lone `peermon serve` SIGKILLed (no last checkpoint, no sibling) and started again, over a real
 * nats-server, with a fleet that keeps publishing through it: what the restart knows, and how fresh
 * its first answers are (docs/durability.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "nats";
import { NOW_HEADER, RESTORED_AGE_HEADER } from "../../src/api/subjects.js";
import { decodeMetricList } from "../../src/api/validate.js";
import { spawnCli, type CliProcess } from "../helpers/cli.js";
import { AlertCollector, cleanup, client, eventually, natsServer, publishMetric, quietPeriod, REPO_NATS_CONF } from "../helpers/nats.js";

type Hooks = Parameters<typeof cleanup>[0];

/** `peermon serve` from the sources, once it serves. */
async function serve(t: Hooks, url: string, args: string[]): Promise<CliProcess> {
  const p = spawnCli(t, ["serve", "--nats", url, "--grace", "1s", "--log-level", "info", ...args], {}, { fromSources: true });
  await p.waitForOutput(/peermon monitor serving/, "stderr", 30_000);
  return p;
}

/** `peers` publishing `name` every `everyMs` with ttl `ttlMs`, the value a counter; `silent` ones stop. */
function fleet(t: Hooks, nc: NatsConnection, peers: string[], name: string, everyMs: number, ttlMs: number) {
  const silent = new Set<string>();
  let round = 0;
  const tick = () => {
    round++;
    for (const p of peers) if (!silent.has(p)) publishMetric(nc, { n: name, p, v: String(round), ttlMs });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  cleanup(t, () => clearInterval(timer));
  return { silent, round: () => round };
}

async function latestRaw(nc: NatsConnection, name: string) {
  const m = await nc.request(`peermon.latest.${name}`, undefined, { timeout: 5_000 });
  const code = m.headers?.get("Nats-Service-Error-Code");
  if (code) throw new Error(`latest ${name}: ${code} ${m.headers?.get("Nats-Service-Error")}`);
  const age = m.headers?.get(RESTORED_AGE_HEADER);
  return { metrics: decodeMetricList(m.data), now: BigInt(m.headers!.get(NOW_HEADER)), restoredAgeNs: age ? BigInt(age) : undefined };
}

test("crash - windows one second old survive a SIGKILL of a lone monitor: the peers that stop while it is down are alerted, a returning one resolved", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  // No checkpoint round before the kill (the first comes 15-30 s after the start): only the journal of new windows can save them.
  const first = await serve(t, server.url, ["--checkpoint-interval", "30s"]);
  const peers = Array.from({ length: 30 }, (_, i) => `peer-${i}`);
  const ping = fleet(t, nc, peers, "ping", 1_000, 3_000);
  await eventually(async () => (await latestRaw(nc, "ping")).metrics.length === peers.length, "the 30 windows");
  await quietPeriod(1_000); // the windows are one second old
  await first.stop("SIGKILL");

  const dead = peers.slice(0, 5);
  for (const p of dead) ping.silent.add(p);
  await quietPeriod(5_000); // down for 5 s: the five pass their deadlines meanwhile
  await serve(t, server.url, ["--checkpoint-interval", "30s"]);
  await alerts.waitFor((a) => dead.every((p) => a.some((x) => x.kind === "firing" && x.peer === p)), "the five that stopped, alerted", 20_000);

  ping.silent.delete(dead[0]!); // one comes back
  await alerts.waitFor((a) => a.some((x) => x.kind === "resolved" && x.peer === dead[0]), "its resolved alert", 10_000);
  await quietPeriod(1_000);
  assert.deepEqual(
    alerts
      .of("firing")
      .map((a) => a.peer)
      .sort(),
    [...dead].sort(),
    "each of the five once; the 25 that kept publishing never",
  );
  assert.deepEqual(
    alerts.of("resolved").map((a) => a.peer),
    [dead[0]],
  );
});

test("crash - freshness after a restart: a restored metric is answered only while valid by its own ttl, with its age in Peermon-Restored-Age, until the peer's next metric", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const intervalMs = 1_000;
  const first = await serve(t, server.url, ["--checkpoint-interval", `${intervalMs}ms`]);
  const peers = Array.from({ length: 20 }, (_, i) => `peer-${i}`);
  // Both names are published through the restart: freespace slowly with a long ttl, ping often with a short one.
  const freespace = fleet(t, nc, peers, "freespace", 2_000, 60_000);
  fleet(t, nc, peers, "ping", 500, 1_500);
  await eventually(async () => (await latestRaw(nc, "freespace")).metrics.length === peers.length, "every freespace window");
  await quietPeriod(2 * intervalMs); // checkpoint rounds carry them
  await first.stop("SIGKILL");
  const killedAt = Date.now();
  await quietPeriod(2_000);
  await serve(t, server.url, ["--checkpoint-interval", `${intervalMs}ms`]);

  const restarted = await latestRaw(nc, "freespace");
  const downNs = BigInt(Date.now() - killedAt) * 1_000_000n;
  assert.equal(restarted.metrics.length, peers.length, "restored metrics valid by their 60 s ttl are answered at once");
  for (const m of restarted.metrics) assert.ok(m.receivedAt + m.ttl! > restarted.now, `${m.peer}: valid at Peermon-Now by its own ttl`);
  if (restarted.restoredAgeNs !== undefined) {
    // At least the downtime (nothing newer can be restored), at most the downtime, a checkpoint interval and a round.
    assert.ok(restarted.restoredAgeNs >= 2_000_000_000n, `restored ${restarted.restoredAgeNs} ns ago: at least the 2 s downtime`);
    assert.ok(
      restarted.restoredAgeNs <= downNs + BigInt(intervalMs + 2_000) * 1_000_000n,
      `restored ${restarted.restoredAgeNs} ns ago: at most downtime + interval + a round`,
    );
  } else {
    assert.ok(
      restarted.metrics.every((m) => Number(m.value) >= freespace.round() - 1),
      "no header: every value is live already",
    );
  }

  const ping = await latestRaw(nc, "ping");
  for (const m of ping.metrics) assert.ok(m.receivedAt + m.ttl! > ping.now, `ping ${m.peer}: never past its 1.5 s ttl, restored or not`);

  // The peers' next metrics replace what was restored: the header goes, the values are current.
  await eventually(async () => {
    const r = await latestRaw(nc, "freespace");
    return r.restoredAgeNs === undefined && r.metrics.length === peers.length && r.metrics.every((m) => Number(m.value) >= freespace.round() - 1);
  }, "live values only, without the header, within a publish period");
});
