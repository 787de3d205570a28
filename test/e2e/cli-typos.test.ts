/**
 * Typos do not pass silently: an unknown metric name is told apart from one
 * whose metrics all expired, an unknown config file key is refused naming the closest valid one,
 * and a valid metric with ttl 0 (expired on arrival) is refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PeerMonitorClient } from "../../src/client/client.js";
import { QueryError } from "../../src/errors.js";
import { runCli } from "../helpers/cli.js";
import { cleanup, client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

test("cli typos - latest of an unknown name exits 1 saying so; of a known name, all expired, prints nothing and exits 0", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 0 });
  await waitUntil(() => monitor.stats.alertsFiring === 1, "ping known, all expired");
  const env = { NATS_URL: server.url };
  const [typo, expired] = await Promise.all([runCli(t, ["latest", "pnig"], env), runCli(t, ["latest", "ping", "--json"], env)]);
  assert.equal(typo.code, 1);
  assert.equal(typo.stdout, "");
  assert.match(typo.stderr, /^peermon: no metric named pnig is known \(no current peer sent one\); list known names with `peermon names`/);
  assert.equal(expired.code, 0);
  assert.equal(expired.stdout, "[]\n");

  await assert.rejects(new PeerMonitorClient(nc).latest("pnig"), (e: unknown) => e instanceof QueryError && e.code === 404, "the SDK throws a 404");
  assert.deepEqual(await new PeerMonitorClient(nc).latest("ping"), []);
});

test("cli typos - an unknown key in a --config file stops serve and client commands, naming it and the closest key", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "peermon-typo-"));
  cleanup(t, () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "peermon.json");
  writeFileSync(path, JSON.stringify({ grace: "45s", windw: 25 }));
  const [serve, names] = await Promise.all([runCli(t, ["serve", "--config", path]), runCli(t, ["names"], { PEERMON_CONFIG: path })]);
  for (const r of [serve, names]) {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^peermon: invalid key "windw" in .*peermon\.json: 25; there is no such setting: did you mean "window"\?/);
  }
});

test("cli typos - publish --ttl 0 is refused unless --invalid", async (t) => {
  const server = await natsServer(t);
  const env = { NATS_URL: server.url };
  const [valid, invalid] = await Promise.all([
    runCli(t, ["publish", "ping", "--peer", "P1", "--ttl", "0"], env),
    runCli(t, ["publish", "ping", "--peer", "P1", "--ttl", "0", "--invalid"], env),
  ]);
  assert.equal(valid.code, 2);
  assert.match(valid.stderr, /^peermon: invalid --ttl: "0"; a valid metric with ttl 0 is expired on arrival; give a ttl like 30s \(or add --invalid\)/);
  assert.equal(invalid.code, 0, invalid.stderr);
  assert.match(invalid.stdout, /published P1 \| ping: {2}\| ttl: 0ms \| invalid/);
});
