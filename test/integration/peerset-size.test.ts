/**
 * PeerSets of real cluster size over a real nats-server: 10,000 libp2p ids (about 540 KB) through
 * the SDK, plain publishes, compare-and-set edits and a monitor restart; one byte over the
 * server's max_payload; and a PeerSet stream an operator limited to 64 KiB.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { connect, DiscardPolicy, StorageType, type JetStreamManager } from "nats";
import { pino } from "pino";
import { encodePeerSet } from "../../src/api/codec.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { PeerSetTooLarge } from "../../src/client/peerset-too-large.js";
import { resolveConfig, TEST_CONFIG } from "../../src/config.js";
import { Monitor } from "../../src/monitor.js";
import { cleanup, client, natsServer, publishMetric, publishPeerSet, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";
import { encodedSize, libp2pIds, peersEncodingTo } from "../helpers/peer-ids.js";

const STREAM = "PEERMON_PEERSET";
const TEN_K = libp2pIds(10_000);
const SECURE_CONF = fileURLToPath(new URL("../../deploy/secure/nats-secure.conf", import.meta.url));
/** The example password of a user of the secure config. */
const password = (user: string) => `${user}-example-pw`;

type Hooks = Parameters<typeof cleanup>[0];

/** The PeerSet stream with an operator's limit of 64 KiB per message. */
async function limitedStream(jsm: JetStreamManager): Promise<void> {
  await jsm.streams.add({
    name: STREAM,
    subjects: ["peermon.peerset"],
    max_msgs_per_subject: 16,
    max_msg_size: 64 * 1024,
    discard: DiscardPolicy.Old,
    storage: StorageType.File,
    num_replicas: 1,
  });
}

const peersOf = (m: Monitor) => m.supervisor.currentPeerSet?.peers;

test("peerset size - 10,000 libp2p ids end to end under nats.conf: set, add, rm, plain publish, and a monitor restart", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const first = await startMonitor(t, server);
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  assert.ok(encodedSize(TEN_K) > 500_000, `${encodedSize(TEN_K)} bytes: far over the 64 KiB metric limit`);

  const set = await pm.setPeers(TEN_K);
  assert.deepEqual([set.stored, set.peerset.peers.length], [true, 10_000]);
  await waitUntil(() => peersOf(first)?.length === 10_000, "the monitor applies 10,000 peers");
  await pm.addPeer("newcomer");
  await pm.removePeer(TEN_K[0]!);
  await waitUntil(
    () => peersOf(first)?.length === 10_000 && peersOf(first)?.includes("newcomer") === true && !peersOf(first)?.includes(TEN_K[0]!),
    "the monitor applies the compare-and-set edits",
  );
  publishPeerSet(nc, TEN_K.slice(1)); // a peer manager's plain publish of the same size
  await waitUntil(() => peersOf(first)?.length === 9_999, "the plain publish is stored and applied");
  assert.equal(first.stats.rejectedTotal(), 0);
  assert.equal(first.stats.peersetsApplied, 4);
  await first.stop();

  const second = await startMonitor(t, server);
  assert.deepEqual(peersOf(second), TEN_K.slice(1), "read back from the stream at start, without a re-publish");
  publishMetric(nc, { n: "ping", p: TEN_K[1]!, ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: TEN_K[0]!, ttlMs: 60_000 });
  await waitUntil(() => second.stats.metricsStored + second.stats.metricsIgnored === 2, "both metrics handled");
  assert.deepEqual([second.stats.metricsStored, second.stats.metricsIgnored], [1, 1], "the member stored, the removed peer ignored");
  assert.equal((await pm.getPeerSet())?.peers.length, 9_999);
});

