import { test } from "node:test";
import assert from "node:assert/strict";
import { PeerMonitorClient } from "../../src/client/client.js";
import type { Informer } from "../../src/client/informer.js";
import { allocate, NotEnoughPeersError } from "../../examples/allocator.js";
import { Repinner, type Decision } from "../../examples/repinner.js";
import { AlertCollector, client, cleanup, natsServer, quietPeriod, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

type Hooks = Parameters<typeof natsServer>[0];

/** A nats-server with the repo's nats.conf (JetStream: peerset stream, alert log), a monitor, an SDK client. */
async function live(t: Hooks, overrides: Parameters<typeof startMonitor>[2] = {}) {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server, overrides);
  const nc = await client(t, server);
  return { server, monitor, nc, pm: new PeerMonitorClient(nc) };
}

const HUGE = "99999999999999999999";

test("allocator - picks the k current peers with most freespace: exact values, ties by weight then id", async (t) => {
  const { monitor, nc, pm } = await live(t);
  const alerts = await AlertCollector.start(t, nc);
  const freespace = (peer: string, value: string, extra: { weight?: bigint; valid?: boolean; ttlMs?: number } = {}) =>
    pm.publishMetric({
      name: "freespace",
      peer,
      value,
      valid: extra.valid ?? true,
      weight: extra.weight ?? 0n,
      ttlMs: extra.ttlMs ?? 60_000,
    });
  freespace("P1", "5000");
  freespace("P2", "9007199254740993"); // 2^53 + 1: equal to P3 as a JS number, larger exactly
  freespace("P3", "9007199254740992", { weight: 100n });
  freespace("P4", "7000", { weight: 20n });
  freespace("P5", "7000", { weight: 20n });
  freespace("P6", "7000.5", { weight: 10n });
  freespace("Pinvalid", HUGE, { valid: false });
  freespace("Pexpired", HUGE, { ttlMs: 300 });
  freespace("Poutside", HUGE);
  freespace("Pnan", "lots");
  for (const peer of ["P1", "P3", "P5", "Poutside", "Pnan"]) pm.publishMetric({ name: "ping", peer, ttlMs: 60_000 });
  await waitUntil(() => monitor.stats.metricsStored === 15, "every metric stored");
  await pm.setPeers(["P1", "P2", "P3", "P4", "P5", "P6", "Pinvalid", "Pexpired", "Pnan"]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === 9, "the monitor applies the peerset");
  await alerts.waitFor((a) => a.some((x) => x.peer === "Pexpired" && x.kind === "firing"), "Pexpired's freespace expires");

  const peers = async (k: number, allocateBy?: string[]) => (await allocate(pm, k, { allocateBy })).map((a) => a.peer);
  assert.deepEqual(await peers(4), ["P2", "P3", "P6", "P4"]);
  assert.deepEqual(await peers(6), ["P2", "P3", "P6", "P4", "P5", "P1"]);
  const tooMany = await allocate(pm, 7).catch((err: unknown) => err);
  assert.ok(tooMany instanceof NotEnoughPeersError, String(tooMany));
  assert.equal(tooMany.candidates.length, 6, "invalid, expired, outside the peerset and non-numeric are no candidates");
  assert.match(tooMany.message, /cannot allocate 7 peer\(s\): only 6 .* ask for fewer, or check `peermon latest freespace`/);

  assert.deepEqual(await peers(3, ["ping"]), ["P3", "P5", "P1"], "allocateBy: only peers that also have a ping");
  await assert.rejects(allocate(pm, 4, { allocateBy: ["ping"] }), NotEnoughPeersError);
  await assert.rejects(allocate(pm, 0), /at least 1/);
});

/** A repinner whose decisions and repins are recorded. */
async function recordingRepinner(t: Hooks, pm: PeerMonitorClient, delayMs: number) {
  const decisions: (Decision & { at: number })[] = [];
  const repinned: string[] = [];
  const repinner = await Repinner.start(pm, {
    delayMs,
    repin: (peer) => void repinned.push(peer),
    onDecision: (d) => decisions.push({ ...d, at: Date.now() }),
  });
  cleanup(t, () => repinner.stop());
  const find = (type: Decision["type"], peer: string) => decisions.find((d) => d.type === type && d.peer === peer);
  const saw = (type: Decision["type"], peer: string) => find(type, peer) !== undefined;
  return { repinner, decisions, repinned, saw, find };
}

/** Keeps `peer` pinging every ttl/2 until stopped (stopped after the test at the latest). */
function pinger(t: Hooks, pm: PeerMonitorClient, peer: string, ttlMs = 500): Informer {
  const informer = pm.startInformer({ name: "ping", peer, ttlMs, produce: () => "" });
  cleanup(t, () => informer.stop());
  return informer;
}

test("repinner - repins a peer whose ping stopped exactly once, and not a peer back within the delay", async (t) => {
  // Repeated firing alerts (every 400 ms) must not repin twice: once per failure episode.
  const { monitor, pm } = await live(t, { repeatIntervalMs: 400 });
  const DELAY_MS = 3_000;
  const { repinner, repinned, saw, find } = await recordingRepinner(t, pm, DELAY_MS);
  assert.equal(repinner.fromStream, true, "with JetStream it reads the alert log");
  const informers = new Map(["P1", "P2", "P3"].map((p) => [p, pinger(t, pm, p)]));
  await waitUntil(() => monitor.views.stateCounts().ping?.healthy === 3, "three healthy ping windows");

  await Promise.all([informers.get("P1")!.stop(), informers.get("P2")!.stop()]);
  await waitUntil(() => saw("scheduled", "P2"), "P2's repin scheduled after its firing alert", 20_000);
  pinger(t, pm, "P2"); // P2 is back, well within the delay
  await waitUntil(() => saw("cancelled", "P2"), "P2's repin cancelled by its resolved alert", 20_000);
  await waitUntil(() => repinned.length > 0, "P1 repinned after the delay", 20_000);
  assert.ok(saw("ignored", "P1"), "repeated firing alerts of P1's episode were seen and ignored");
  // Past the time P2's cancelled repin was due: it would have run by now.
  await quietPeriod(Math.max(0, find("scheduled", "P2")!.at + DELAY_MS + 500 - Date.now()));
  assert.deepEqual(repinned, ["P1"]);
  assert.ok(!saw("scheduled", "P3"), "P3 kept pinging");
});

test("repinner - a restarted repinner catches up from the alert log: repins what it missed, not who came back", async (t) => {
  const { monitor, pm } = await live(t);
  const gone = pinger(t, pm, "P1");
  const flapping = pinger(t, pm, "P2");
  await waitUntil(() => monitor.views.stateCounts().ping?.healthy === 2, "two healthy ping windows");
  await Promise.all([gone.stop(), flapping.stop()]);
  await waitUntil(() => monitor.stats.alertsFiring === 2, "both firing alerts sent while no repinner runs");
  pinger(t, pm, "P2");
  await waitUntil(() => monitor.stats.alertsResolved === 1, "P2's resolved alert sent while no repinner runs");

  const { repinned, saw } = await recordingRepinner(t, pm, 1_000);
  await waitUntil(() => repinned.length === 1, "P1 repinned from the log", 20_000);
  await waitUntil(() => saw("cancelled", "P2"), "P2's missed episode read and closed");
  assert.deepEqual(repinned, ["P1"]);
});
