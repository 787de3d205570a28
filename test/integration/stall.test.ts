import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AlertCollector, cleanup, client, natsServer, publishMetric, startMonitor, waitUntil } from "../helpers/nats.js";

const PUBLISHER = fileURLToPath(new URL("../helpers/publisher-main.ts", import.meta.url));
const TTL_MS = 1_000;

/**
 * A monitor with `graceMs` (stalls noticed past 500 ms), 50 peers publishing every ttl / 4 from
 * another process (which keeps running while this one stalls), and a peer "dead" that sent one metric.
 */
async function fleetWithADeadPeer(t: Parameters<typeof natsServer>[0], graceMs: number) {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { graceMs, stallThresholdMs: 500 });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const fleet = spawn(process.execPath, ["--import", "tsx", PUBLISHER, server.url, "50", String(TTL_MS / 4), String(TTL_MS)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanup(t, () => fleet.kill("SIGKILL"));
  let out = "";
  fleet.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  await waitUntil(() => out.includes("publishing"), "the fleet publishing");
  publishMetric(nc, { n: "ping", p: "dead", ttlMs: TTL_MS });
  await waitUntil(() => monitor.supervisor.windowCount === 51, "51 windows");
  return { server, monitor, nc, alerts };
}

/** Blocks this process for `ms`. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* stalled */
  }
}

test("event-loop stall - no false alert for peers that kept publishing; a dead peer is still alerted", async (t) => {
  const { monitor, alerts } = await fleetWithADeadPeer(t, 1_000);
  // Block this process (a long GC pause, a CPU-bound bug) for 3 ttls.
  stall(3 * TTL_MS);
  await alerts.waitFor((a) => a.some((x) => x.peer === "dead"), "the dead peer's alert after the grace", 10_000);
  await waitUntil(() => monitor.stats.metricsStored > 51 * 5, "the fleet keeps being received");
  assert.deepEqual(
    alerts.of("firing").map((a) => a.peer),
    ["dead"],
    "only the peer that really stopped is alerted",
  );
  assert.ok(monitor.stats.stalls >= 1, "the stall was noticed");
});

test("event-loop stall - a stall with the connection up is not an outage: the dead peer is alerted once what arrived meanwhile is read, not after the grace", async (t) => {
  // A grace far longer than the test: an alert held by it would never come.
  const { monitor, alerts } = await fleetWithADeadPeer(t, 60_000);
  // A garbage collection of a large heap, as long as 3 ttls: every deadline passes meanwhile.
  stall(3 * TTL_MS);
  const resumed = Date.now();
  await alerts.waitFor((a) => a.some((x) => x.peer === "dead"), "the dead peer's alert", 10_000);
  const lagMs = Date.now() - resumed;
  assert.ok(lagMs < 5_000, `alerted ${lagMs} ms after the stall: a round trip, not the 60 s grace`);
  assert.deepEqual(
    alerts.of("firing").map((a) => a.peer),
    ["dead"],
    "the peers that kept publishing were read before the round trip came back",
  );
  assert.ok(monitor.stats.stalls >= 1, "the stall was noticed");
  assert.equal(monitor.stats.outages, 0, "a stall with the connection up is not an outage (the probe does not count it)");
  assert.equal(monitor.stats.convictionsDeferred, 0, "nothing waited for a grace");
});

const FLOOD = fileURLToPath(new URL("../helpers/flood-main.ts", import.meta.url));

test("flood - a busy link is not a dead one: peers that die under a flood are alerted after the backlog, not the grace; no outage", async (t) => {
  const server = await natsServer(t);
  // A grace far longer than the backlog's delay: an alert held by it would come too late for the test.
  const monitor = await startMonitor(t, server, { graceMs: 60_000, probeTimeoutMs: 1_000, stallThresholdMs: 5_000 });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const ttlMs = 2_000;
  const dying = Array.from({ length: 10 }, (_, i) => `dies-${i}`);
  for (const p of dying) publishMetric(nc, { n: "ping", p, ttlMs });
  await waitUntil(() => monitor.supervisor.windowCount === dying.length, "the dying peers' windows");
  const deadline = Date.now() + ttlMs;

  // 20k peers x 5 names flooded from another process for 8 s while the ten go silent.
  const flood = spawn(process.execPath, ["--import", "tsx", FLOOD, server.url, "20000", "5", "8"], { stdio: ["ignore", "pipe", "inherit"] });
  cleanup(t, () => flood.kill("SIGKILL"));
  let out = "";
  flood.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  await alerts.waitFor((a) => a.length === dying.length, "every dying peer alerted", 40_000);
  const lateMs = Date.now() - deadline;
  await waitUntil(() => out.includes("flooded"), "the flood's end", 30_000);
  t.diagnostic(`last alert ${lateMs} ms after the deadline; ${monitor.stats.metricsStored} metrics stored; ${out.trim().split("\n").pop()}`);
  assert.deepEqual(
    alerts
      .of("firing")
      .map((a) => a.peer)
      .sort(),
    [...dying].sort(),
    "each once, no flooded peer",
  );
  assert.equal(monitor.stats.outages, 0, "a busy link was never taken for a dead one");
  assert.ok(lateMs < 30_000, `alerted ${lateMs} ms after the deadline: the backlog's delay, never the 60 s grace`);
  assert.ok(monitor.stats.metricsStored > 100_000, `the flood was received (${monitor.stats.metricsStored})`);
});