test("peerset size - one byte over the server's max_payload: the SDK fails naming the limit and the fix; at the limit it works", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const max = nc.info!.max_payload;
  assert.equal(max, 8 * 1024 * 1024, "nats.conf's max_payload: 8MB");
  await pm.setPeers(["P1"]);
  await waitUntil(() => peersOf(monitor)?.join() === "P1", "a first peerset applied");

  const over = peersEncodingTo(max + 1);
  const isServerRefusal = (err: unknown) => {
    assert.ok(err instanceof PeerSetTooLarge, String(err));
    assert.deepEqual([err.limitedBy, err.limitBytes, err.bytes], ["server", max, max + 1]);
    assert.match(err.message, /over the NATS server's max_payload of 8,388,608 bytes \(8 MiB\): raise max_payload/);
    return true;
  };
  await assert.rejects(pm.setPeers(over), isServerRefusal);
  assert.throws(() => pm.publishPeerSet({ peers: over, id: "01J0000000000000000000000A" }), isServerRefusal);
  assert.deepEqual((await pm.getPeerSet())?.peers, ["P1"], "nothing was stored");

  const atLimit = peersEncodingTo(max);
  assert.equal((await pm.setPeers(atLimit)).stored, true);
  await waitUntil(() => peersOf(monitor)?.length === atLimit.length, "a PeerSet of exactly max_payload is applied", 30_000);
  assert.equal(monitor.stats.rejectedTotal(), 0);
});

/** A server with the secure config; `as(user)` connects as one of its users. */
async function secureServer(t: Hooks) {
  const server = await natsServer(t, { configFile: SECURE_CONF, args: ["-m", "-1"] });
  const as = async (user: string) => {
    const nc = await connect({ servers: server.url, user, pass: password(user), name: user, maxReconnectAttempts: 0 });
    cleanup(t, () => nc.close());
    return nc;
  };
  const monitor = async () => {
    const warnings: { msg: string; [k: string]: unknown }[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const config = resolveConfig({ ...TEST_CONFIG, nats: { servers: server.url, user: "monitor", password: password("monitor") } });
    const m = await Monitor.start(config, { log });
    cleanup(t, () => m.stop());
    return { monitor: m, warnings };
  };
  return { as, monitor };
}

test("peerset size - secure config: the peer manager sets 10,000 libp2p ids and the monitor applies them", async (t) => {
  const { as, monitor: start } = await secureServer(t);
  const { monitor, warnings } = await start();
  const pm = new PeerMonitorClient(await as("peermgr"));
  assert.equal((await pm.setPeers(TEN_K)).stored, true);
  await waitUntil(() => peersOf(monitor)?.length === 10_000, "applied");
  assert.deepEqual(warnings, []);
});

test("peerset size - a stream an operator limited to 64 KiB: each refused PeerSet is counted and logged, the SDK says what to run", async (t) => {
  const { as, monitor: start } = await secureServer(t);
  await limitedStream(await (await as("monitor")).jetstreamManager());
  const { monitor, warnings } = await start();
  const peermgr = await as("peermgr");
  const jsm = await peermgr.jetstreamManager();
  assert.equal((await jsm.streams.info(STREAM)).config.max_msg_size, 65_536, "the operator's limit stays");
  const startWarning = warnings.find((w) => /peerset stream refuses PeerSets over its max_msg_size/.test(w.msg));
  assert.ok(startWarning, JSON.stringify(warnings));
  assert.match(startWarning.msg, /nats stream edit PEERMON_PEERSET --max-msg-size=-1/);
  assert.equal(startWarning.maxMsgSize, 65_536);

  const big = libp2pIds(1_300);
  peermgr.publish("peermon.peerset", encodePeerSet({ peers: big, id: "01J0000000000000000000000A" }));
  await waitUntil(() => monitor.stats.rejected.too_large === 1, "the refused PeerSet is counted as too_large");
  assert.ok(warnings.some((w) => /refused by the stream and is not applied/.test(w.msg) && w.bytes === encodedSize(big)));
  assert.equal(peersOf(monitor), undefined, "not applied");

  const pm = new PeerMonitorClient(peermgr);
  await assert.rejects(pm.setPeers(big), (err: unknown) => {
    assert.ok(err instanceof PeerSetTooLarge, String(err));
    assert.deepEqual([err.limitedBy, err.limitBytes], ["stream", 65_536]);
    assert.match(err.message, /the stream PEERMON_PEERSET accepts \(its max_msg_size\)/);
    assert.match(err.message, /`nats stream edit PEERMON_PEERSET --max-msg-size=-1`/);
    return true;
  });
  await waitUntil(() => monitor.stats.rejected.too_large === 2, "the SDK's refused attempt is counted too (it was on the subject)");
  await pm.setPeers(["P1", "P2"]);
  await waitUntil(() => peersOf(monitor)?.join() === "P1,P2", "a PeerSet within the limit still works");
  assert.equal(monitor.stats.rejectedTotal(), 2);
});
