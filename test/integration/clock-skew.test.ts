/**
 * Peers whose clock disagrees with the monitor's (issue 21, point 1), on a real nats-server: two
 * IPFS Cluster-style peers sending only `e`, one an hour behind and one an hour ahead, every
 * 0.5 s. No alert storm; what arrived expired is counted; each peer's offset is shown by
 * `peermon status` (and --json), the page and a Prometheus gauge.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../helpers/cli.js";
import { AlertCollector, cleanup, client, natsServer, publishMetric, quietPeriod, startMonitor, waitUntil } from "../helpers/nats.js";

const HOUR = 3_600_000;
const fromSources = { fromSources: true };
const nsAt = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;

test("clocks - an hour behind and an hour ahead: no alert storm, counted, and the offsets in status, the page and /metrics", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { http: { host: "127.0.0.1", port: 0 } });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const tick = () => {
    // A ttl of 1 s sent every 0.5 s: IPFS Cluster's rhythm (every ttl / 2), from which the ttl is guessed.
    publishMetric(nc, { n: "ping", p: "Pbehind", e: nsAt(Date.now() - HOUR + 1_000) });
    publishMetric(nc, { n: "ping", p: "Pahead", e: nsAt(Date.now() + HOUR + 1_000) });
  };
  tick();
  const timer = setInterval(tick, 500);
  cleanup(t, () => clearInterval(timer));
  await waitUntil(() => monitor.stats.metricsExpiredOnArrival >= 12, "6 s of metrics an hour behind");
  await quietPeriod(500);
  assert.deepEqual(alerts.alerts, [], "no firing and resolved alert per metric");

  const status = await runCli(t, ["status", "--nats", server.url], {}, 30_000, fromSources);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /clocks: 2 peers' clocks are off by 5s or more: .*Pbehind 1h behind \(\d+ metrics arrived expired: ignored\)/);
  assert.match(status.stdout, /clocks: .*Pahead 1h ahead/);
  const json = await runCli(t, ["status", "--json", "--nats", server.url], {}, 30_000, fromSources);
  const clocks = JSON.parse(json.stdout)[0].clocks;
  assert.equal(clocks.count, 2);
  const offsets = Object.fromEntries(clocks.peers.map((p: { peer: string; offsetMs: number }) => [p.peer, p.offsetMs]));
  assert.ok(Math.abs(offsets.Pbehind + HOUR) < 2_000, `Pbehind ${offsets.Pbehind}`);
  assert.ok(Math.abs(offsets.Pahead - HOUR) < 2_000, `Pahead ${offsets.Pahead}`);

  const base = `http://127.0.0.1:${monitor.httpPort}`;
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(metrics, /peermon_peer_clock_offset_seconds\{peer="Pbehind"\} -3\d{3}/);
  assert.match(metrics, /peermon_peer_clock_offset_seconds\{peer="Pahead"\} 3\d{3}/);
  assert.match(metrics, /peermon_metrics_expired_on_arrival_total \d+/);
  const page = await (await fetch(`${base}/`)).text();
  assert.match(page, /<section id="clocks"[^>]*>.*Pbehind.*60m behind/s);
  assert.match(page, /<section id="clocks"[^>]*>.*Pahead.*60m ahead/s);

  const peer = await runCli(t, ["peer", "ping", "Pbehind", "--nats", server.url], {}, 30_000, fromSources);
  assert.equal(peer.code, 0, peer.stderr);
  assert.match(peer.stdout, /Pbehind \| ping: .*Expired (59m5\d|1h)/, "its newest metric, an hour expired");
  const latest = await runCli(t, ["latest", "ping", "--json", "--nats", server.url], {}, 30_000, fromSources);
  assert.deepEqual(
    JSON.parse(latest.stdout).map((m: { peer: string }) => m.peer),
    ["Pahead"],
  );
});
