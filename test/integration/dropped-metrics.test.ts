/**
 * Metrics dropped with no sign, and machine-readable output that is complete (issue 21, points 3
 * and 7): a name only non-members send is a 404 that names them and says how to see or change the
 * peerset; a known name stays `[]` after an empty PeerSet; `publish` warns about a peer outside the
 * stored peerset; `status --json` lists every never-seen peer and the members silent on every name.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PeerMonitorClient } from "../../src/client/client.js";
import type { QueryError } from "../../src/errors.js";
import { runCli } from "../helpers/cli.js";
import { client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const fromSources = { fromSources: true };

async function fleet(t: Parameters<typeof natsServer>[0]) {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  return { server, monitor, nc, pm: new PeerMonitorClient(nc) };
}

test("latest - a name only peers outside the peerset send: the 404 names them and how to see or change the peerset (regression)", async (t) => {
  const { server, monitor, nc, pm } = await fleet(t);
  await pm.setPeers(["P2", "P3"]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === 2, "the peerset applied");
  publishMetric(nc, { n: "freespace", p: "P1", v: "5000", ttlMs: 30_000 });
  await waitUntil(() => monitor.stats.ignored.unknown_peer === 1, "P1's metric ignored");
  const err = await pm.latest("freespace").then(
    () => assert.fail("a 404"),
    (e: unknown) => e as QueryError,
  );
  assert.equal(err.code, 404);
  assert.match(err.message, /no member of the peerset sent freespace: P1 sent it but is not in the peerset \(2 peers: `peermon peerset show`\)/);
  assert.match(err.message, /`peermon peerset add P1`/);
  const cli = await runCli(t, ["latest", "freespace", "--nats", server.url], {}, 30_000, fromSources);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /P1 sent it but is not in the peerset/);
  const typo = await pm.latest("frespace").catch((e: QueryError) => e);
  assert.match((typo as QueryError).message, /no metric named frespace is known/, "a plain typo stays a plain 404");
});

test("latest - after an empty PeerSet a name the monitor saw answers [], not 404 (regression)", async (t) => {
  const { monitor, nc, pm } = await fleet(t);
  publishMetric(nc, { n: "freespace", p: "P1", ttlMs: 30_000 });
  await waitUntil(() => monitor.supervisor.windowCount === 1, "P1's window");
  await pm.setPeers([]);
  await waitUntil(() => monitor.supervisor.windowCount === 0, "its window freed by the empty peerset");
  assert.deepEqual(await pm.latest("freespace"), []);
  await pm.setPeers(["P1"]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === 1, "P1 back in the peerset");
  assert.deepEqual(await pm.latest("freespace"), [], "still known, nothing fresh yet");
});

test("latest - a known name whose members sent nothing fresh while outsiders send it: [] and the CLI says who", async (t) => {
  const { server, monitor, nc, pm } = await fleet(t);
  publishMetric(nc, { n: "freespace", p: "P2", ttlMs: 100 });
  await waitUntil(() => monitor.supervisor.windowCount === 1, "P2's window");
  await pm.setPeers(["P2"]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === 1, "the peerset applied");
  publishMetric(nc, { n: "freespace", p: "P1", ttlMs: 30_000 });
  await waitUntil(() => monitor.stats.ignored.unknown_peer === 1, "P1's metric ignored");
  await waitUntil(() => monitor.views.latest("freespace").length === 0, "P2's metric expired");
  assert.deepEqual(await pm.latestReply("freespace"), { metrics: [], nonMembers: ["P1"] });
  const cli = await runCli(t, ["latest", "freespace", "--nats", server.url], {}, 30_000, fromSources);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stderr, /P1 sends freespace but is not in the peerset: ignored; see it with `peermon peerset show`, add with `peermon peerset add P1`/);
});

test("publish - warns when its peer is not in the stored peerset (regression: it said published, the monitor ignored it)", async (t) => {
  const { server, pm } = await fleet(t);
  await pm.setPeers(["P2"]);
  const outsider = await runCli(t, ["publish", "freespace", "--peer", "P1", "--value", "5000", "--nats", server.url], {}, 30_000, fromSources);
  assert.equal(outsider.code, 0, outsider.stderr);
  assert.match(outsider.stdout, /published P1/);
  assert.match(
    outsider.stderr,
    /warning: P1 is not in the peerset \(1 peer: `peermon peerset show`\): monitors ignore its metrics; add it with `peermon peerset add P1`/,
  );
  const member = await runCli(t, ["publish", "freespace", "--peer", "P2", "--nats", server.url], {}, 30_000, fromSources);
  assert.equal(member.stderr, "", "a member: no warning");
});

test("status --json lists every never-seen peer and the members silent on every name (regression: 20 per name hid the silent one)", async (t) => {
  const { server, monitor, nc, pm } = await fleet(t);
  const peers = Array.from({ length: 61 }, (_, i) => `P${String(i).padStart(2, "0")}`);
  await pm.setPeers(peers);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === 61, "the peerset applied");
  // P00-P19 send a, P20-P39 send b, P40-P59 both, P60 nothing.
  peers.slice(0, 20).forEach((p) => publishMetric(nc, { n: "a", p, ttlMs: 60_000 }));
  peers.slice(20, 40).forEach((p) => publishMetric(nc, { n: "b", p, ttlMs: 60_000 }));
  peers.slice(40, 60).forEach((p) => {
    publishMetric(nc, { n: "a", p, ttlMs: 60_000 });
    publishMetric(nc, { n: "b", p, ttlMs: 60_000 });
  });
  await waitUntil(() => monitor.supervisor.windowCount === 80, "80 windows");
  const json = await runCli(t, ["status", "--json", "--nats", server.url], {}, 30_000, fromSources);
  assert.equal(json.code, 0, json.stderr);
  const [st] = JSON.parse(json.stdout);
  assert.deepEqual(st.neverSeen.a, { count: 21, peers: [...peers.slice(20, 40), "P60"] });
  assert.deepEqual(st.neverSeen.b, { count: 21, peers: [...peers.slice(0, 20), "P60"] });
  assert.deepEqual(st.silentMembers, { count: 1, peers: ["P60"] });
  const human = await runCli(t, ["status", "--nats", server.url], {}, 30_000, fromSources);
  assert.match(human.stdout, /a: healthy 40, expired 0, alerted 0, never seen 21 \(P20, .*, P39 and 1 more\)/);
  assert.match(human.stdout, /silent on every name: 1 member \(P60\)/);
});
