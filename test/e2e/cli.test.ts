import { test } from "node:test";
import assert from "node:assert/strict";
import { encode } from "../../src/api/codec.js";
import { freePort } from "../../src/cli/local-nats.js";
import { runCli, spawnCli } from "../helpers/cli.js";
import { AlertCollector, client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const INT64_MAX = "9223372036854775807";

/** A nats-server with the repo's nats.conf, a monitor on it, and the env that points the CLI there. */
async function cluster(t: Parameters<typeof natsServer>[0]) {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  return { server, monitor, env: { NATS_URL: server.url } };
}

function ok(result: { code: number | null; stderr: string }): void {
  assert.equal(result.code, 0, `exit code 0; stderr:\n${result.stderr}`);
}

test("cli - publish then latest, peer and names print IPFS Cluster-style lines", async (t) => {
  const { monitor, env } = await cluster(t);
  ok(await runCli(t, ["publish", "ping", "--peer", "P1", "--value", "42", "--ttl", "30s"], env));
  ok(await runCli(t, ["publish", "ping", "--peer", "P2", "--value", "7", "--ttl", "1m", "--invalid"], env));
  await waitUntil(() => monitor.stats.metricsStored === 2, "both metrics stored");

  const [latest, peer, invalid, names] = await Promise.all([
    runCli(t, ["latest", "ping"], env),
    runCli(t, ["peer", "ping", "P1"], env),
    runCli(t, ["peer", "ping", "P2"], env),
    runCli(t, ["names"], env),
  ]);
  ok(latest);
  assert.match(latest.stdout, /^P1 \| ping: 42 \| Expires in: (2\d(\.\d)?|30)s\n$/, "only the valid metric; expires in ~30s");
  ok(peer);
  assert.match(peer.stdout, /^P1 \| ping: 42 \| Expires in: \d+(\.\d)?s\n$/);
  assert.match(invalid.stdout, /^P2 \| ping: 7 \| Expires in: \d+(\.\d)?s \| invalid\n$/, "peer shows an invalid metric too");
  assert.equal(names.stdout, "ping\n");
});

test("cli - --json output uses IPFS Cluster field names and writes int64 values exactly", async (t) => {
  const { monitor, env } = await cluster(t);
  const published = await runCli(t, ["publish", "freespace", "--peer", "P1", "--value", "big", "--weight", INT64_MAX, "--json"], env);
  ok(published);
  assert.match(published.stdout, new RegExp(`"weight":${INT64_MAX},`));
  await waitUntil(() => monitor.stats.metricsStored === 1, "metric stored");
  const stored = monitor.views.latestForPeer("freespace", "P1")!;

  const [latest, peer, names] = await Promise.all([
    runCli(t, ["latest", "freespace", "--json"], env),
    runCli(t, ["peer", "freespace", "P1", "--json"], env),
    runCli(t, ["names", "--json"], env),
  ]);
  const expected =
    `{"name":"freespace","peer":"P1","value":"big","expire":${stored.expire},"valid":true,"weight":${INT64_MAX},` +
    `"partitionable":false,"received_at":${stored.receivedAt},"ttl":30000000000}`;
  assert.equal(latest.stdout, `[${expected}]\n`);
  assert.equal(peer.stdout, `${expected}\n`);
  assert.equal(names.stdout, '["freespace"]\n');
  assert.ok(stored.receivedAt > 2n ** 53n, "received_at is beyond a JS number's exact range, and still exact");
});

test("cli - publish --every publishes until SIGTERM, then exits 0", async (t) => {
  const { monitor, env } = await cluster(t);
  const proc = spawnCli(t, ["publish", "ping", "--peer", "P1", "--every", "100ms", "--json"], env);
  await waitUntil(() => monitor.stats.metricsStored >= 3, "three metrics received");
  const result = await proc.stop("SIGTERM");
  ok(result);
  const lines = result.stdout.trim().split("\n");
  assert.ok(lines.length >= 3, `one line per publish: ${result.stdout}`);
  assert.ok(lines.every((l) => (JSON.parse(l) as { peer: string }).peer === "P1"));
  await waitUntil(() => monitor.stats.metricsStored === lines.length, "every printed metric was flushed and received");
});

test("cli - alerts --name follows only that name: FIRING then RESOLVED lines, and NDJSON with --json", async (t) => {
  const { server, env } = await cluster(t);
  const human = spawnCli(t, ["alerts", "--name", "ping"], env);
  const json = spawnCli(t, ["alerts", "--name", "ping", "--peer", "P1", "--json"], env);
  await human.waitForOutput(/following alerts on peermon\.alerts\.ping\.\* \(Ctrl-C to stop\)/, "stderr");
  await json.waitForOutput(/following alerts on peermon\.alerts\.ping\.P1/, "stderr");
  const nc = await client(t, server);
  const all = await AlertCollector.start(t, nc);

  publishMetric(nc, { n: "disk", p: "P1", ttlMs: 0 });
  await all.waitFor((a) => a.length === 1, "the disk alert");
  publishMetric(nc, { n: "ping", p: "P1", v: "v1", ttlMs: 0 });
  await human.waitForOutput(/^\d{4}-\d\d-\d\dT[\d:.]+Z FIRING {3}P1 \| ping: v1$/m);
  publishMetric(nc, { n: "ping", p: "P1", v: "back", ttlMs: 60_000 });
  await human.waitForOutput(/Z RESOLVED P1 \| ping: back$/m);
  await json.waitForOutput(/"kind":"resolved"/);

  assert.doesNotMatch(human.stdout, /disk/, "--name filters other names out");
  const [firing, resolved] = json.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual([firing!.kind, firing!.name, firing!.peer, resolved!.kind], ["firing", "ping", "P1", "resolved"]);
  for (const field of ["triggered_at", "id", "received_at", "expire", "ttl", "valid"]) assert.ok(field in firing!, field);
  assert.match(json.stdout, /"triggered_at":\d{19},/, "nanoseconds written as exact numbers");
  ok(await human.stop("SIGINT"));
  ok(await json.stop("SIGTERM"));
});

test("cli - peerset set, show, add and rm change what the monitor tracks and queries", async (t) => {
  const { server, monitor, env } = await cluster(t);
  const nc = await client(t, server);
  for (const p of ["P1", "P2", "P3"]) publishMetric(nc, { n: "ping", p, ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsStored === 3, "three peers publishing");
  const members = () => monitor.supervisor.currentPeerSet?.peers.join(" ");

  const set = await runCli(t, ["peerset", "set", "P1", "P2"], env);
  ok(set);
  assert.match(set.stdout, /^peerset set: 2 peers \[P1 P2\] \(id [0-9A-Z]{26}\)\n$/);
  await waitUntil(() => members() === "P1 P2", "the monitor applies the set");
  assert.equal((await runCli(t, ["latest", "ping"], env)).stdout.match(/^P\d/gm)?.join(" "), "P1 P2", "latest lists members only");

  assert.match((await runCli(t, ["peerset", "add", "P3"], env)).stdout, /^peerset added P3: 3 peers \[P1 P2 P3\]/);
  assert.match((await runCli(t, ["peerset", "add", "P3"], env)).stdout, /P3 is already in the peerset \(3 peers\): nothing changed/);
  const removed = await runCli(t, ["peerset", "rm", "P2", "--json"], env);
  assert.match(removed.stdout, /^\{"peers":\["P1","P3"\],"id":"[0-9A-Z]{26}","changed":true,"stored":true,"seq":3\}\n$/);
  assert.match((await runCli(t, ["peerset", "rm", "P2"], env)).stdout, /P2 is not in the peerset \(2 peers\): nothing changed/);
  await waitUntil(() => members() === "P1 P3", "the monitor applies add and rm");

  publishMetric(nc, { n: "ping", p: "P3", ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsStored === 4 && monitor.stats.metricsIgnored === 1, "P3 tracked again, P2 ignored");
  const [latest, show, showJson] = await Promise.all([
    runCli(t, ["latest", "ping"], env),
    runCli(t, ["peerset", "show"], env),
    runCli(t, ["peerset", "show", "--json"], env),
  ]);
  assert.equal(latest.stdout.match(/^P\d/gm)?.join(" "), "P1 P3");
  assert.equal(show.stdout, "P1\nP3\n");
  assert.match(show.stderr, /peerset [0-9A-Z]{26}: 2 peers/);
  assert.deepEqual(JSON.parse(showJson.stdout), { ...JSON.parse(removed.stdout.replace(/,"changed".*\}/, "}")), seq: 3 });
});

test("cli - peerset show with no stream says so and suggests peerset set", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const env = { NATS_URL: server.url };
  const [show, json] = await Promise.all([runCli(t, ["peerset", "show"], env), runCli(t, ["peerset", "show", "--json"], env)]);
  ok(show);
  assert.equal(show.stdout, "");
  assert.match(show.stderr, /stream PEERMON_PEERSET does not exist yet.*`peermon peerset set <peer>\.\.\.`/);
  assert.equal(json.stdout, "null\n");
});

test("cli - without JetStream, peerset set warns and publishes plainly, peerset add fails saying to enable it", async (t) => {
  const server = await natsServer(t, { jetstream: false });
  const monitor = await startMonitor(t, server);
  const env = { NATS_URL: server.url };
  const set = await runCli(t, ["peerset", "set", "P1"], env);
  ok(set);
  assert.match(set.stderr, /warning: JetStream is not available/);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers[0] === "P1", "the monitor applies it from the live subject");
  const add = await runCli(t, ["peerset", "add", "P2"], env);
  assert.notEqual(add.code, 0);
  assert.match(add.stderr, /^peermon: cannot change the stored peerset: JetStream is not enabled.*enable it/);
});

