/**
 * Following commands outlive a nats-server restart: they reconnect by
 * themselves, say so on stderr, and carry on. Regression: `publish --every` used to exit with
 * `peermon: DISCONNECT`, so every peer using it as its heartbeat was alerted after the grace.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Metric } from "../../src/api/types.js";
import { decodeMetric } from "../../src/api/validate.js";
import { spawnCli } from "../helpers/cli.js";
import { client, natsServer, publishMetric, quietPeriod, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

/** The server goes away for `downMs` (as a crash would) and comes back on the same port and store. */
async function restart(server: Awaited<ReturnType<typeof natsServer>>, downMs = 1_000): Promise<void> {
  await server.kill();
  await quietPeriod(downMs);
  await server.restart();
}

test("reconnect - publish --every survives a nats-server restart: says so on stderr and keeps publishing", async (t) => {
  const server = await natsServer(t);
  const watcher = await client(t, server);
  const received: Metric[] = [];
  watcher.subscribe("peermon.metrics.ping.P1", { callback: (err, m) => err || received.push(decodeMetric(m.data)) });
  await watcher.flush();
  const proc = spawnCli(t, ["publish", "ping", "--peer", "P1", "--every", "200ms", "--ttl", "5s", "--json"], { NATS_URL: server.url });
  await waitUntil(() => received.length >= 3, "three heartbeats before the restart");

  await restart(server);
  await proc.waitForOutput(/lost the NATS connection to .*; reconnecting until it is back; publishing paused/, "stderr");
  await proc.waitForOutput(/reconnected to NATS at .*; publishing again/, "stderr", 20_000);
  const before = received.length;
  await waitUntil(() => received.length >= before + 3, "three heartbeats after the restart", 20_000);
  assert.ok(proc.running, "still running");

  const result = await proc.stop("SIGTERM");
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /DISCONNECT|Error/);
  const printed = result.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { valid: boolean });
  assert.ok(
    printed.every((m) => m.valid),
    "each printed line is a confirmed publish",
  );
});

test("reconnect - alerts keeps following across a nats-server restart and says when it is back", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server, { graceMs: 500 });
  const proc = spawnCli(t, ["alerts", "--name", "ping"], { NATS_URL: server.url });
  await proc.waitForOutput(/following alerts/, "stderr");
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "before", ttlMs: 0 });
  await proc.waitForOutput(/FIRING +before \| ping/);

  await restart(server);
  await proc.waitForOutput(/reconnected to NATS at /, "stderr", 20_000);
  await waitUntil(() => !monitor.health.impaired, "the monitor reconnected", 20_000);
  publishMetric(nc, { n: "ping", p: "after", ttlMs: 0 });
  await proc.waitForOutput(/FIRING +after \| ping/, "stdout", 20_000);
  assert.match(proc.stderr, /lost the NATS connection to .*; reconnecting until it is back/);
  assert.equal((await proc.stop("SIGINT")).code, 0);
});
