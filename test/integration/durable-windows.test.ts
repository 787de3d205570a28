import { test } from "node:test";
import assert from "node:assert/strict";
import type { NatsConnection } from "nats";
import { partitionOf } from "../../src/api/subjects.js";
import { SystemClock, type Clock } from "../../src/clock.js";

const systemClock = new SystemClock();
import type { Monitor } from "../../src/monitor.js";
import { AlertCollector, cleanup, client, natsServer, publishMetric, quietPeriod, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

const NAMES = ["ping", "freespace", "numpin", "pinqueue", "reposize", "tags", "cpu", "memory"];

/** Streams on the server, by name, with their subjects and message counts. */
async function streams(nc: NatsConnection): Promise<Map<string, { subjects: string[]; messages: number }>> {
  const jsm = await nc.jetstreamManager();
  const out = new Map<string, { subjects: string[]; messages: number }>();
  for await (const si of jsm.streams.list()) out.set(si.config.name, { subjects: si.config.subjects, messages: si.state.messages });
  return out;
}

/** Resolves after the monitor's next checkpoint round that stored something. */
async function nextCheckpoint(m: Monitor, what: string): Promise<void> {
  const before = m.stats.checkpointBatches;
  await waitUntil(() => m.stats.checkpointBatches > before, what);
}

/** Resolves once `n` more checkpoint rounds are over (written or not). */
async function rounds(m: Monitor, n: number): Promise<void> {
  const before = m.stats.checkpointRounds;
  await waitUntil(() => m.stats.checkpointRounds >= before + n, `${n} checkpoint rounds`);
}

/** The system clocks (monotonic and wall), `offsetMs` off: a monitor on another machine, or a VM before NTP. */
function skewedClock(offsetMs: number): Clock {
  return { ...systemClock, now: () => systemClock.now() + offsetMs, wallNow: () => systemClock.wallNow() + offsetMs };
}

/** How old a metric a monitor holds is, on that monitor's own clock, ms. */
function ageOn(m: Monitor, clock: Clock, name: string, peer: string): number {
  const metric = m.views.latestForPeer(name, peer);
  assert.ok(metric, `${name}/${peer} restored`);
  return clock.wallNow() - Number(metric.receivedAt) / 1e6;
}

test("durable windows - the server stores no metric, only checkpoint buckets, and rewrites a bucket only when its windows changed", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const monitor = await startMonitor(t, server, { checkpointIntervalMs: 300 });
  for (let round = 0; round < 5; round++) {
    for (const n of NAMES) for (let p = 0; p < 25; p++) publishMetric(nc, { n, p: `P${p}`, v: String(round), ttlMs: 600_000 });
  }
  await nc.flush();
  await waitUntil(() => monitor.supervisor.windowCount === NAMES.length * 25, "every window");
  await waitUntil(() => monitor.stats.journalWindows === NAMES.length * 25, "every new window journaled");
  await rounds(monitor, 2); // the second started after the last metric was applied, and the journal's last write

  const all = await streams(nc);
  for (const [name, s] of all) {
    assert.ok(!s.subjects.some((x) => x.includes(".metrics.")), `stream ${name} captures no metric subject: ${s.subjects}`);
  }
  const partitions = new Set(NAMES.map((n) => partitionOf(n, 32))).size;
  assert.equal(
    all.get("PEERMON_WINDOWS")?.messages,
    partitions,
    "one bucket per partition holds these 200 windows: 1,000 metrics cost the server 8 writes a round",
  );

  const written = monitor.stats.checkpointBatches;
  await rounds(monitor, 4);
  assert.equal(monitor.stats.checkpointBatches, written, "unchanged buckets are not written again");
  publishMetric(nc, { n: "ping", p: "P3", v: "new", ttlMs: 600_000 });
  await nextCheckpoint(monitor, "the changed bucket");
  await rounds(monitor, 2);
  assert.equal(monitor.stats.checkpointBatches, written + 1, "only the bucket of the changed window, once");
});

