import { test } from "node:test";
import assert from "node:assert/strict";
import { acceptsClients, freePort } from "../../src/cli/local-nats.js";
import { runCli, spawnCli } from "../helpers/cli.js";
import { AlertCollector, client, natsServer, publishMetric, REPO_NATS_CONF } from "../helpers/nats.js";

test("serve - --local-nats starts a nats-server when none answers, alerts, and stops both on SIGTERM", async (t) => {
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const serve = spawnCli(t, ["serve", "--local-nats", "--nats", url, "--grace", "1s"]);
  await serve.waitForOutput(/peermon monitor serving/, "stderr");
  assert.match(serve.stderr, /started a local nats-server/);
  const nc = await client(t, { url });
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 0 });
  await alerts.waitFor((a) => a.length === 1, "an alert from the CLI's monitor");
  await nc.close();
  const result = await serve.stop("SIGTERM");
  assert.equal(result.code, 0, `exit code 0 after SIGTERM; stderr:\n${result.stderr}`);
  assert.match(result.stderr, /peermon monitor stopped/);
  assert.equal(await acceptsClients(port), false, "the local nats-server is gone");
});

test("serve - uses a running server given by NATS_URL, and SIGINT stops it cleanly", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const serve = spawnCli(t, ["serve", "--log-level", "debug"], { NATS_URL: server.url });
  await serve.waitForOutput(/peermon monitor serving/, "stderr");
  assert.doesNotMatch(serve.stderr, /local nats-server/);
  const result = await serve.stop("SIGINT");
  assert.equal(result.code, 0);
});

test("serve - an unreachable server is an error that says what to do", async (t) => {
  const port = await freePort();
  const result = await runCli(t, ["serve", "--nats", `nats://127.0.0.1:${port}`]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+/);
  assert.match(result.stderr, /check that nats-server runs there \(or pass --nats <url>\)/);
});

for (const [args, env, expected] of [
  [["--window", "0"], {}, /invalid --window \(PEERMON_WINDOW\): 0; use a whole number from 1/],
  [["--grace", "soon"], {}, /invalid --grace: "soon"; write a duration like 500ms, 30s or 5m/],
  [[], { PEERMON_GRACE: "soon" }, /invalid PEERMON_GRACE: "soon"/],
  [["--shard", "2/2"], {}, /invalid --shard \(PEERMON_SHARD\): "2\/2"; the shard index must be 0\.\.1/],
  [["--log-level", "loud"], {}, /argument 'loud' is invalid/],
] as const) {
  test(`serve - bad setting ${[...args, ...Object.entries(env).flat()].join(" ")} gives a clear error and exit code`, async (t) => {
    const result = await runCli(t, ["serve", ...args], env);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, expected);
  });
}

test("serve - --http serves /healthz and /readyz", async (t) => {
  const server = await natsServer(t);
  const serve = spawnCli(t, ["serve", "--nats", server.url, "--http", "127.0.0.1:0"]);
  await serve.waitForOutput(/peermon monitor serving/, "stderr");
  // Port 0: the system assigned one, which the serving line says.
  const port = Number(/"http":"127\.0\.0\.1:(\d+)"/.exec(serve.stderr)?.[1]);
  assert.ok(port > 0, serve.stderr);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { ready: true });
  assert.equal((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);
  assert.equal((await serve.stop()).code, 0);
});
