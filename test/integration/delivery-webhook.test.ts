import { test } from "node:test";
import assert from "node:assert/strict";
import { encode } from "../../src/api/codec.js";
import { verifySignature } from "../../src/delivery/signature.js";
import { capturedLogger, startDelivery, TEST_DELIVERY } from "../helpers/delivery.js";
import { client, natsServer, publishMetric, quietPeriod, startMonitor, waitUntil } from "../helpers/nats.js";
import { TestReceiver, webhookAlerts, type WebhookBody } from "../helpers/receiver.js";
import { deliveryLines } from "../../src/cli/delivery-status.js";

const ids = (r: TestReceiver) => webhookAlerts(r.requests).map((a) => a.annotations.alert_id!);

test("delivery webhook - a dead peer reaches the receiver signed, as Alertmanager's payload; its return resolves it", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const receiver = await TestReceiver.start(t);
  const delivery = await startDelivery(t, server, { webhookUrl: receiver.url, webhookSecret: "s3cret", externalUrl: "http://peermon.test/" });
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
  await receiver.waitFor((r) => r.length === 1, "the firing alert");
  const firing = receiver.requests[0]!;
  assert.equal(firing.method, "POST");
  assert.equal(firing.headers["content-type"], "application/json");
  assert.ok(verifySignature(firing.raw, "s3cret", firing.headers["x-peermon-signature"] as string), "signature verified");
  const body = firing.json<WebhookBody>();
  assert.equal(body.version, "4");
  assert.equal(body.status, "firing");
  assert.equal(body.receiver, "peermon");
  assert.equal(body.externalURL, "http://peermon.test/");
  assert.deepEqual(body.alerts[0]!.labels, { alertname: "PeermonMetricExpired", metric: "ping", peer: "P1" });
  assert.match(body.alerts[0]!.annotations.summary!, /^Peer P1 stopped sending ping: silent since /);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  await receiver.waitFor((r) => r.length === 2, "the resolved alert");
  const resolved = receiver.requests[1]!.json<WebhookBody>();
  assert.equal(resolved.status, "resolved");
  assert.equal(resolved.alerts[0]!.startsAt, body.alerts[0]!.startsAt, "the resolved alert starts when its episode did");
  assert.equal(resolved.alerts[0]!.fingerprint, body.alerts[0]!.fingerprint, "one episode, one fingerprint");
  assert.ok(verifySignature(receiver.requests[1]!.raw, "s3cret", receiver.requests[1]!.headers["x-peermon-signature"] as string));
  await waitUntil(() => delivery.status().sinks[0]!.counters.delivered === 2, "both counted as delivered");
});

test("delivery webhook - a receiver answering 500 for 10 s, then 200: every alert delivered", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const receiver = await TestReceiver.start(t);
  const healthyAt = Date.now() + 10_000;
  receiver.respond = () => (Date.now() < healthyAt ? { status: 500, body: "down for maintenance" } : { status: 200 });
  const delivery = await startDelivery(t, server, { webhookUrl: receiver.url });
  const nc = await client(t, server);
  for (let i = 0; i < 20; i++) publishMetric(nc, { n: "ping", p: `P${i}`, ttlMs: 300 });
  await waitUntil(() => delivery.status().sinks[0]!.state === "retrying", "the sink retrying");
  const peers = () => new Set(webhookAlerts(receiver.accepted).map((a) => a.labels.peer));
  await receiver.waitFor(() => peers().size === 20, "all 20 alerts delivered after the outage", 60_000);
  assert.ok(
    receiver.requests.some((r) => r.answered === 500),
    "the receiver did refuse them first",
  );
  await waitUntil(() => delivery.status().sinks[0]!.counters.delivered === 20, "20 counted as delivered");
  const s = delivery.status().sinks[0]!;
  assert.ok(s.counters.failed.http_5xx > 0 && s.counters.retried > 0, JSON.stringify(s.counters));
  assert.equal(s.undelivered, 0);
  assert.equal(s.state, "idle");
});