test("durable windows - a replica that starts takes the newest windows from a live sibling, newer than any checkpoint", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const sibling = await startMonitor(t, server);
  const leaving = await startMonitor(t, server);
  const peers = Array.from({ length: 300 }, (_, i) => `P${i}`);
  for (const p of peers) publishMetric(nc, { n: "freespace", p, v: "1", ttlMs: 600_000 });
  await waitUntil(() => leaving.supervisor.windowCount === 300 && sibling.supervisor.windowCount === 300, "both replicas hold 300 windows");
  await leaving.stop(); // its last checkpoint has v1
  for (const p of peers) publishMetric(nc, { n: "freespace", p, v: "2", ttlMs: 600_000 });
  await waitUntil(() => sibling.views.latestForPeer("freespace", "P299")?.value === "2", "the sibling has v2");

  const back = await startMonitor(t, server);
  assert.equal(back.supervisor.windowCount, 300);
  assert.equal(back.stats.windowsRestored, 300);
  const values = new Set(peers.map((p) => back.views.latestForPeer("freespace", p)?.value));
  assert.deepEqual([...values], ["2"], "every window as the sibling holds it, not as the last checkpoint had it");
  assert.ok(sibling.stats.transferBatches >= 1, "the sibling handed the windows over");
});

test("durable windows - with no sibling, a monitor that crashed comes back with its last checkpoint round", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const first = await startMonitor(t, server, { checkpointIntervalMs: 300 });
  for (const p of ["P1", "P2", "P3"]) publishMetric(nc, { n: "ping", p, v: "before", ttlMs: 600_000 });
  await waitUntil(() => first.supervisor.windowCount === 3, "three windows");
  await nextCheckpoint(first, "a checkpoint round");
  await first.nc.close(); // a crash: no last checkpoint at stop
  await first.stop();

  const second = await startMonitor(t, server);
  assert.deepEqual(
    ["P1", "P2", "P3"].map((p) => second.views.latestForPeer("ping", p)?.value),
    ["before", "before", "before"],
  );
});

for (const [how, offsetMs] of [
  ["an hour ahead", 3_600_000],
  ["an hour behind", -3_600_000],
] as const) {
  test(`durable windows - windows written by a monitor whose clock is ${how} keep their age, from a checkpoint and from a sibling (regression: skew)`, async (t) => {
    const server = await natsServer(t, { configFile: REPO_NATS_CONF });
    const nc = await client(t, server);
    const skewed = skewedClock(offsetMs);
    const writer = await startMonitor(t, server, {}, { clock: skewed });
    publishMetric(nc, { n: "ping", p: "P1", ttlMs: 600_000 });
    const publishedAt = Date.now();
    await waitUntil(() => writer.supervisor.windowCount === 1, "the window");
    await quietPeriod(1_500);

    // From a live sibling whose clock is off.
    const fromSibling = await startMonitor(t, server);
    const siblingAge = ageOn(fromSibling, systemClock, "ping", "P1");
    // From the checkpoint the skewed monitor writes as it stops (no sibling answers any more).
    await fromSibling.stop();
    await writer.stop();
    const fromCheckpoint = await startMonitor(t, server);
    const checkpointAge = ageOn(fromCheckpoint, systemClock, "ping", "P1");
    const realAge = Date.now() - publishedAt;
    assert.ok(siblingAge > 1_000 && siblingAge < realAge + 500, `from the sibling: ${siblingAge} ms old, published ${realAge} ms ago`);
    assert.ok(checkpointAge > 1_000 && checkpointAge < realAge + 500, `from the checkpoint: ${checkpointAge} ms old, published ${realAge} ms ago`);
  });
}

test("durable windows - without them nothing is stored for restarts: a restart starts empty", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const first = await startMonitor(t, server, { durableWindows: false });
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 600_000 });
  await waitUntil(() => first.supervisor.windowCount === 1, "the window");
  await first.stop();
  const second = await startMonitor(t, server, { durableWindows: false });
  assert.equal(second.supervisor.windowCount, 0);
  assert.ok(!(await streams(nc)).has("PEERMON_WINDOWS"), "no checkpoint stream");
  assert.equal(alerts.alerts.length, 0);
});

