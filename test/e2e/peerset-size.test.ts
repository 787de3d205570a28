/**
 * `peermon peerset` with a cluster of real size, as an operator runs it: 10,000 libp2p ids from a
 * file (and from stdin), and one byte over the server's max_payload; and the same 10,000 on the
 * deploy/ cluster (3 NATS nodes with its config, the stream with 3 replicas, 2 shards x 2 replicas).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { connect, RequestStrategy, type NatsConnection } from "nats";
import { PeerMonitorClient } from "../../src/client/client.js";
import { BIN, runCli } from "../helpers/cli.js";
import { localCluster } from "../helpers/local-cluster.js";
import { cleanup, eventually, natsServer, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";
import { libp2pIds, peersEncodingTo } from "../helpers/peer-ids.js";

type Hooks = Parameters<typeof cleanup>[0];

/** A file holding `text` in a fresh temp directory, removed after the test. */
function tempFile(t: Hooks, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "peermon-peers-"));
  cleanup(t, () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs `peermon <args>` with `input` on stdin. */
function runWithStdin(args: string[], env: NodeJS.ProcessEnv, input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

test("cli - peerset set --file with 10,000 libp2p ids, then add, rm and show; a restarted monitor has them", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const first = await startMonitor(t, server);
  const env = { NATS_URL: server.url };
  const ids = libp2pIds(10_000);
  const file = tempFile(t, "peers.txt", ids.join("\n") + "\n");

  const set = await runCli(t, ["peerset", "set", "--file", file], env);
  assert.equal(set.code, 0, set.stderr);
  // One short line (issue 21: it was 20 whole ids, 1,100 characters): the ends that tell peers apart.
  assert.match(set.stdout, /^peerset set: 10000 peers \[12D3…\S+( 12D3…\S+)* and \d+ more\] \(id [0-9A-Z]{26}\)\n$/);
  assert.ok(set.stdout.length <= 160, `${set.stdout.length} characters`);
  await waitUntil(() => first.supervisor.currentPeerSet?.peers.length === 10_000, "the monitor applies 10,000 peers");
  assert.equal((await runCli(t, ["peerset", "add", "newcomer"], env)).code, 0);
  assert.equal((await runCli(t, ["peerset", "rm", ids[0]!], env)).code, 0);
  await first.stop();

  const second = await startMonitor(t, server);
  assert.equal(second.supervisor.currentPeerSet?.peers.length, 10_000, "read back from the stream");
  assert.ok(second.supervisor.currentPeerSet?.peers.includes("newcomer"));
  const show = await runCli(t, ["peerset", "show"], env);
  assert.equal(show.code, 0, show.stderr);
  assert.equal(show.stdout, [...ids.slice(1), "newcomer"].join("\n") + "\n");

  const fromStdin = await runWithStdin(["peerset", "set", "--file", "-", "--json"], env, ids.slice(0, 5_000).join(" "));
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.equal(JSON.parse(fromStdin.stdout).peers.length, 5_000);
  await waitUntil(() => second.supervisor.currentPeerSet?.peers.length === 5_000, "the set from stdin is applied");
});

test("cli - peerset set one byte over max_payload fails, exit 2, saying the limit and how to raise it", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const env = { NATS_URL: server.url };
  const peers = peersEncodingTo(8 * 1024 * 1024 + 1);
  const file = tempFile(t, "peers.txt", peers.join("\n"));
  const set = await runCli(t, ["peerset", "set", "--file", file], env);
  assert.equal(set.code, 2);
  assert.equal(set.stdout, "");
  assert.ok(set.stderr.startsWith(`peermon: the peerset of ${peers.length} peers is 8,388,609 bytes (8.0 MiB) encoded, `), set.stderr);
  assert.match(set.stderr, /over the NATS server's max_payload of 8,388,608 bytes \(8 MiB\): raise max_payload in the server's config .* then try again\n$/);
  assert.equal(monitor.supervisor.currentPeerSet, undefined, "nothing applied");
});

test("cli - peerset set says what to give when neither peers nor a readable --file are given", async (t) => {
  const env = { NATS_URL: "nats://127.0.0.1:1" };
  const none = await runCli(t, ["peerset", "set"], env);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^peermon: give the peer ids, as arguments or with --file <path>\n$/);
  const both = await runCli(t, ["peerset", "set", "P1", "--file", "x"], env);
  assert.match(both.stderr, /either as arguments or with --file, not both/);
  const missing = await runCli(t, ["peerset", "set", "--file", "/nonexistent/peers.txt"], env);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^peermon: cannot read --file \/nonexistent\/peers\.txt: .*; give a readable file of peer ids\n$/);
});

/** The peerset size each running monitor reports in its $SRV.STATS, sorted. */
async function peersPerMonitor(nc: NatsConnection): Promise<(number | null)[]> {
  const sizes: (number | null)[] = [];
  const replies = await nc.services.client({ strategy: RequestStrategy.Timer, maxWait: 1_000 }).stats("peermon");
  for await (const s of replies) sizes.push((s.endpoints![0]!.data as { peers: number | null }).peers);
  return sizes.sort();
}

test("cluster - 10,000 libp2p ids on the deploy/ cluster config: every monitor applies them, a restarted shard reads them back", async (t) => {
  const cluster = await localCluster(t);
  const nc = await connect({ servers: cluster.natsUrls, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  cleanup(t, () => nc.close());
  assert.equal(nc.info?.max_payload, 8 * 1024 * 1024, "the cluster config's max_payload");
  const pm = new PeerMonitorClient(nc);
  assert.equal((await pm.setPeers(libp2pIds(10_000))).stored, true);
  const all = cluster.monitors.length;
  const tenK = Array<number>(all).fill(10_000);
  await eventually(async () => (await peersPerMonitor(nc)).join() === tenK.join(), `all ${all} monitors have 10,000 peers`);

  const shard0 = cluster.monitors.filter((m) => m.shard === 0);
  await Promise.all(shard0.map((m) => m.kill("SIGKILL")));
  await Promise.all(shard0.map((m) => m.restart()));
  await eventually(async () => (await peersPerMonitor(nc)).join() === tenK.join(), "the restarted shard read them back");
});
