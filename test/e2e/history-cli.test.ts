/**
 * The operator's commands as a user runs them (node bin/peermon.js against a monitor on a real
 * nats-server): never-seen peers and ignored metrics in `status`, `history`, and `peer` for a
 * peer that never reported a name.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../helpers/cli.js";
import { AlertCollector, client, eventually, natsServer, publishMetric, publishPeerSet, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

function ok(result: { code: number | null; stderr: string }): void {
  assert.equal(result.code, 0, `exit code 0; stderr:\n${result.stderr}`);
}

/** A monitor whose peerset is P1..P4; P1 and P2 report ping, P3 freespace; P9 (no member) and P4 after its removal publish too. */
async function operatorScene(t: Parameters<typeof natsServer>[0]) {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  publishPeerSet(nc, ["P1", "P2", "P3", "P4", "P5"]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === 5, "the first peerset");
  publishPeerSet(nc, ["P1", "P2", "P3", "P5"]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === 4, "P4 removed");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 60_000 });
  publishMetric(nc, { n: "freespace", p: "P3", ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "P9", ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "P4", ttlMs: 60_000 });
  publishMetric(nc, { n: "freespace", p: "P4", ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsStored === 3 && monitor.stats.metricsIgnored === 3, "three stored, three ignored");
  return { server, monitor, nc, env: { NATS_URL: server.url } };
}

test("cli - status names never-seen peers and counts ignored metrics by reason, human and --json", async (t) => {
  const { env } = await operatorScene(t);
  const [human, json] = await Promise.all([runCli(t, ["status"], env), runCli(t, ["status", "--json"], env)]);
  ok(human);
  assert.match(human.stdout, /^ {2}freespace: healthy 1, expired 0, alerted 0, never seen 3 \(P1, P2, P5\)$/m);
  assert.match(human.stdout, /^ {2}ping: healthy 2, expired 0, alerted 0, never seen 2 \(P3, P5\)$/m);
  assert.match(human.stdout, /^ {2}ignored \(peers outside the peerset\): 3 \(removed_peer 2, unknown_peer 1\)$/m);
  const [instance] = JSON.parse(json.stdout) as { neverSeen: unknown; counters: { ignored: unknown } }[];
  assert.deepEqual(instance!.neverSeen, { freespace: { count: 3, peers: ["P1", "P2", "P5"] }, ping: { count: 2, peers: ["P3", "P5"] } });
  assert.deepEqual(instance!.counters.ignored, { removed_peer: 2, unknown_peer: 1 });
});

test("cli - peer of a member that never reported the name says so", async (t) => {
  const { env } = await operatorScene(t);
  const result = await runCli(t, ["peer", "ping", "P5"], env);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^peermon: peer P5 is in the peerset, never reported ping; is its informer for ping running\?\n$/);
});

test("cli - history prints last seen, availability, flaps and episodes, human and --json", async (t) => {
  const { nc, monitor, env } = await operatorScene(t);
  const alerts = await AlertCollector.start(t, nc);
  for (let flap = 1; flap <= 2; flap++) {
    publishMetric(nc, { n: "ping", p: "P2", ttlMs: 200 });
    await alerts.waitFor((a) => a.filter((x) => x.kind === "firing").length === flap, `P2 silent (${flap})`);
    publishMetric(nc, { n: "ping", p: "P2", ttlMs: 60_000 });
    await alerts.waitFor((a) => a.filter((x) => x.kind === "resolved").length === flap, `P2 back (${flap})`);
  }
  await eventually(async () => monitor.views.historyOf("ping", "P2")?.flaps === 2, "two flaps in the history");
  const [human, json, never] = await Promise.all([
    runCli(t, ["history", "ping", "P2"], env),
    runCli(t, ["history", "ping", "P2", "--json"], env),
    runCli(t, ["history", "ping", "P5"], env),
  ]);
  ok(human);
  const lines = human.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^P2 \| ping: last seen \d+(\.\d)?(ms|s) ago \| \d{1,2}\.\d\d% available over (\d+ms|\d+(\.\d)?s) \| 2 flaps$/);
  assert.equal(lines.length, 3, "one line per episode");
  for (const line of lines.slice(1)) assert.match(line, /^ {2}down \d{4}-\d\d-\d\dT[\d:.]+Z -> \d{4}-\d\d-\d\dT[\d:.]+Z \((\d+ms|\d+(\.\d)?s)\)$/);
  const h = JSON.parse(json.stdout) as { name: string; flaps: number; availability: number; episodes: { id: string }[]; last_seen: number };
  assert.deepEqual([h.name, h.flaps, h.episodes.length], ["ping", 2, 2]);
  assert.deepEqual(
    h.episodes.map((e) => e.id),
    alerts.of("firing").map((a) => a.id),
  );
  assert.match(json.stdout, /"last_seen":\d{19},/, "nanoseconds written as exact numbers");
  ok(never);
  const help = await runCli(t, ["history", "--help"]);
  assert.match(help.stdout, /Examples:\n {2}peermon history ping P1/);
  assert.match(never.stdout, /^P5 \| ping: in the peerset, never reported ping \| 100% available over .* \| 0 flaps\n$/);
});
