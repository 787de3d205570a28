/**
 * `peermon alerts --from-stream` and `--since`: what fired while nobody
 * watched, from the command line, then live.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli, spawnCli } from "../helpers/cli.js";
import { client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

function kindsAndPeers(stdout: string): string[] {
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; peer: string })
    .map((a) => `${a.kind} ${a.peer}`);
}

test("cli alerts - --from-stream prints what the alert log keeps, then follows live", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 0 });
  publishMetric(nc, { n: "disk", p: "P2", ttlMs: 0 });
  await waitUntil(() => monitor.stats.alertsFiring === 2, "two alerts logged while nobody follows");

  const all = spawnCli(t, ["alerts", "--from-stream", "--json"], { NATS_URL: server.url });
  const ping = spawnCli(t, ["alerts", "--from-stream", "--name", "ping"], { NATS_URL: server.url });
  await all.waitForOutput(/following the alert log from its start, then live/, "stderr");
  await waitUntil(() => kindsAndPeers(all.stdout).length === 2, "the two logged alerts");
  await ping.waitForOutput(/FIRING +P1 \| ping/);
  publishMetric(nc, { n: "ping", p: "P3", ttlMs: 0 });
  await all.waitForOutput(/"peer":"P3"/);
  await ping.waitForOutput(/FIRING +P3 \| ping/);

  assert.deepEqual(kindsAndPeers(all.stdout).sort(), ["firing P1", "firing P2", "firing P3"]);
  assert.doesNotMatch(ping.stdout, /disk/);
  assert.equal((await all.stop("SIGINT")).code, 0);
  assert.equal((await ping.stop("SIGTERM")).code, 0);
});

test("cli alerts - --since starts at that time (a time, or how far back)", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "earlier", ttlMs: 0 });
  await waitUntil(() => monitor.stats.alertsFiring === 1, "the earlier alert logged");
  const logged = Date.now();
  await waitUntil(() => Date.now() > logged, "the clock past the earlier alert's millisecond");
  const mark = new Date();
  publishMetric(nc, { n: "ping", p: "later", ttlMs: 0 });
  await waitUntil(() => monitor.stats.alertsFiring === 2, "the later alert logged");

  const since = spawnCli(t, ["alerts", "--since", mark.toISOString(), "--json"], { NATS_URL: server.url });
  const back = spawnCli(t, ["alerts", "--since", "1h", "--json"], { NATS_URL: server.url });
  await since.waitForOutput(new RegExp(`following the alert log from ${mark.toISOString().replace(/\./g, "\\.")}`), "stderr");
  await since.waitForOutput(/"peer":"later"/);
  await back.waitForOutput(/"peer":"later"/);
  assert.deepEqual(kindsAndPeers(since.stdout), ["firing later"], "nothing from before --since");
  assert.deepEqual(kindsAndPeers(back.stdout), ["firing earlier", "firing later"]);
  await since.stop();
  await back.stop();
});

test("cli alerts - --since that is neither a duration nor a time, or no alert log, fails saying what to do", async (t) => {
  const server = await natsServer(t, { jetstream: false });
  const env = { NATS_URL: server.url };
  const [bad, noLog] = await Promise.all([runCli(t, ["alerts", "--since", "yesterday"], env), runCli(t, ["alerts", "--from-stream"], env)]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^peermon: invalid --since: "yesterday"; write how far back, like 2h or 30m, or a time like/);
  assert.equal(noLog.code, 1);
  assert.match(noLog.stderr, /^peermon: no alert log to read \(stream PEERMON_ALERTS\): it exists once a monitor ran with JetStream/);
});
