/**
 * Every following command exits within a second of the first SIGINT or SIGTERM, whatever its
 * connection is doing (issue 21, point 2). Regression: during a NATS outage `alerts` and
 * `publish --every` ignored SIGINT (10.8 s of outage, then 8.6 s after NATS came back), and with
 * NATS up `publish --every` took 2 s to exit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnCli, type CliProcess } from "../helpers/cli.js";
import { natsServer, REPO_NATS_CONF, startMonitor } from "../helpers/nats.js";
import { acceptsClients, freePort } from "../../src/cli/local-nats.js";

const BUDGET_MS = 1_000;

/** Sends `signal` and resolves with how long the process took to exit, and its exit code. */
async function stopTimed(proc: CliProcess, signal: NodeJS.Signals): Promise<{ ms: number; code: number | null }> {
  const started = performance.now();
  // Killed after 5 s: a command that ignores the signal fails the test instead of hanging it.
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), 5_000);
  const result = await proc.stop(signal);
  clearTimeout(timer);
  return { ms: performance.now() - started, code: result.code };
}

const FOLLOWERS: [what: string, args: string[], ready: RegExp][] = [
  ["alerts", ["alerts"], /following alerts/],
  ["alerts --since", ["alerts", "--since", "1h"], /following the alert log/],
  ["suspects", ["suspects"], /following suspicion/],
  ["publish --every", ["publish", "ping", "--peer", "P1", "--every", "1s", "--ttl", "5s"], /published P1/],
];

for (const [what, args, ready] of FOLLOWERS) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`signals - ${what} exits within 1 s of ${signal}, with NATS up and during an outage`, async (t) => {
      const server = await natsServer(t, { configFile: REPO_NATS_CONF });
      await startMonitor(t, server);
      const up = spawnCli(t, args, { NATS_URL: server.url });
      await up.waitForOutput(ready, what.startsWith("publish") ? "stdout" : "stderr");
      const whileUp = await stopTimed(up, signal);
      assert.equal(whileUp.code, 0, up.stderr);
      assert.ok(whileUp.ms < BUDGET_MS, `NATS up: exited ${whileUp.ms.toFixed(0)} ms after ${signal}`);

      const down = spawnCli(t, args, { NATS_URL: server.url });
      await down.waitForOutput(ready, what.startsWith("publish") ? "stdout" : "stderr");
      await server.kill();
      await down.waitForOutput(/lost the NATS connection/, "stderr");
      const whileDown = await stopTimed(down, signal);
      assert.equal(whileDown.code, 0, down.stderr);
      assert.ok(whileDown.ms < BUDGET_MS, `NATS down: exited ${whileDown.ms.toFixed(0)} ms after ${signal}; stderr:\n${down.stderr}`);
    });
  }
}

test("signals - serve exits within 1 s of SIGINT with NATS up, and during a NATS outage (regression: 2.5 s)", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const up = spawnCli(t, ["serve"], { NATS_URL: server.url });
  await up.waitForOutput(/peermon monitor serving/, "stderr");
  const whileUp = await stopTimed(up, "SIGINT");
  assert.equal(whileUp.code, 0, up.stderr);
  assert.ok(whileUp.ms < BUDGET_MS, `NATS up: exited ${whileUp.ms.toFixed(0)} ms after SIGINT`);

  const down = spawnCli(t, ["serve"], { NATS_URL: server.url });
  await down.waitForOutput(/peermon monitor serving/, "stderr");
  await server.kill();
  await down.waitForOutput(/connection to NATS impaired/, "stderr");
  const whileDown = await stopTimed(down, "SIGINT");
  t.diagnostic(`serve exited ${whileUp.ms.toFixed(0)} ms after SIGINT with NATS up, ${whileDown.ms.toFixed(0)} ms during the outage`);
  assert.equal(whileDown.code, 0, down.stderr);
  assert.ok(whileDown.ms < BUDGET_MS, `NATS down: exited ${whileDown.ms.toFixed(0)} ms after SIGINT`);
  assert.match(down.stderr, /stopped while cut off from NATS/);
});

test("signals - serve --local-nats (npm start) stops itself and its nats-server within 1 s of SIGTERM", async (t) => {
  const port = await freePort();
  const serve = spawnCli(t, ["serve", "--local-nats", "--nats", `nats://127.0.0.1:${port}`]);
  await serve.waitForOutput(/peermon monitor serving/, "stderr", 30_000);
  const { ms, code } = await stopTimed(serve, "SIGTERM");
  assert.equal(code, 0, serve.stderr);
  assert.ok(ms < BUDGET_MS, `exited ${ms.toFixed(0)} ms after SIGTERM`);
  assert.equal(await acceptsClients(port), false, "its nats-server stopped too");
});

test("signals - serve --local-nats stopped while it starts leaves no nats-server behind", async (t) => {
  const port = await freePort();
  const serve = spawnCli(t, ["serve", "--local-nats", "--nats", `nats://127.0.0.1:${port}`]);
  await serve.waitForOutput(/started a local nats-server/, "stderr", 30_000);
  const { ms, code } = await stopTimed(serve, "SIGINT");
  assert.equal(code, 0, serve.stderr);
  assert.ok(ms < BUDGET_MS, `exited ${ms.toFixed(0)} ms after SIGINT`);
  assert.equal(await acceptsClients(port), false, "its nats-server stopped too");
});
