import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AlertCollector, cleanup, client, natsServer, publishMetric, startMonitor, waitUntil } from "../helpers/nats.js";

const PUBLISHER = fileURLToPath(new URL("../helpers/publisher-main.ts", import.meta.url));

test("event-loop stall - no false alert for peers that kept publishing; a dead peer is still alerted", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { graceMs: 1_000, stallThresholdMs: 500 });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const ttlMs = 1_000;

  // 50 peers publish from another process, which keeps running while this one stalls.
  const fleet = spawn(process.execPath, ["--import", "tsx", PUBLISHER, server.url, "50", String(ttlMs / 4), String(ttlMs)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanup(t, () => fleet.kill("SIGKILL"));
  let out = "";
  fleet.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  await waitUntil(() => out.includes("publishing"), "the fleet publishing");
  publishMetric(nc, { n: "ping", p: "dead", ttlMs });
  await waitUntil(() => monitor.supervisor.windowCount === 51, "51 windows");

  // Block this process (a long GC pause, a CPU-bound bug) for 3 ttls.
  const until = Date.now() + 3 * ttlMs;
  while (Date.now() < until) {
    /* stalled */
  }
  await alerts.waitFor((a) => a.some((x) => x.peer === "dead"), "the dead peer's alert after the grace", 10_000);
  await waitUntil(() => monitor.stats.metricsStored > 51 * 5, "the fleet keeps being received");
  assert.deepEqual(
    alerts.of("firing").map((a) => a.peer),
    ["dead"],
    "only the peer that really stopped is alerted",
  );
  assert.ok(monitor.stats.stalls >= 1, "the stall was noticed");
});
