import { test } from "node:test";
import assert from "node:assert/strict";
import { encode } from "../../src/api/codec.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { JetStreamMissing } from "../../src/errors.js";
import { peersetStreamName } from "../../src/bus/peerset-stream.js";
import { client, natsServer, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

test("peerset sdk - setPeers, addPeer and removePeer are stored in JetStream and applied by the monitor", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server);
  const pm = new PeerMonitorClient(await client(t, server));
  const peers = () => monitor.supervisor.currentPeerSet?.peers.join(",");

  const set = await pm.setPeers(["P1", "P2", "P2"]);
  assert.deepEqual(set.peerset.peers, ["P1", "P2"], "duplicates dropped");
  assert.match(set.peerset.id, ULID);
  assert.equal(set.stored, true);
  await waitUntil(() => peers() === "P1,P2", "the monitor applies the set");

  assert.equal((await pm.addPeer("P3")).changed, true);
  await waitUntil(() => peers() === "P1,P2,P3", "the monitor applies the addition");
  assert.equal((await pm.removePeer("P1")).changed, true);
  await waitUntil(() => peers() === "P2,P3", "the monitor applies the removal");
  assert.deepEqual((await pm.getPeerSet())?.peers, ["P2", "P3"]);
});

test("peerset sdk - adding a member or removing a non-member is a no-op that publishes nothing", async (t) => {
  const server = await natsServer(t);
  const pm = new PeerMonitorClient(await client(t, server));
  await pm.setPeers(["P1"]);
  const before = await pm.peersets.read();
  const added = await pm.addPeer("P1");
  const removed = await pm.removePeer("P9");
  assert.deepEqual([added.changed, removed.changed], [false, false]);
  assert.deepEqual(added.peerset.peers, ["P1"]);
  assert.deepEqual(await pm.peersets.read(), before, "the stream did not move");
});

test("peerset sdk - 10 concurrent addPeer calls from separate connections end with all 10 peers present", async (t) => {
  const server = await natsServer(t);
  const writers = await Promise.all(Array.from({ length: 10 }, async (_, i) => new PeerMonitorClient(await client(t, server, `writer-${i}`))));
  // No stream exists yet: the writers also race to create it.
  const results = await Promise.all(writers.map((pm, i) => pm.addPeer(`P${i}`)));
  assert.ok(results.every((r) => r.changed && r.stored));
  const current = await writers[0]!.getPeerSet();
  assert.deepEqual([...current!.peers].sort(), Array.from({ length: 10 }, (_, i) => `P${i}`).sort(), "no update was lost");
});

test("peerset sdk - the newest valid message is current, and a later garbage message does not block writers", async (t) => {
  const server = await natsServer(t);
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  await pm.setPeers(["P1", "P2"]);
  await nc.jetstream().publish("peermon.peerset", encode({ s: "not a list" }));
  const reading = await pm.peersets.read();
  assert.equal(reading.type, "current");
  assert.deepEqual(reading.type === "current" && [reading.peerset.peers, reading.seq, reading.lastSeq], [["P1", "P2"], 1, 2]);
  await pm.addPeer("P3");
  assert.deepEqual((await pm.getPeerSet())?.peers, ["P1", "P2", "P3"]);
});

test("peerset sdk - a set written before any monitor ran creates the stream and is applied at start", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const pm = new PeerMonitorClient(await client(t, server));
  assert.deepEqual(await pm.peersets.read(), { type: "no-stream", stream: peersetStreamName("peermon") });
  assert.equal(await pm.getPeerSet(), undefined);
  await pm.setPeers(["A", "B"]);
  const monitor = await startMonitor(t, server);
  assert.deepEqual(monitor.supervisor.currentPeerSet?.peers, ["A", "B"]);
});

test("peerset sdk - without JetStream setPeers publishes plainly, reads and edits say to enable it", async (t) => {
  const server = await natsServer(t, { jetstream: false });
  const monitor = await startMonitor(t, server);
  const pm = new PeerMonitorClient(await client(t, server));
  const set = await pm.setPeers(["P1"]);
  assert.deepEqual([set.changed, set.stored], [true, false]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers[0] === "P1", "the monitor applies it in memory");
  await assert.rejects(pm.getPeerSet(), (err: Error) => err instanceof JetStreamMissing && /enable it/.test(err.message));
  await assert.rejects(pm.addPeer("P2"), JetStreamMissing);
});

test("peerset sdk - an invalid peer id is refused before anything is published", async (t) => {
  const server = await natsServer(t);
  const pm = new PeerMonitorClient(await client(t, server));
  await assert.rejects(pm.addPeer("a.b"), /invalid peer id "a\.b"/);
  await assert.rejects(pm.setPeers(["ok", "a b"]), /invalid peer id "a b"/);
  assert.deepEqual(await pm.peersets.read(), { type: "no-stream", stream: peersetStreamName("peermon") });
});