test("delivery webhook - two replicas, each with its delivery: each alert delivered once", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  await startMonitor(t, server);
  const receiver = await TestReceiver.start(t);
  const a = await startDelivery(t, server, { webhookUrl: receiver.url });
  const b = await startDelivery(t, server, { webhookUrl: receiver.url });
  const nc = await client(t, server);
  for (let i = 0; i < 50; i++) publishMetric(nc, { n: i % 2 ? "ping" : "freespace", p: `P${i}`, ttlMs: 200 + (i % 10) * 50 });
  await receiver.waitFor(() => ids(receiver).length >= 50, "50 alerts");
  // Longer than the AckWait (2 s): an alert delivered but not acknowledged would come again.
  await quietPeriod(3_000);
  const got = ids(receiver);
  assert.equal(got.length, 50, "no alert twice");
  assert.equal(new Set(got).size, 50);
  const counts = [a, b].map((d) => d.status().sinks[0]!.counters.delivered);
  assert.equal(counts[0]! + counts[1]!, 50, `shared between the replicas: ${counts.join(" + ")}`);
});

test("delivery webhook - a burst of 1,000 alerts falling due together arrives batched, all of them", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const receiver = await TestReceiver.start(t);
  const delivery = await startDelivery(t, server, { webhookUrl: receiver.url });
  const nc = await client(t, server);
  for (let i = 0; i < 1_000; i++) publishMetric(nc, { n: "ping", p: `P${i}`, ttlMs: 500 });
  await receiver.waitFor(() => ids(receiver).length >= 1_000, "1,000 alerts", 60_000);
  await quietPeriod(500);
  const got = ids(receiver);
  assert.equal(new Set(got).size, 1_000);
  assert.equal(got.length, 1_000);
  const sizes = receiver.requests.map((r) => r.json<WebhookBody>().alerts.length);
  assert.ok(
    sizes.every((n) => n <= 500),
    `at most 500 per POST: ${sizes.join(", ")}`,
  );
  assert.ok(sizes.length <= 100, `batched, 10 alerts per POST or more: ${sizes.length} POSTs (${sizes.join(", ")})`);
  assert.ok(receiver.requests.every((r) => r.json<WebhookBody>().groupLabels.metric === "ping"));
  assert.equal(delivery.status().sinks[0]!.counters.posts, sizes.length);
});

test("delivery webhook - a 4xx is counted, logged with the answer and acknowledged, not retried", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const receiver = await TestReceiver.start(t);
  receiver.respond = () => ({ status: 422, body: "unknown field alerts" });
  const { log, lines } = capturedLogger();
  const delivery = await startDelivery(t, server, { webhookUrl: receiver.url }, { log });
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 100 });
  await receiver.waitFor((r) => r.length === 1, "one POST");
  await quietPeriod(3_000);
  assert.equal(receiver.requests.length, 1, "not retried, not redelivered after the AckWait");
  const s = delivery.status().sinks[0]!;
  assert.equal(s.counters.rejected, 1);
  assert.equal(s.counters.failed.http_4xx, 1);
  assert.equal(s.undelivered, 0);
  assert.ok(
    lines.some((l) => String(l.answer).includes("HTTP 422: unknown field alerts")),
    "logged with the receiver's answer",
  );
});

test("delivery webhook - a muted alert is not delivered; the fingerprint follows the episode (x)", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const receiver = await TestReceiver.start(t);
  const delivery = await startDelivery(t, server, { webhookUrl: receiver.url });
  const nc = await client(t, server);
  const js = nc.jetstream();
  const now = BigInt(Date.now()) * 1_000_000n;
  const logged = (extra: Record<string, unknown>) =>
    js.publish("peermon.alertlog.ping.P1", encode({ n: "ping", p: "P1", v: "", d: true, t: now, l: 1_000_000_000n, r: now, ...extra }));
  await logged({ i: "A1", k: "firing", m: true });
  await logged({ i: "A2", k: "firing", x: "A1" }); // the silence ended: a repeat of the same episode
  await receiver.waitFor(() => ids(receiver).length === 1, "the repeat");
  await logged({ i: "A3", k: "resolved", x: "A1" });
  await receiver.waitFor(() => ids(receiver).length === 2, "the resolution");
  await logged({ i: "B1", k: "firing" }); // the next episode (no x: its own id)
  await receiver.waitFor(() => ids(receiver).length === 3, "the next episode");
  await quietPeriod(300);
  const alerts = webhookAlerts(receiver.requests);
  assert.deepEqual(
    alerts.map((a) => a.annotations.alert_id),
    ["A2", "A3", "B1"],
    "A1 was muted",
  );
  assert.equal(alerts[0]!.fingerprint, alerts[1]!.fingerprint, "the repeat and the resolution share the episode's fingerprint");
  assert.notEqual(alerts[2]!.fingerprint, alerts[0]!.fingerprint, "a new episode, a new fingerprint");
  assert.equal(delivery.status().sinks[0]!.counters.muted, 1);
});

