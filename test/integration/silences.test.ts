import { test } from "node:test";
import assert from "node:assert/strict";
import { PeerMonitorClient } from "../../src/client/client.js";
import { SilenceNotFound } from "../../src/errors.js";
import { AlertCollector, client, natsServer, publishMetric, quietPeriod, startMonitor, waitUntil } from "../helpers/nats.js";
import { TEST_DELIVERY } from "../helpers/delivery.js";
import { TestReceiver, webhookAlerts } from "../helpers/receiver.js";

test("silences - a silenced peer's alert is published with m: true, the others' without; the alert log keeps the mute", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const alerts = await AlertCollector.start(t, nc);
  const silence = await pm.addSilence({ peer: "P1", forMs: 60_000, comment: "reboot", createdBy: "test" });
  await waitUntil(() => monitor.controls.activeSilences() === 1, "the monitor follows the new silence");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 300 });
  await alerts.waitFor((a) => a.length === 2, "both firing alerts");
  const byPeer = Object.fromEntries(alerts.alerts.map((a) => [a.peer, a.muted === true]));
  assert.deepEqual(byPeer, { P1: true, P2: false });
  assert.equal(monitor.stats.alertsMuted, 1);

  const caughtUp = pm.alerts({ name: "ping", peer: "P1", fromStream: true });
  const fromLog = (await caughtUp[Symbol.asyncIterator]().next()).value;
  caughtUp.stop();
  assert.equal(fromLog.muted, true, "a consumer catching up from the log sees the mute too");
  assert.deepEqual(
    (await pm.listSilences()).map((s) => [s.id, s.peer, s.name, s.comment, s.createdBy]),
    [[silence.id, "P1", undefined, "reboot", "test"]],
  );
});

test("silences - removing a silence while the peer is alerted: one unmuted firing alert of the same episode", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const alerts = await AlertCollector.start(t, nc);
  const silence = await pm.addSilence({ name: "ping", peer: "P1", forMs: 3_600_000 });
  await waitUntil(() => monitor.controls.activeSilences() === 1, "the monitor follows the silence");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
  await alerts.waitFor((a) => a.length === 1, "the muted firing alert");
  const removed = await pm.removeSilence(silence.id);
  assert.equal(removed.id, silence.id);
  await alerts.waitFor((a) => a.length === 2, "the firing alert delivered at the silence's end");
  const [muted, delivered] = alerts.alerts;
  assert.deepEqual([muted!.muted, delivered!.muted, delivered!.kind], [true, undefined, "firing"]);
  assert.equal(delivered!.episode, muted!.id, "a repeat of the same episode (x unchanged)");
  await assert.rejects(pm.removeSilence(silence.id), (err: unknown) => err instanceof SilenceNotFound && /silence ls/.test((err as Error).message));
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  await alerts.waitFor((a) => a.length === 3, "the resolved alert");
  assert.equal(alerts.alerts[2]!.muted, undefined, "the sinks had the firing alert: they get its resolution");
});

test("silences - a silence survives a monitor restart, and one that ends while no monitor runs is over at the next start", async (t) => {
  const server = await natsServer(t);
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const alerts = await AlertCollector.start(t, nc);
  const short = await pm.addSilence({ peer: "P1", forMs: 2_500 });
  const long = await pm.addSilence({ peer: "P2", forMs: 3_600_000 });
  const first = await startMonitor(t, server, { graceMs: 500 });
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 200 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 200 });
  await alerts.waitFor((a) => a.length === 2, "two muted firing alerts");
  assert.ok(alerts.alerts.every((a) => a.muted));
  await first.stop();

  await waitUntil(() => Date.now() > short.endsAtMs + 300, "P1's silence ends while no monitor runs", 10_000);
  assert.deepEqual(
    (await pm.listSilences()).map((s) => s.id),
    [long.id],
    "over by itself: no process was up at its end",
  );
  const second = await startMonitor(t, server, { graceMs: 500 });
  await alerts.waitFor((a) => a.length === 3, "P1's firing alert delivered at start");
  const p1 = alerts.of("firing", "P1");
  assert.deepEqual(
    p1.map((a) => a.muted === true),
    [true, false],
  );
  assert.equal(p1[1]!.episode, p1[0]!.id);
  await quietPeriod(1_000);
  assert.equal(alerts.of("firing", "P2").length, 1, "P2's silence still holds after the restart");
  assert.equal(second.controls.activeSilences(), 1);

  publishMetric(nc, { n: "ping", p: "P3", ttlMs: 200 });
  await alerts.waitFor((a) => a.some((x) => x.peer === "P3"), "a new alert");
  assert.equal(alerts.of("firing", "P3")[0]!.muted, undefined, "an unsilenced peer");
  await pm.removeSilence(long.id);
  await alerts.waitFor((a) => a.filter((x) => x.peer === "P2").length === 2, "P2 delivered once its silence is removed");
});