test("cli - status shows each monitor's shard, windows per state and rejections, human and --json", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const env = { NATS_URL: server.url };
  const serve = spawnCli(t, ["serve", "--log-level", "info"], env);
  await serve.waitForOutput(/peermon monitor serving/, "stderr");
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  nc.publish("peermon.metrics.ping.P3", encode({ n: "ping" })); // no peer: rejected, before the rest
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 0 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 60_000 });
  await alerts.waitFor((a) => a.length === 1, "P1's alert");

  const [human, json] = await Promise.all([runCli(t, ["status"], env), runCli(t, ["status", "--json"], env)]);
  ok(human);
  assert.match(human.stdout, /^monitor \S+ \| shard all \(32 partitions\) \| 2 windows \| peers: no peerset/);
  assert.match(human.stdout, /^ {2}ping: healthy 1, expired 0, alerted 1$/m);
  assert.match(human.stdout, /^ {2}rejected: 1 \(missing_field 1\)$/m);
  const [instance, ...others] = JSON.parse(json.stdout) as Record<string, unknown>[];
  assert.equal(others.length, 0, "one monitor answered");
  assert.deepEqual(instance!.states, { ping: { healthy: 1, expired: 0, alerted: 1 } });
  assert.equal(instance!.windows, 2);
  ok(await serve.stop("SIGTERM"));
});