test("durable windows - replicas of a shard take turns: the server gets one checkpoint round per interval, not one per replica", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const intervalMs = 250;
  const a = await startMonitor(t, server, { checkpointIntervalMs: intervalMs });
  const b = await startMonitor(t, server, { checkpointIntervalMs: intervalMs });
  // One window that changes all the time: every round has one bucket to write.
  const timer = setInterval(() => publishMetric(nc, { n: "ping", p: "P1", ttlMs: 600_000 }), 50);
  cleanup(t, () => clearInterval(timer));
  await waitUntil(() => a.stats.checkpointBatches + b.stats.checkpointBatches > 0, "a first round");
  const start = a.stats.checkpointBatches + b.stats.checkpointBatches;
  const startedAt = Date.now();
  await quietPeriod(20 * intervalMs);
  const rounds = a.stats.checkpointBatches + b.stats.checkpointBatches - start;
  const intervals = (Date.now() - startedAt) / intervalMs;
  assert.ok(rounds >= intervals * 0.4, `rounds went on: ${rounds} in ${intervals.toFixed(1)} intervals`);
  assert.ok(
    rounds <= intervals * 1.5,
    `${rounds} rounds in ${intervals.toFixed(1)} intervals: the replicas took turns (each alone would make ${Math.round(intervals * 2)})`,
  );

  // Whichever wrote, the other writes once it stops.
  const [gone, left] = a.stats.checkpointBatches >= b.stats.checkpointBatches ? [a, b] : [b, a];
  await gone.stop();
  const before = left.stats.checkpointBatches;
  const stoppedAt = Date.now();
  await waitUntil(() => left.stats.checkpointBatches >= before + 3, "the remaining replica writing rounds");
  assert.ok(Date.now() - stoppedAt < 8 * intervalMs, `three rounds within ${Date.now() - stoppedAt} ms`);
});

test("durable windows - a new window is journaled within a second, before any round, and a crash then loses nothing (a refreshing metric is not journaled)", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const nc = await client(t, server);
  const monitor = await startMonitor(t, server, { checkpointIntervalMs: 60_000 });
  const createdAt = Date.now();
  for (const p of ["P1", "P2", "P3"]) publishMetric(nc, { n: "ping", p, v: "new", ttlMs: 600_000 });
  await waitUntil(() => monitor.stats.journalWindows === 3, "the three new windows journaled");
  assert.ok(Date.now() - createdAt < 1_000, `journaled ${Date.now() - createdAt} ms after their first metric`);
  assert.equal(monitor.stats.checkpointRounds, 0, "no round yet: the journal alone holds them");
  const jsm = await nc.jetstreamManager();
  const journal = await jsm.streams.getMessage("PEERMON_WINDOWS", { last_by_subj: `peermon.checkpoint.${partitionOf("ping", 32)}.>` });
  assert.match(journal.subject, /^peermon\.checkpoint\.\d+\.j[a-z0-9]+-\d+$/, "a subject of its own in the checkpoint stream");

  publishMetric(nc, { n: "ping", p: "P1", v: "refreshed", ttlMs: 600_000 });
  await waitUntil(() => monitor.stats.metricsStored === 4, "a refreshing metric");
  assert.equal(monitor.stats.journalWindows, 3, "a metric that only refreshes a window is not journaled");

  // A crash now (no round, no last checkpoint) loses nothing: a restart reads the journal.
  await monitor.nc.close();
  await monitor.stop();
  const second = await startMonitor(t, server, { checkpointIntervalMs: 300 });
  assert.deepEqual(
    ["P1", "P2", "P3"].map((p) => second.views.latestForPeer("ping", p)?.value),
    ["new", "new", "new"],
  );
  await rounds(second, 1);
  const left = (await streams(nc)).get("PEERMON_WINDOWS")!.messages;
  assert.equal(left, 2, "the round's bucket, and the dead writer's journal message (its retention drops it)");
});
