import { test } from "node:test";
import assert from "node:assert/strict";
import { PeerMonitorClient } from "../../src/client/client.js";
import { AlertCollector, cleanup, client, natsServer, publishMetric, quietPeriod, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

test("replicas - two replicas alert exactly once per transition, and answer each query once", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const a = await startMonitor(t, server);
  const b = await startMonitor(t, server);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  const peers = Array.from({ length: 10 }, (_, i) => `P${i}`);
  for (const p of peers) publishMetric(nc, { n: "ping", p, ttlMs: 500 });
  await alerts.waitFor((x) => x.length === 10, "10 firing alerts");
  await quietPeriod(500);
  assert.equal(alerts.of("firing").length, 10, "no duplicate firing alert");
  assert.deepEqual(new Set(alerts.alerts.map((x) => x.peer)), new Set(peers));
  assert.equal(a.stats.alertsFiring + b.stats.alertsFiring, 20, "both replicas decided every transition");
  assert.ok(a.stats.alertsDeduplicated + b.stats.alertsDeduplicated >= 10, "one replica's copy was dropped each time");

  for (const p of peers) publishMetric(nc, { n: "ping", p, ttlMs: 60_000 });
  await alerts.waitFor((x) => x.filter((y) => y.kind === "resolved").length === 10, "10 resolved alerts");
  await quietPeriod(500);
  assert.equal(alerts.alerts.length, 20, "exactly one resolved per peer");

  const requests = Array.from({ length: 20 }, () => new PeerMonitorClient(nc).latest("ping"));
  for (const latest of await Promise.all(requests)) assert.equal(latest.length, 10);
});

test("replicas - when one replica stops, the other still alerts, once", async (t) => {
  const server = await natsServer(t);
  const a = await startMonitor(t, server);
  const b = await startMonitor(t, server);
  const nc = await client(t, server);
  const alerts = await AlertCollector.start(t, nc);
  for (const p of ["P1", "P2"]) publishMetric(nc, { n: "ping", p, ttlMs: 800 });
  await waitUntil(() => a.supervisor.windowCount === 2 && b.supervisor.windowCount === 2, "both replicas track both");
  await a.stop();
  await alerts.waitFor((x) => x.length === 2, "2 firing alerts from the surviving replica");
  await quietPeriod(500);
  assert.equal(alerts.alerts.length, 2);
});

test("replicas - the public copy of a logged alert comes from the monitor that logged it: once, with the log's stream and sequence", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  await startMonitor(t, server);
  await startMonitor(t, server);
  const nc = await client(t, server);
  const copies: { seq: string | undefined; stream: string | undefined; subject: string | undefined }[] = [];
  const sub = nc.subscribe("peermon.alerts.>", {
    callback: (err, m) =>
      err || copies.push({ seq: m.headers?.get("Nats-Sequence"), stream: m.headers?.get("Nats-Stream"), subject: m.headers?.get("Nats-Subject") }),
  });
  cleanup(t, () => sub.unsubscribe());
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
  await waitUntil(() => copies.length === 1, "the firing alert");
  await quietPeriod(500);
  const logged = await (await nc.jetstreamManager()).streams.getMessage("PEERMON_ALERTS", { last_by_subj: "peermon.alertlog.ping.P1" });
  assert.deepEqual(
    copies,
    [{ seq: String(logged.seq), stream: "PEERMON_ALERTS", subject: "peermon.alertlog.ping.P1" }],
    "one copy, naming where the log holds it",
  );
});

test("replicas - an alert log made by an older peermon, which republishes on its own, gets no second copy from the monitor", async (t) => {
  const server = await natsServer(t);
  const nc = await client(t, server);
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({
    name: "PEERMON_ALERTS",
    subjects: ["peermon.alertlog.*.*"],
    republish: { src: "peermon.alertlog.>", dest: "peermon.alerts.>" },
    max_msgs_per_subject: 64,
  });
  await startMonitor(t, server);
  const alerts = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
  await alerts.waitFor((a) => a.length === 1, "the firing alert");
  await quietPeriod(500);
  assert.equal(alerts.alerts.length, 1, "the server's republish only");
});