test("delivery webhook - without JetStream: from memory, with one warning at start", async (t) => {
  const server = await natsServer(t, { jetstream: false });
  await startMonitor(t, server, { jetstream: false });
  const receiver = await TestReceiver.start(t);
  const { log, lines } = capturedLogger();
  const delivery = await startDelivery(t, server, { webhookUrl: receiver.url, jetstream: false }, { log });
  assert.equal(delivery.status().mode, "memory");
  assert.equal(lines.filter((l) => l.level === 40 && /without JetStream/.test(String(l.msg))).length, 1);
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 100 });
  await receiver.waitFor(() => ids(receiver).length === 1, "the alert");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  await receiver.waitFor(() => ids(receiver).length === 2, "the resolved alert");
  assert.deepEqual(
    webhookAlerts(receiver.requests).map((a) => a.status),
    ["firing", "resolved"],
  );
});

test("delivery webhook - a monitor with a webhook delivers by itself; /metrics shows the sink, never the secret", async (t) => {
  const server = await natsServer(t);
  const receiver = await TestReceiver.start(t);
  const monitor = await startMonitor(t, server, {
    ...TEST_DELIVERY,
    webhookUrl: receiver.url.replace("http://", "http://bot:hunter2@"),
    webhookSecret: "s3cret",
    http: { host: "127.0.0.1", port: 0 },
  });
  const port = monitor.httpPort!; // the system assigned it: nothing takes it between picking and binding
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 100 });
  await receiver.waitFor((r) => r.length === 1, "the alert");
  assert.equal(receiver.requests[0]!.headers.authorization, `Basic ${Buffer.from("bot:hunter2").toString("base64")}`);
  await waitUntil(() => monitor.delivery?.status().sinks[0]?.counters.delivered === 1, "counted");
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sink = monitor.delivery!.status().sinks[0]!;
  assert.match(metrics, new RegExp(`peermon_delivery_delivered_total\\{sink="${sink.id}",url="http://\\*\\*\\*@127\\.0\\.0\\.1:\\d+/…"\\} 1`));
  assert.match(metrics, /peermon_delivery_oldest_undelivered_seconds\{[^}]*\} 0/);
  assert.match(metrics, /peermon_delivery_failed_total\{[^}]*reason="http_5xx"\} 0/);
  assert.doesNotMatch(metrics + JSON.stringify(monitor.delivery!.status()), /hunter2|s3cret/);
});

test("delivery webhook - the monitor's STATS and `peermon status` show each sink, with no secret", async (t) => {
  const server = await natsServer(t);
  const receiver = await TestReceiver.start(t);
  const secretUrl = receiver.url.replace("http://", "http://user:hunter2@");
  const monitor = await startMonitor(t, server, { ...TEST_DELIVERY, webhookUrl: secretUrl, webhookSecret: "s3cret" });
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
  await receiver.waitFor((r) => r.length === 1, "the firing alert");
  // The receiver has the POST before the monitor has its answer: wait until the delivery is counted.
  await waitUntil(() => monitor.delivery?.status().sinks[0]?.counters.delivered === 1, "the delivery counted");
  const data: { delivery: { sinks: { kind: string; url: string }[] } | null }[] = [];
  for await (const s of await nc.services.client().stats("peermon")) data.push(s.endpoints?.find((e) => e.data)?.data as never);
  const sinks = data[0]!.delivery!.sinks;
  assert.deepEqual(
    sinks.map((s) => s.kind),
    ["webhook"],
  );
  assert.ok(!JSON.stringify(data).includes("hunter2") && !JSON.stringify(data).includes("s3cret"), "no secret in STATS");
  const lines = deliveryLines(data[0]!.delivery as never);
  assert.match(lines.join("\n"), /delivery \(from the alert log\):\n {4}webhook http:\/\/\*\*\*@127\.0\.0\.1:\d+\/…: ok \| delivered 1/);
});
