/**
 * Delivery to a real Prometheus Alertmanager (Debian's prometheus-alertmanager 0.25), configured
 * from the repository's deploy/alertmanager/alertmanager.yml with its webhook receiver pointed at a
 * test receiver: what peermon posts is checked in Alertmanager's own API and in the notifications
 * Alertmanager sends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { freePort } from "../../src/cli/local-nats.js";
import { TestAlertmanager, type GettableAlert } from "../helpers/alertmanager.js";
import { startDelivery } from "../helpers/delivery.js";
import { AlertCollector, client, eventually, natsServer, publishMetric, quietPeriod, startMonitor, waitUntil } from "../helpers/nats.js";
import { TestReceiver, webhookAlerts, type WebhookBody } from "../helpers/receiver.js";

const ofPeer = (alerts: GettableAlert[], peer: string) => alerts.filter((a) => a.labels.peer === peer);

test("delivery alertmanager - a dead peer appears in Alertmanager with its labels, is notified through its webhook, and its return resolves it", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const notified = await TestReceiver.start(t);
  const am = await TestAlertmanager.start(t, { receiverUrl: notified.url });
  await startDelivery(t, server, { alertmanagerUrls: [am.url], http: { host: "0.0.0.0", port: 9464 }, externalUrl: "http://peermon.test:9464/" });
  const nc = await client(t, server);
  const published = await AlertCollector.start(t, nc);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 300 });
  await published.waitFor((a) => a.length === 1, "the firing alert on NATS");
  const alert = published.alerts[0]!;
  await eventually(async () => ofPeer(await am.alerts(), "P1").length === 1, "the alert in GET /api/v2/alerts");
  const [held] = ofPeer(await am.alerts(), "P1");
  assert.deepEqual(held!.labels, { alertname: "PeermonMetricExpired", metric: "ping", peer: "P1" });
  assert.equal(held!.annotations.alert_id, alert.id);
  assert.equal(held!.annotations.value, "1");
  assert.match(held!.annotations.summary!, /^Peer P1 stopped sending ping: silent since \d{4}-/);
  assert.equal(Date.parse(held!.startsAt), Math.round(Number(alert.receivedAt + alert.ttl!) / 1e6), "startsAt = the deadline");
  assert.equal(held!.generatorURL, "http://peermon.test:9464/");
  assert.equal(held!.status.state, "active");

  await notified.waitFor((r) => webhookAlerts(r).some((a) => a.status === "firing" && a.labels.peer === "P1"), "Alertmanager's firing notification");
  const firing = notified.requests[0]!.json<WebhookBody>();
  assert.equal(firing.receiver, "on-call");
  assert.deepEqual(firing.groupLabels, { alertname: "PeermonMetricExpired", metric: "ping" });

  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  await notified.waitFor((r) => r.some((q) => q.json<WebhookBody>().status === "resolved"), "Alertmanager's resolved notification");
  const resolved = notified.requests.find((q) => q.json<WebhookBody>().status === "resolved")!.json<WebhookBody>();
  assert.deepEqual(resolved.alerts[0]!.labels, { alertname: "PeermonMetricExpired", metric: "ping", peer: "P1" });
  assert.equal(resolved.alerts[0]!.startsAt, firing.alerts[0]!.startsAt, "the same alert, ended");
  await eventually(async () => ofPeer(await am.alerts(), "P1").length === 0, "no longer active in Alertmanager");
});

test("delivery alertmanager - two Alertmanager instances both receive every alert", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const notified = await TestReceiver.start(t);
  const [am0, am1] = await Promise.all([0, 1].map(() => TestAlertmanager.start(t, { receiverUrl: notified.url })));
  const delivery = await startDelivery(t, server, { alertmanagerUrls: [am0!.url, am1!.url] });
  assert.equal(delivery.status().sinks.length, 2, "one sink, and one durable consumer, per Alertmanager");
  const nc = await client(t, server);
  for (let i = 0; i < 10; i++) publishMetric(nc, { n: "ping", p: `P${i}`, ttlMs: 200 });
  for (const am of [am0!, am1!]) {
    await eventually(async () => (await am.alerts()).length === 10, `10 alerts in ${am.url}`);
  }
  const peers = async (am: TestAlertmanager) => (await am.alerts()).map((a) => a.labels.peer).sort();
  assert.deepEqual(await peers(am0!), await peers(am1!));
});

test("delivery alertmanager - a firing alert lasting longer than resolve_timeout is not auto-resolved", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const notified = await TestReceiver.start(t);
  const am = await TestAlertmanager.start(t, { receiverUrl: notified.url, resolveTimeout: "3s" });
  const delivery = await startDelivery(t, server, { alertmanagerUrls: [am.url], alertmanagerRepostMs: 1_000 });
  const nc = await client(t, server);
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 200 });
  await eventually(async () => ofPeer(await am.alerts(), "P1").length === 1, "the alert in Alertmanager");
  // Three resolve_timeouts: without re-posts Alertmanager would have resolved it after the first.
  await quietPeriod(9_000);
  const [held] = ofPeer(await am.alerts(), "P1");
  assert.equal(held?.status.state, "active", "still firing in Alertmanager");
  assert.ok(Date.parse(held!.endsAt) > Date.now(), "its endsAt keeps moving ahead");
  assert.ok(!webhookAlerts(notified.requests).some((a) => a.status === "resolved"), "no resolved notification");
  assert.ok(delivery.status().sinks[0]!.counters.reposted >= 5, `re-posted: ${delivery.status().sinks[0]!.counters.reposted}`);
});

test("delivery alertmanager - a dead Alertmanager holds back no other destination", async (t) => {
  const server = await natsServer(t);
  await startMonitor(t, server);
  const receiver = await TestReceiver.start(t);
  const deadPort = await freePort();
  const delivery = await startDelivery(t, server, { alertmanagerUrls: [`http://127.0.0.1:${deadPort}`], webhookUrl: receiver.url });
  const nc = await client(t, server);
  const started = Date.now();
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 100 });
  await receiver.waitFor((r) => r.length === 1, "the webhook alert");
  assert.ok(Date.now() - started < 5_000, "delivered to the webhook at once");
  await waitUntil(() => delivery.status().sinks[0]!.state === "retrying", "the Alertmanager sink retrying");
  const am = delivery.status().sinks[0]!;
  assert.ok(am.counters.failed.connection > 0, JSON.stringify(am.counters.failed));
  assert.equal(am.undelivered, 1);
});