test("cli - peer with no such metric exits 1 with a message that says what to do", async (t) => {
  const { env } = await cluster(t);
  const result = await runCli(t, ["peer", "ping", "P9"], env);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^peermon: no ping metric from peer P9; list known names with `peermon names`/);
});

test("cli - latest of a known name with nothing fresh, and names with nothing known, print nothing on stdout and exit 0", async (t) => {
  const { server, monitor, env } = await cluster(t);
  publishMetric(await client(t, server), { n: "ping", p: "P1", ttlMs: 0 });
  await waitUntil(() => monitor.stats.alertsFiring === 1, "ping known, and expired");
  const [latest, latestJson] = await Promise.all([runCli(t, ["latest", "ping"], env), runCli(t, ["latest", "ping", "--json"], env)]);
  for (const r of [latest, latestJson]) ok(r);
  assert.equal(latest.stdout, "");
  assert.match(latest.stderr, /no valid ping metrics/);
  assert.equal(latestJson.stdout, "[]\n");
  const names = await runCli(t, ["names"], (await cluster(t)).env);
  ok(names);
  assert.equal(names.stdout, "");
});

test("cli - with no monitor running, latest and status fail fast and say to start peermon serve", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const env = { NATS_URL: server.url };
  const started = Date.now();
  const latest = await runCli(t, ["latest", "ping"], env);
  const elapsed = Date.now() - started;
  assert.notEqual(latest.code, 0);
  assert.match(latest.stderr, /^peermon: no peermon monitor answered on peermon\.latest\.ping; start one with `peermon serve`/);
  assert.ok(elapsed < 4_000, `failed fast (${elapsed} ms), not after a query timeout`);
  const status = await runCli(t, ["status"], env);
  assert.equal(status.code, 1);
  assert.match(status.stderr, /no peermon monitor answered on \$SRV\.STATS\.peermon.*start one with `peermon serve`/);
});

test("cli - an invalid name or peer token is refused before connecting", async (t) => {
  const env = { NATS_URL: `nats://127.0.0.1:${await freePort()}` };
  const results = await Promise.all([
    runCli(t, ["latest", "a.b"], env),
    runCli(t, ["publish", "ping", "--peer", "p*"], env),
    runCli(t, ["alerts", "--name", "a b"], env),
  ]);
  for (const r of results) {
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^peermon: invalid (metric name|peer id): ".*"; use 1-255 bytes without spaces/);
    assert.doesNotMatch(r.stderr, /cannot connect/);
  }
});

test("cli - every client command has --help with an example", async (t) => {
  const commands = [["publish"], ["alerts"], ["latest"], ["peer"], ["names"], ["peerset"], ["peerset", "add"], ["status"]];
  const results = await Promise.all(commands.map((c) => runCli(t, [...c, "--help"])));
  results.forEach((r, i) => {
    ok(r);
    assert.match(r.stdout, new RegExp(`Examples?:\\n {2}peermon ${commands[i]!.join(" ")}`), commands[i]!.join(" "));
    if (commands[i]![0] !== "peerset" || commands[i]!.length > 1) assert.match(r.stdout, /--nats <url>/);
  });
});