test("silences - two replicas: a silence's end is delivered by exactly one unmuted repeat", async (t) => {
  const server = await natsServer(t);
  const a = await startMonitor(t, server);
  const b = await startMonitor(t, server);
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const alerts = await AlertCollector.start(t, nc);
  await pm.addSilence({ peer: "P1", forMs: 2_000 });
  await waitUntil(() => a.controls.activeSilences() === 1 && b.controls.activeSilences() === 1, "both replicas follow the silence");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 200 });
  await alerts.waitFor((x) => x.length === 2, "the muted firing alert, then its delivery at the silence's end", 10_000);
  await quietPeriod(1_000);
  assert.deepEqual(
    alerts.alerts.map((x) => `${x.kind} ${x.muted === true}`),
    ["firing true", "firing false"],
  );
  assert.ok(a.stats.alertsDeduplicated + b.stats.alertsDeduplicated >= 2, "each replica's copy of each transition dropped once");
});

test("silences - without JetStream adding one is a clear error, and the monitor runs without them", async (t) => {
  const server = await natsServer(t, { jetstream: false });
  await startMonitor(t, server, { jetstream: false });
  const pm = new PeerMonitorClient(await client(t, server));
  await assert.rejects(pm.addSilence({ peer: "P1", forMs: 60_000 }), /cannot store a silence: JetStream is not enabled.*silences are kept there/);
});

test("silences - a silenced peer's alert reaches no sink; the silence's end delivers it, and then its resolution", async (t) => {
  const server = await natsServer(t);
  const receiver = await TestReceiver.start(t);
  const monitor = await startMonitor(t, server, { ...TEST_DELIVERY, webhookUrl: receiver.url });
  const nc = await client(t, server);
  const pm = new PeerMonitorClient(nc);
  const alerts = await AlertCollector.start(t, nc);
  const silence = await pm.addSilence({ peer: "P1", forMs: 3_600_000 });
  await waitUntil(() => monitor.controls.activeSilences() === 1, "the monitor follows the silence");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 300 });
  await receiver.waitFor(() => webhookAlerts(receiver.requests).length === 1, "P2's alert at the receiver");
  await alerts.waitFor((a) => a.length === 2, "both alerts on NATS");
  await waitUntil(() => monitor.delivery!.status().sinks[0]!.counters.muted === 1, "P1's alert counted as muted by the sink");
  const received = () => webhookAlerts(receiver.requests).map((a) => `${a.status} ${a.labels.peer}`);
  assert.deepEqual(received(), ["firing P2"], "nothing of the silenced peer");
  assert.equal(alerts.of("firing", "P1")[0]!.muted, true, "on NATS, muted");

  await pm.removeSilence(silence.id);
  await receiver.waitFor(() => received().includes("firing P1"), "P1 delivered at the silence's end");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  await receiver.waitFor(() => received().includes("resolved P1"), "and its resolution");
  assert.deepEqual(received(), ["firing P2", "firing P1", "resolved P1"]);
});
