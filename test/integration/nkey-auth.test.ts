/**
 * Peers as nkeys from their libp2p identity, end to end on a real nats-server: `peermon auth`
 * writes the authorization for the Ed25519 peers of test/vectors/libp2p-nkeys.json, nats-server
 * runs with it (and `nats-server -t` accepts it), a real `peermon serve` logs in as the monitor with
 * `--nkey`, and each peer logs in with its own key (its nkey seed, what its libp2p private key is).
 * The CLI runs from its sources.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, ErrorCode, Events, nkeyAuthenticator, nkeys, type NatsConnection, type NatsError } from "nats";
import { encode } from "../../src/api/codec.js";
import { partitionOf } from "../../src/api/subjects.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { QueryError } from "../../src/errors.js";
import { runCli, spawnCli } from "../helpers/cli.js";
import { ED25519_PEERS, NKEY_VECTORS, type Ed25519Vector } from "../helpers/nkey-vectors.js";
import { AlertCollector, cleanup, eventually, natsServer, startMonitor, waitUntil } from "../helpers/nats.js";

type Hooks = Parameters<typeof cleanup>[0];

/** The peers in the generated authorization; the last vector peer is left out of it. */
const [A, B, C, OUTSIDER] = ED25519_PEERS as [Ed25519Vector, Ed25519Vector, Ed25519Vector, Ed25519Vector];
const IN_LIST = [A, B, C];
const fromSources = { fromSources: true };

/** A directory with the role users' nkey seeds, removed after the test. */
function workDir(t: Hooks) {
  const dir = mkdtempSync(join(tmpdir(), "peermon-auth-"));
  cleanup(t, () => rmSync(dir, { recursive: true, force: true }));
  const role = (name: string) => {
    const kp = nkeys.createUser();
    const seedFile = join(dir, `${name}.nk`);
    writeFileSync(seedFile, `${new TextDecoder().decode(kp.getSeed())}\n${kp.getPublicKey()}\n`, { mode: 0o600 });
    return { nkey: kp.getPublicKey(), seedFile };
  };
  return { dir, monitor: role("monitor"), peermgr: role("peermgr") };
}

/**
 * A server config that includes the generated file, as deploy/secure/nats-secure.conf does, with
 * its JetStream store in the config: nats-server 2.9 refuses to reload a config whose store was
 * given with -sd ("config reload not supported for jetstream storage dir").
 */
function serverConf(dir: string): { configFile: string; jetstream: false } {
  const configFile = join(dir, "nats.conf");
  const store = JSON.stringify(join(dir, "jetstream"));
  writeFileSync(
    configFile,
    `max_payload: 8MB\njetstream { store_dir: ${store}, max_memory_store: 256MB, max_file_store: 1GB }\ninclude "peermon-accounts.conf"\n`,
  );
  return { configFile, jetstream: false };
}

async function authFile(t: Hooks, dir: string, args: string[]): Promise<string> {
  const out = join(dir, "peermon-accounts.conf");
  const run = await runCli(t, ["auth", ...args, "--out", out], {}, 30_000, fromSources);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /peermon auth: wrote .*peermon-accounts\.conf: \d+ peers?, monitor/);
  return out;
}

/** Connects as a vector peer, signing the server's nonce with its key. */
function asPeer(t: Hooks, url: string, peer: Ed25519Vector): Promise<NatsConnection> {
  return open(t, url, peer.nkey_seed);
}

/**
 * A connection that gives up within 2 s: nats-server 2.9.10 may leave a client that connects while
 * it reloads its config waiting (seen once in a few runs); the next attempt gets in.
 */
async function open(t: Hooks, url: string, seed: string): Promise<NatsConnection> {
  const authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  const nc = await connect({ servers: url, authenticator, maxReconnectAttempts: 0, timeout: 2_000 });
  cleanup(t, () => nc.close());
  return nc;
}

/** The subjects the server refused `nc` to publish on (its permission violations), as they come. */
function refusals(nc: NatsConnection): string[] {
  const subjects: string[] = [];
  void (async () => {
    for await (const s of nc.status()) {
      const ctx = (s as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (s.type === Events.Error && ctx?.operation === "publish") subjects.push(ctx.subject);
    }
  })();
  return subjects;
}

const metric = (n: string, p: string, ttlMs = 60_000) => encode({ n, p, v: "1", d: true, l: BigInt(ttlMs) * 1_000_000n });

test("nkey auth - peermon auth's config runs a server; a peer logs in with its libp2p key, publishes only its own metrics, queries and follows alerts", async (t) => {
  const { dir, monitor, peermgr } = workDir(t);
  await authFile(t, dir, [...IN_LIST.map((p) => p.peer_id), "--monitor", monitor.nkey, "--peermgr", peermgr.nkey]);
  const conf = serverConf(dir);
  const check = spawnSync("nats-server", ["-t", "-c", conf.configFile], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  const server = await natsServer(t, conf);
  const serve = spawnCli(t, ["serve", "--nats", server.url, "--nkey", monitor.seedFile, "--grace", "1s"], {}, fromSources);
  await serve.waitForOutput(/peermon monitor serving/, "stderr", 30_000);

  const a = await asPeer(t, server.url, A);
  const refused = refusals(a);
  const client = new PeerMonitorClient(a);
  const live = await AlertCollector.start(t, a, "peermon.alerts.>");
  const fromLog = client.alerts({ fromStream: true });
  cleanup(t, () => fromLog.stop());
  await fromLog.ready;

  // Its own metrics, on the public subject and on the partitioned one the server maps it to.
  a.publish(`peermon.metrics.freespace.${A.peer_id}`, metric("freespace", A.peer_id));
  a.publish(`peermon.part.${partitionOf("numpin", 32)}.metrics.numpin.${A.peer_id}`, metric("numpin", A.peer_id));
  await eventually(async () => (await client.latest("numpin").catch(() => [])).length === 1, "the partitioned metric stored");
  assert.deepEqual(
    (await client.latest("freespace")).map((m) => m.peer),
    [A.peer_id],
    "the public one too, and A may query latest",
  );

  // Another peer's metric: the server refuses it (on the subject after mapping), the monitor never stores it.
  a.publish(`peermon.metrics.freespace.${B.peer_id}`, metric("freespace", B.peer_id));
  a.publish(`peermon.part.${partitionOf("freespace", 32)}.metrics.freespace.${B.peer_id}`, metric("freespace", B.peer_id));
  await waitUntil(() => refused.length === 2, "both refused by the server", 15_000);
  const mapped = `peermon.part.${partitionOf("freespace", 32)}.metrics.freespace.${B.peer_id}`;
  assert.deepEqual(refused, [mapped, mapped], "2.9 names the subject after its mapping");
  a.publish(`peermon.metrics.marker.${A.peer_id}`, metric("marker", A.peer_id)); // after the refused ones, on the same connection
  await eventually(async () => (await client.latest("marker").catch(() => [])).length === 1, "the marker stored");
  await assert.rejects(client.latestForPeer("freespace", B.peer_id), (e: unknown) => e instanceof QueryError && e.code === 404);

  // It follows alerts: live, and through an ordered consumer on the alert log.
  a.publish(`peermon.metrics.ping.${A.peer_id}`, metric("ping", A.peer_id, 300));
  await live.waitFor((alerts) => alerts.some((x) => x.kind === "firing" && x.name === "ping" && x.peer === A.peer_id), "A's ping firing");
  const first = await fromLog[Symbol.asyncIterator]().next();
  assert.equal(first.value?.id, live.alerts[0]!.id);
  assert.equal(refused.length, 2, "no other refusal: everything else A did was allowed");
  assert.doesNotMatch(serve.stderr, /Permissions Violation|permission/i, "the monitor did its part with its rights");

  // The CLI as A publishing B's metric: refused by the server, and it says so (exit 1), once or with --every.
  const seedA = join(dir, "a.nk");
  writeFileSync(seedA, `${A.nkey_seed}\n`, { mode: 0o600 });
  for (const every of [[], ["--every", "200ms"]]) {
    const run = await runCli(t, ["publish", "freespace", "--peer", B.peer_id, ...every, "--nats", server.url, "--nkey", seedA], {}, 30_000, fromSources);
    assert.equal(run.code, 1, `${every.join(" ")}: ${run.stdout}${run.stderr}`);
    assert.doesNotMatch(run.stdout, /published/, "nothing claimed published");
    assert.match(run.stderr, /refused to publish peermon\.metrics\.freespace\.\S+ \(permissions violation\): nothing was sent/);
    assert.match(run.stderr, new RegExp(`connect as ${B.peer_id}`), "says who may publish it");
  }
  const own = await runCli(t, ["publish", "freespace", "--peer", A.peer_id, "--nats", server.url, "--nkey", seedA], {}, 30_000, fromSources);
  assert.equal(own.code, 0, own.stderr);
  assert.match(own.stdout, /published/);
});

test("nkey auth - an unknown nkey and a peer left out cannot connect; auth again and a reload: an added peer gets in, a removed one is put out, the others stay", async (t) => {
  const { dir, monitor } = workDir(t);
  const ids = IN_LIST.map((p) => p.peer_id);
  const file = join(dir, "peers.txt");
  writeFileSync(file, ids.join("\n"));
  await authFile(t, dir, ["--file", file, "--monitor", monitor.nkey]);
  const server = await natsServer(t, serverConf(dir));
  const refusedLogin = (err: NatsError) => err.code === ErrorCode.AuthorizationViolation;
  await assert.rejects(open(t, server.url, new TextDecoder().decode(nkeys.createUser().getSeed())), refusedLogin, "an unknown nkey");
  await assert.rejects(asPeer(t, server.url, OUTSIDER), refusedLogin, "a peer not in the list");
  await assert.rejects(connect({ servers: server.url, maxReconnectAttempts: 0 }), refusedLogin, "no credentials");
  const [a, c] = [await asPeer(t, server.url, A), await asPeer(t, server.url, C)];

  writeFileSync(file, [B.peer_id, C.peer_id, OUTSIDER.cid_v1].join("\n")); // A removed, OUTSIDER added (any form of its id)
  await authFile(t, dir, ["--file", file, "--monitor", monitor.nkey]);
  const reload = spawnSync("nats-server", ["--signal", `reload=${server.pid}`], { encoding: "utf8" });
  assert.equal(reload.status, 0, reload.stderr);
  await eventually(async () => !!(await asPeer(t, server.url, OUTSIDER)), "the added peer logs in after the reload");
  c.publish(`peermon.metrics.ping.${C.peer_id}`, metric("ping", C.peer_id));
  await c.flush();
  assert.equal(c.isClosed(), false, "a peer connected before the reload is still connected (it may not reconnect: maxReconnectAttempts 0)");
  await waitUntil(() => a.isClosed(), "the removed peer's connection closed", 15_000);
  const closedWith = await a.closed();
  assert.match(String(closedWith), /Authorization Violation/, "the removed peer was disconnected by the reload, and refused");
});

test("nkey auth - --from-peerset: the peer manager (--nkey) reads the stored peerset, and auth writes exactly its peers", async (t) => {
  const { dir, monitor, peermgr } = workDir(t);
  await authFile(t, dir, [...IN_LIST.map((p) => p.peer_id), "--monitor", monitor.nkey, "--peermgr", peermgr.nkey]);
  const server = await natsServer(t, serverConf(dir));
  await startMonitor(t, server, { nats: { servers: server.url, nkey: monitor.seedFile } }); // creates the peerset stream
  const set = await runCli(t, ["peerset", "set", A.peer_id, B.peer_id, "--nats", server.url, "--nkey", peermgr.seedFile], {}, 30_000, fromSources);
  assert.equal(set.code, 0, set.stderr);

  const run = await runCli(
    t,
    ["auth", "--from-peerset", "--monitor", monitor.nkey, "--json"],
    { NATS_URL: server.url, NATS_NKEY: peermgr.seedFile },
    30_000,
    fromSources,
  );
  assert.equal(run.code, 0, run.stderr);
  const users: { nkey?: string }[] = JSON.parse(run.stdout).accounts.PEERMON.users;
  const peers = [A, B].sort((x, y) => (x.peer_id < y.peer_id ? -1 : 1));
  assert.deepEqual(
    users.map((u) => u.nkey),
    [...peers.map((p) => p.nkey_user), monitor.nkey],
    "the peerset's peers, then the monitor",
  );
  assert.match(run.stderr, /no --peermgr: nobody may set the peerset/);
});

test("nkey auth - exit 2 and nothing written when a peer cannot be a NATS user (every one named) or --monitor is missing", async (t) => {
  const { dir, monitor } = workDir(t);
  const out = join(dir, "peermon-accounts.conf");
  const others = NKEY_VECTORS.filter((v) => v.key_type !== "Ed25519");
  const bad = await runCli(t, ["auth", A.peer_id, ...others.map((v) => v.peer_id), "--monitor", monitor.nkey, "--out", out], {}, 30_000, fromSources);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /^peermon: 3 of 4 peer ids cannot be NATS users, so nothing was written:/);
  for (const v of others) assert.match(bad.stderr, new RegExp(`peer ${v.peer_id}: it has an? .*${v.key_type}.*give the peer an Ed25519 identity`));
  assert.equal(existsSync(out), false);

  const noMonitor = await runCli(t, ["auth", A.peer_id], {}, 30_000, fromSources);
  assert.equal(noMonitor.code, 2);
  assert.match(noMonitor.stderr, /^peermon: --monitor is required \(env PEERMON_AUTH_MONITOR\)/);
  const clear = await runCli(t, ["auth", A.peer_id, "--monitor", "monitor-example-pw"], {}, 30_000, fromSources);
  assert.equal(clear.code, 2);
  assert.doesNotMatch(clear.stderr, /monitor-example-pw/, "a password typed in clear is not echoed");
});
